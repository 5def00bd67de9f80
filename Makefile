# Set-up on a fresh machine is `make demo` and `make test`; both create .venv themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench lint fmt clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/abm check playbooks/
	$(BIN)/abm test --coverage playbooks/
	mkdir -p out
	$(BIN)/abm run playbooks/pharma_pilot.abm --accounts playbooks/data/accounts.csv \
		--contacts playbooks/data/contacts.csv -o out/tiers.csv
	$(BIN)/abm explain playbooks/pharma_pilot.abm ACC-0068 --accounts playbooks/data/accounts.csv
	# The sample pilot misses two of its targets: exit code 1 is its verdict, not an error.
	$(BIN)/abm evaluate playbooks/pharma_pilot.abm --accounts playbooks/data/accounts.csv \
		--contacts playbooks/data/contacts.csv --activities playbooks/data/activities.csv \
		-o out/scorecard.md -o out/junit.xml || [ $$? -eq 1 ]
	$(BIN)/abm report playbooks/pharma_pilot.abm --accounts playbooks/data/accounts.csv \
		--contacts playbooks/data/contacts.csv --activities playbooks/data/activities.csv \
		--simulate 1000 -o out/report.html

test: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check abmdsl tests bench tools
	$(BIN)/ruff format --check abmdsl tests bench tools

fmt: $(STAMP)
	$(BIN)/ruff format abmdsl tests bench tools
	$(BIN)/ruff check --fix abmdsl tests bench tools

clean:
	rm -rf $(VENV) dist build .pytest_cache .hypothesis
