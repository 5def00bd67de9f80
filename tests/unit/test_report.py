"""`abm report`: the sections, escaping, determinism, the Markdown form, errors and big inputs.

The Markdown report of the seed pilot on the bundled sample data is golden: after a deliberate
change, ``ABM_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/test_report.py`` rewrites
``tests/golden/report/``; read the diff before committing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from abmdsl.cli import main
from abmdsl.report import SECTIONS

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "report"
UPDATE = os.environ.get("ABM_UPDATE_GOLDEN") == "1"
SAMPLE = [
    "playbooks/pharma_pilot.abm",
    "--accounts",
    "playbooks/data/accounts.csv",
    "--contacts",
    "playbooks/data/contacts.csv",
    "--activities",
    "playbooks/data/activities.csv",
]
CHARTS = (
    "chart-matrix",
    "chart-gantt",
    "chart-cadence-weeks",
    "chart-cadence-days",
    "chart-cadence-steps",
    "chart-sim-pass",
    "chart-sim-outcomes",
    "chart-sim-ranges",
)


class _Ids(HTMLParser):
    """Every element's id, and the ids of the ``<svg>`` elements."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.svgs: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        found = dict(attrs).get("id")
        if found:
            self.ids.append(found)
            if tag == "svg":
                self.svgs.append(found)


def parsed(html: str) -> _Ids:
    ids = _Ids()
    ids.feed(html)
    return ids


def report(tmp: Path, name: str, *extra: str) -> str:
    out = tmp / name
    assert main(["report", *SAMPLE, *extra, "-o", str(out)]) == 0
    return out.read_text(encoding="utf-8")


@pytest.fixture(autouse=True)
def in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # paths in the report are as a strategist types them


@pytest.fixture(scope="module")
def sample_html(tmp_path_factory: pytest.TempPathFactory) -> str:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        folder = tmp_path_factory.mktemp("report")
        return report(folder, "r.html", "--simulate", "200", "--seed", "3")


# ------------------------------------------------------------------------------- the sections
def test_every_section_and_chart_is_there(sample_html: str) -> None:
    found = parsed(sample_html)
    assert set(SECTIONS) <= set(found.ids)
    assert found.svgs == list(CHARTS)
    assert len(found.ids) == len(set(found.ids)), "an id is used twice in the page"
    assert 'data-tier="tailored" data-accounts="5"' in sample_html
    assert 'data-verdict="fail"' in sample_html
    assert "tailored is full: at most 5 accounts, this one ranks 9" in sample_html  # explain()
    assert "tender_invitations &gt;= 4" in sample_html  # the derived target of the goal tree


def test_the_simulation_ranks_the_assumptions_as_abm_simulate_does(sample_html: str) -> None:
    table = sample_html.split('id="sensitivity-table"', 1)[1].split("</table>", 1)[0]
    # The seed has one uncertain assumption; its two ends are played as `abm simulate` plays
    # them (the first 200 runs again, the same random numbers).
    assert "<td>reply email 2%..6%</td>" in table
    assert '<td class="num">2.0%</td>' in table and '<td class="num">6.0%</td>' in table
    assert "base: the first 200 runs as declared" in sample_html


def test_the_charts_are_matplotlib_svg_and_the_page_needs_no_network(sample_html: str) -> None:
    for chart in CHARTS:
        svg = re.search(rf'<svg [^>]*id="{chart}".*?</svg>', sample_html, re.S)
        assert svg is not None, chart
        assert "Matplotlib v" in svg.group(0)  # drawn by matplotlib, not by hand
    found = parsed(sample_html)
    assert not {"script", "link", "img", "iframe"} & found.tags
    assert not re.search(r"\bsrc=|@import|url\((?!#)|<\?xml|<!DOCTYPE svg", sample_html)


def test_the_same_inputs_give_the_same_bytes(tmp_path: Path, sample_html: str) -> None:
    again = report(tmp_path, "again.html", "--simulate", "200", "--seed", "3")
    assert again == sample_html
    first = report(tmp_path, "a.md", "--simulate", "50")
    assert report(tmp_path, "b.md", "--simulate", "50") == first


# ------------------------------------------------------------------------------- Markdown
def test_the_sample_report_in_markdown_is_golden(tmp_path: Path) -> None:
    text = report(tmp_path, "report.md")
    expected = GOLDEN / "pharma_pilot.md"
    if UPDATE:
        expected.parent.mkdir(parents=True, exist_ok=True)
        expected.write_text(text, encoding="utf-8")
    assert expected.exists(), "no golden report: run with ABM_UPDATE_GOLDEN=1"
    assert text == expected.read_text(encoding="utf-8")


def test_markdown_goes_to_the_screen_without_charts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", *SAMPLE[:3]]) == 0
    text = capsys.readouterr().out
    for heading in ("## 1. Scoring matrix", "## 2. Tiers", "## 3. Goals", "## 4. Plan"):
        assert heading in text
    assert "<svg" not in text and "Chart left out of the Markdown report" in text
    assert "Not measured: give what happened with `--activities FILE`" in text
    assert "run with `--contacts FILE` to add it" in text


def test_matplotlib_is_loaded_only_to_draw() -> None:
    code = (
        "import sys; from abmdsl.cli import main; "
        "main(['check', 'playbooks/pharma_pilot.abm']); "
        "main(['report', 'playbooks/pharma_pilot.abm', '--accounts', "
        "'playbooks/data/accounts.csv', '-o', sys.argv[1]]); "
        "print('matplotlib' in sys.modules, file=sys.stderr)"
    )
    out = ROOT / "out" / "test-artifacts"
    out.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", code, str(out / "lazy.md")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stderr.strip().endswith("False")


# ------------------------------------------------------------------------------- escaping
AWKWARD = """abm 1
playbook "R&D <pilot> $5" {
  start 2027-01-11
  horizon 30 days
  currency USD
}

accounts {
  key id: text
  name: text
  fit: int 1..5
  reach: int 1..5
}

score fit_score "Fit <&> \\"quoted\\"" scale 1..5 {
  f "fit" weight 100% = fit
}

score reach_score "Reach $x$" scale 1..5 {
  r "reach" weight 100% = reach
}

tier top "<b>Top</b> & co" when fit_score >= 3 and reach_score >= 3
tier rest "The rest" otherwise

plan "Plan <1>" {
  roles lead
  stage go "Go $ <now>" weeks 1..2 {
    accountable lead
  }
}
"""


def write_awkward(tmp: Path, rows: int = 6) -> tuple[Path, Path]:
    playbook = tmp / "awkward.abm"
    playbook.write_text(AWKWARD, encoding="utf-8")
    accounts = tmp / "accounts.csv"
    lines = ["id;name;fit;reach"]
    lines += [
        f"A-{i};<script>alert({i})</script> & Co;{i % 5 + 1};{(i * 3) % 5 + 1}" for i in range(rows)
    ]
    accounts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return playbook, accounts


def test_names_with_markup_stay_text(tmp_path: Path) -> None:
    playbook, accounts = write_awkward(tmp_path)
    html_out, md_out = tmp_path / "r.html", tmp_path / "r.md"
    for out in (html_out, md_out):
        assert main(["report", str(playbook), "--accounts", str(accounts), "-o", str(out)]) == 0
    html = html_out.read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert "&lt;b&gt;Top&lt;/b&gt; &amp; co" in html
    assert "R&amp;D &lt;pilot&gt; $5" in html
    assert "Go $ &lt;now&gt;" in html  # in the stage table; a `$` is no TeX in the Gantt either
    assert set(SECTIONS) <= set(parsed(html).ids)
    markdown = md_out.read_text(encoding="utf-8")
    assert "<script>" not in markdown and "&lt;script>alert(1)&lt;/script> & Co" in markdown


# ------------------------------------------------------------------------------- big inputs
def test_a_tier_too_long_to_list_says_how_many_are_left_out(tmp_path: Path) -> None:
    playbook, accounts = write_awkward(tmp_path, rows=400)
    out = tmp_path / "r.md"
    args = ["report", str(playbook), "--accounts", str(accounts), "-o", str(out), "--list", "7"]
    assert main(args) == 0
    text = out.read_text(encoding="utf-8")
    top = sum(1 for i in range(400) if i % 5 + 1 >= 3 and (i * 3) % 5 + 1 >= 3)
    assert f"**{top - 7} more accounts of top not shown**" in text
    assert f"**{400 - top - 7} more accounts of rest not shown**" in text
    assert text.count("| `A-") == 14


def test_a_crowded_matrix_says_what_it_does_not_draw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from abmdsl.report import matrix

    monkeypatch.setattr(matrix, "MAX_POINTS", 4)
    playbook, accounts = write_awkward(tmp_path, rows=400)
    out = tmp_path / "r.html"
    assert main(["report", str(playbook), "--accounts", str(accounts), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert re.search(r"[\d,]+ accounts at \d+ further points are not drawn", text)


# ------------------------------------------------------------------------------- the matrix
def test_the_regions_follow_the_tier_conditions() -> None:
    from abmdsl.api import compile_file
    from abmdsl.report.matrix import GRID, choose_axes, regions

    playbook = compile_file(ROOT / "playbooks" / "pharma_pilot.abm").playbook
    assert playbook is not None
    chosen = choose_axes(playbook)
    assert not isinstance(chosen, str)
    found = regions(playbook, chosen[0], chosen[1], ())
    assert found is not None and found.exact
    cell = GRID // 4  # a 1–5 scale: 1 unit is a quarter of the grid

    def at(x: float, y: float) -> int:
        return found.cells[int((y - 1) * cell)][int((x - 1) * cell)]

    assert (at(4.01, 4.01), at(3.99, 4.5), at(3.0, 2.5), at(2.99, 4.9)) == (0, 1, 1, 2)


def test_without_two_scores_there_is_no_matrix_and_the_report_says_why(tmp_path: Path) -> None:
    playbook, accounts = write_awkward(tmp_path)
    one = playbook.read_text(encoding="utf-8").replace("and reach_score >= 3", "")
    start = one.index("score reach_score")
    one = one[:start] + one[one.index("tier top") :]
    playbook.write_text(one, encoding="utf-8")
    out = tmp_path / "r.html"
    assert main(["report", str(playbook), "--accounts", str(accounts), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "The matrix needs two scores; this playbook declares one score" in text
    assert 'id="chart-matrix"' not in text


def test_conditions_on_other_fields_shade_by_the_observed_tiers(tmp_path: Path) -> None:
    playbook, accounts = write_awkward(tmp_path)
    text = playbook.read_text(encoding="utf-8")
    text = text.replace("reach_score >= 3", "reach_score >= 3 and reach >= 2")
    playbook.write_text(text, encoding="utf-8")
    out = tmp_path / "r.md"
    assert main(["report", str(playbook), "--accounts", str(accounts), "-o", str(out)]) == 0
    assert "shaded by the accounts' observed tiers" in out.read_text(encoding="utf-8")


# ------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--accounts", "playbooks/data/accounts.csv", "-o", "r.pdf"], "cannot tell the format"),
        (["--accounts", "nope.csv"], "no such accounts file"),
        (["--accounts", "playbooks/data/accounts.csv", "--simulate", "10"], "needs the contacts"),
        (["--accounts", "playbooks/data/accounts.csv", "--seed", "1"], "give it with --simulate"),
        (["--accounts", "playbooks/data/accounts.csv", "--as-of", "2027-03-01"], "--activities"),
        (["--accounts", "playbooks/data/contacts.csv"], "does not match"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "playbooks/pharma_pilot.abm", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_playbook_with_errors_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.abm"
    bad.write_text('abm 1\nplaybook "x" { horizon 9 days }\ntier t when nope >= 1\n', "utf-8")
    assert main(["report", str(bad), "--accounts", str(ROOT / "playbooks/data/accounts.csv")]) == 2
    err = capsys.readouterr().err
    assert "ABM" in err and "fix them first" in err


def test_simulating_a_playbook_without_a_simulate_block_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    playbook, accounts = write_awkward(tmp_path)
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("contact_id;account\n", encoding="utf-8")
    args = ["report", str(playbook), "--accounts", str(accounts), "--contacts", str(contacts)]
    assert main([*args, "--simulate", "5"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_the_templates_ship_inside_the_package() -> None:
    from importlib.resources import files

    folder = files("abmdsl.report") / "templates"
    names = {"report.html.j2", "report.md.j2", "report.css"}
    assert names <= {p.name for p in folder.iterdir()}  # hatch puts them in the wheel with it
