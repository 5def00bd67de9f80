"""`abm check --format sarif|junit`, read back the way CI systems read them.

The SARIF is validated against the official SARIF 2.1.0 JSON schema (OASIS, errata 01; vendored
in ``tests/fixtures/``, see ``sarif-schema-2.1.0.md`` there) and the JUnit XML is read by an
independent parser, ``junitparser``. Both come from the command line, on the small broken
repository of ``tests/golden/check-formats/playbooks/``: a pilot with two mistakes of its own and
one in the file it imports, a correct playbook with a warning, and a syntax error. Each must
report every diagnostic that ``--format json`` reports.

After a deliberate change to either format: ``ABM_UPDATE_GOLDEN=1 .venv/bin/pytest
tests/unit/test_check_formats.py`` rewrites the golden outputs; read them before committing.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema
import pytest
from junitparser import Failure, JUnitXml, TestCase, TestSuite

from abmdsl.cli import main
from abmdsl.codes import CODES
from abmdsl.diagnostics import Diagnostic, error, warning
from abmdsl.render import SRCROOT, render_junit, render_sarif
from abmdsl.span import Span

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "check-formats"
SCHEMA = json.loads((ROOT / "tests" / "fixtures" / "sarif-schema-2.1.0.json").read_text())
UPDATE = os.environ.get("ABM_UPDATE_GOLDEN") == "1"


def abm(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = main(list(args))
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The broken playbooks in a repository of their own, checked from its root."""
    (tmp_path / ".git").mkdir()
    shutil.copytree(GOLDEN / "playbooks", tmp_path / "playbooks")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def json_diagnostics() -> list[dict[str, Any]]:
    status, out, _ = abm("check", "--format", "json", "playbooks/")
    assert status == 1
    found: list[dict[str, Any]] = json.loads(out)
    assert len(found) == 5  # the golden repository's mistakes, as `abm check` reports them
    return found


def sarif(*paths: str) -> dict[str, Any]:
    _, out, _ = abm("check", "--format", "sarif", *paths)
    log: dict[str, Any] = json.loads(out)
    return log


def validate(log: dict[str, Any]) -> None:
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(log), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


def golden(name: str, text: str) -> None:
    expected = GOLDEN / name
    if UPDATE:
        expected.write_text(text, encoding="utf-8")
    assert expected.exists(), f"no golden {name}: run with ABM_UPDATE_GOLDEN=1"
    assert text == expected.read_text(encoding="utf-8"), name


# ---------------------------------------------------------------- SARIF
def test_sarif_is_valid_against_the_sarif_2_1_0_schema(repo: Path) -> None:
    status, out, err = abm("check", "--format", "sarif", "playbooks/")
    assert status == 1, err  # errors fail the check whatever the format
    log = json.loads(out)
    validate(log)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    golden("check.sarif", out)


def test_sarif_reports_every_diagnostic_where_it_is(repo: Path) -> None:
    run = sarif("playbooks/")["runs"][0]
    seen = sorted(
        (
            r["ruleId"],
            r["level"],
            loc["artifactLocation"]["uri"],
            loc["region"]["startLine"],
            loc["region"]["startColumn"],
            loc["region"]["endLine"],
            loc["region"]["endColumn"],
        )
        for r in run["results"]
        for loc in [r["locations"][0]["physicalLocation"]]
    )
    wanted = sorted(
        tuple(
            d[k] for k in ("code", "severity", "file", "line", "column", "end_line", "end_column")
        )
        for d in json_diagnostics()
    )
    assert seen == wanted
    for result in run["results"]:
        where = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert where["uriBaseId"] == SRCROOT and not urlparse(where["uri"]).scheme
        assert (repo / where["uri"]).is_file()
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_rules_are_the_codes_that_occur_with_their_documentation(repo: Path) -> None:
    driver = sarif("playbooks/")["runs"][0]["tool"]["driver"]
    assert driver["name"] == "abm" and driver["version"]
    assert "informationUri" not in driver  # no made-up addresses
    rules = driver["rules"]
    assert [r["id"] for r in rules] == ["ABM104", "ABM201", "ABM206", "ABM226", "ABM236"]
    for rule in rules:
        code = CODES[rule["id"]]
        assert rule["shortDescription"]["text"] == code.title
        assert rule["fullDescription"]["text"] == code.explanation
        assert rule["defaultConfiguration"]["level"] == str(code.severity)
        assert rule["name"].isalnum() and rule["name"][0].isupper()
        assert f"`{rule['id']}` in abmdsl's `docs/diagnostics.md`" in rule["help"]["markdown"]
    docs = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert all(f"## {r['id']}\n" in docs for r in rules)  # the anchors exist


def test_sarif_carries_the_hint_and_the_notes(repo: Path) -> None:
    results = sarif("playbooks/")["runs"][0]["results"]
    [twice] = [r for r in results if r["ruleId"] == "ABM226"]
    assert "hint: keep one of them" in twice["message"]["text"]
    assert "**hint:** keep one of them" in twice["message"]["markdown"]
    [note] = twice["relatedLocations"]
    # An embedded link to the related location, and where it is for a reader of the bare text.
    assert "note: [set first here](0) (playbooks/pilot.abm:5:3)" in twice["message"]["text"]
    assert note["id"] == 0 and note["message"]["text"] == "set first here"
    assert note["physicalLocation"]["artifactLocation"]["uri"] == "playbooks/pilot.abm"
    assert note["physicalLocation"]["region"]["startLine"] == 5
    [typo] = [r for r in results if r["ruleId"] == "ABM201"]
    assert "did you mean `attractiveness`?" in typo["message"]["text"]


def test_sarif_is_deterministic_and_relative_to_the_repository(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = abm("check", "--format", "sarif", "playbooks/")[1]
    assert first == abm("check", "--format", "sarif", "playbooks/")[1]
    # From inside a subfolder, the URIs still start at the repository's root.
    monkeypatch.chdir(repo / "playbooks")
    assert abm("check", "--format", "sarif", ".")[1] == first
    assert str(repo) not in first  # nothing about where the checkout happens to be


def test_a_clean_check_is_an_empty_valid_sarif_run(repo: Path) -> None:
    shutil.copy(ROOT / "playbooks" / "pharma_pilot.abm", repo / "clean.abm")
    status, out, _ = abm("check", "--format", "sarif", "clean.abm")
    assert status == 0
    log = json.loads(out)
    validate(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def test_sarif_of_unusual_diagnostics_stays_valid(tmp_path: Path) -> None:
    diagnostics = [
        error("ABM201", "no place", None, hint="a hint"),  # no span: a result without location
        warning("ABM236", "odd name", Span(str(tmp_path / "пилот 1.abm"), 1, 1, 1, 4)),
        error("ABM999", "a code nobody registered", Span(str(tmp_path / "a.abm"), 2, 1, 2, 2)),
        error("ABM202", "elsewhere", Span("/elsewhere/b.abm", 1, 1, 1, 2)),
    ]
    log = json.loads(render_sarif(diagnostics, tmp_path))
    validate(log)
    results = {r["message"]["text"].split("\n")[0]: r for r in log["runs"][0]["results"]}
    bracketed = error("ABM201", "unknown name `a[1]`", None, notes=(("see [x]", None),))
    text = json.loads(render_sarif([bracketed]))["runs"][0]["results"][0]["message"]["text"]
    assert text == "unknown name `a\\[1\\]`\nnote: see \\[x\\]"  # not read as links
    assert "locations" not in results["no place"]
    odd = results["odd name"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert odd == {"uri": "%D0%BF%D0%B8%D0%BB%D0%BE%D1%82%201.abm", "uriBaseId": SRCROOT}
    outside = results["elsewhere"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert outside == {"uri": "file:///elsewhere/b.abm"}
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert set(rules["ABM999"]) == {"id"}


# ---------------------------------------------------------------- JUnit XML
def junit() -> tuple[int, JUnitXml]:
    status, out, _ = abm("check", "--format", "junit", "playbooks/")
    return status, JUnitXml.fromstring(out.encode("utf-8"))


def cases(suite: TestSuite) -> dict[str, TestCase]:
    return {case.name: case for case in suite}


def test_junit_has_a_suite_per_playbook_and_a_case_per_file(repo: Path) -> None:
    status, xml = junit()
    assert status == 1
    suites = {suite.name: suite for suite in xml}
    assert sorted(suites) == ["playbooks/outreach.abm", "playbooks/pilot.abm", "playbooks/typo.abm"]
    # The imported file is checked as part of the pilot, and has a case there.
    assert sorted(cases(suites["playbooks/pilot.abm"])) == [
        "playbooks/pilot.abm",
        "playbooks/shared.abm",
    ]
    assert (xml.tests, xml.failures, xml.errors, xml.skipped) == (4, 3, 0, 0)
    assert suites["playbooks/pilot.abm"].failures == 2


def test_junit_failures_carry_every_error_and_warnings_do_not_fail(repo: Path) -> None:
    _, xml = junit()
    texts: dict[str, str] = {}
    for suite in xml:
        for case in suite:
            failures = [r for r in case.result if isinstance(r, Failure)]
            texts[case.name] = "".join(f.text or "" for f in failures) + (case.system_out or "")
            if failures:
                assert failures[0].type.startswith("ABM") and failures[0].message
    for d in json_diagnostics():
        header = f"{d['file']}:{d['line']}:{d['column']}: {d['severity']}[{d['code']}]"
        assert header in texts[d["file"]], (header, texts[d["file"]])
        assert d["message"] in texts[d["file"]]
    outreach = cases(next(s for s in xml if s.name == "playbooks/outreach.abm"))
    only_warned = outreach["playbooks/outreach.abm"]
    assert only_warned.is_passed and "warning[ABM236]" in (only_warned.system_out or "")
    pilot = cases(next(s for s in xml if s.name == "playbooks/pilot.abm"))
    [failure] = pilot["playbooks/pilot.abm"].result
    assert isinstance(failure, Failure)
    assert failure.message == (
        "ABM226 at playbooks/pilot.abm:7:3: `start` is set twice (and 1 more)"
    )
    assert "^^^^" in (failure.text or "") and "= hint: keep one of them" in (failure.text or "")


def test_junit_golden_output(repo: Path) -> None:
    _, out, _ = abm("check", "--format", "junit", "playbooks/")
    assert out == abm("check", "--format", "junit", "playbooks/")[1]
    golden("check.junit.xml", out)


def test_junit_of_a_clean_check_passes(repo: Path) -> None:
    shutil.copy(ROOT / "playbooks" / "pharma_pilot.abm", repo / "clean.abm")
    status, out, _ = abm("check", "--format", "junit", "clean.abm")
    assert status == 0
    xml = JUnitXml.fromstring(out.encode("utf-8"))
    assert (xml.tests, xml.failures) == (1, 0)


class _Checked:
    def __init__(self, diagnostics: list[Diagnostic], sources: dict[str, str]) -> None:
        self.diagnostics = diagnostics
        self.sources = sources


def test_junit_stays_well_formed_whatever_a_playbook_holds() -> None:
    # A control character from a hostile pull request cannot even be escaped in XML 1.0.
    bell = error("ABM103", "a stray \x07 byte", Span("x.abm", 1, 1, 1, 2), hint="<remove> & go")
    text = render_junit(
        [_Checked([bell], {"x.abm": "\x07tier"}), _Checked([error("ABM101", "?", None)], {})]
    )
    xml = JUnitXml.fromstring(text.encode("utf-8"))
    suites = {suite.name: suite for suite in xml}
    assert sorted(suites) == ["<playbook>", "x.abm"]
    [failure] = cases(suites["x.abm"])["x.abm"].result
    assert "\ufffd" in (failure.text or "") and "<remove> & go" in (failure.text or "")


# ---------------------------------------------------------------- usage
def test_an_unknown_format_is_a_usage_error(repo: Path) -> None:
    with pytest.raises(SystemExit) as exit_:
        abm("check", "--format", "xml", "playbooks/")
    assert exit_.value.code == 2
