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

test: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/run.py

lint: $(STAMP)
	$(BIN)/ruff check abmdsl tests bench
	$(BIN)/ruff format --check abmdsl tests bench

fmt: $(STAMP)
	$(BIN)/ruff format abmdsl tests bench
	$(BIN)/ruff check --fix abmdsl tests bench

clean:
	rm -rf $(VENV) dist build .pytest_cache .hypothesis
