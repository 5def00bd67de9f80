"""Diagnostics → text for people (snippet and caret), JSON for tools, GitHub annotations, SARIF
for code-scanning tools and JUnit XML for CI test reports."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, unquote
from xml.etree import ElementTree as ET

from .__about__ import __version__
from .diagnostics import Diagnostic, Severity
from .limits import MAX_DIAGNOSTICS
from .span import Span

_COLOURS = {Severity.ERROR: "\x1b[1;31m", Severity.WARNING: "\x1b[1;33m"}
_BOLD, _BLUE, _RESET = "\x1b[1m", "\x1b[1;34m", "\x1b[0m"


def render_text(
    diagnostics: Sequence[Diagnostic], sources: dict[str, str], colour: bool = False
) -> str:
    """Each diagnostic as ``file:line:col: severity[CODE]: message`` with the line and a caret.

    >>> from abmdsl.span import Span
    >>> from abmdsl.diagnostics import error
    >>> d = error("ABM201", "unknown name `potental`", Span("a.abm", 1, 13, 1, 21),
    ...           hint="did you mean `potential`?")
    >>> print(render_text([d], {"a.abm": "tier t when potental >= 4"}))
    a.abm:1:13: error[ABM201]: unknown name `potental`
      |
    1 | tier t when potental >= 4
      |             ^^^^^^^^
      = hint: did you mean `potential`?
    """
    shown = [_one(d, sources, colour) for d in diagnostics[:MAX_DIAGNOSTICS]]
    rest = len(diagnostics) - MAX_DIAGNOSTICS
    if rest > 0:  # a wall of text helps nobody: the first ones usually explain the rest
        shown.append(
            f"... and {rest} more diagnostic{'s' * (rest != 1)} not shown; "
            "fix these first, or see them all with `--format json`"
        )
    return "\n".join(shown)


def _one(d: Diagnostic, sources: dict[str, str], colour: bool) -> str:
    paint: Callable[[str, str], str] = (
        (lambda c, s: f"{c}{s}{_RESET}") if colour else (lambda c, s: s)
    )
    where = d.span.label() + ": " if d.span else ""
    head = (
        paint(_BOLD, where)
        + paint(_COLOURS[d.severity], f"{d.severity}[{d.code}]")
        + paint(_BOLD, f": {d.message}")
    )
    lines = [head]
    if d.span is not None:
        lines += _snippet(d, sources.get(d.span.file), paint)
    for note, span in d.notes:
        lines.append(f"  = note: {note}" + (f" ({span.label()})" if span else ""))
    if d.hint:
        lines.append("  " + paint(_BLUE, "= hint:") + f" {d.hint}")
    return "\n".join(lines)


def _snippet(d: Diagnostic, source: str | None, paint: Callable[[str, str], str]) -> list[str]:
    assert d.span is not None
    if source is None:
        return []
    all_lines = source.split("\n")
    if not 1 <= d.span.line <= len(all_lines):
        return []
    # One character for one, so the caret stays aligned; a playbook from a pull request must
    # not write escape codes into a terminal or a CI log.
    text = "".join(
        c if c.isprintable() else " " if c == "\t" else "?" for c in all_lines[d.span.line - 1]
    )
    number = str(d.span.line)
    gutter = " " * len(number)
    end = d.span.end_column if d.span.end_line == d.span.line else len(text) + 1
    width = max(1, min(end, len(text) + 1) - d.span.column)
    caret = " " * (d.span.column - 1) + "^" * width
    return [
        f"{gutter} |",
        f"{number} | {text}",
        f"{gutter} | " + paint(_COLOURS[d.severity], caret),
    ]


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    return json.dumps([as_dict(d) for d in diagnostics], ensure_ascii=False, indent=2)


def as_dict(d: Diagnostic) -> dict[str, object]:
    span = d.span
    return {
        "code": d.code,
        "severity": str(d.severity),
        "message": d.message,
        "file": span.file if span else None,
        "line": span.line if span else None,
        "column": span.column if span else None,
        "end_line": span.end_line if span else None,
        "end_column": span.end_column if span else None,
        "hint": d.hint,
        "notes": [{"message": m, "location": s.label() if s else None} for m, s in d.notes],
    }


def render_github(diagnostics: Sequence[Diagnostic]) -> str:
    """GitHub Actions workflow commands: each diagnostic becomes an annotation on the PR.

    >>> from abmdsl.span import Span
    >>> from abmdsl.diagnostics import warning
    >>> print(render_github([warning("ABM236", "unused", Span("a.abm", 2, 7, 2, 9), "use it")]))
    ::warning file=a.abm,line=2,col=7,endLine=2,endColumn=9,title=ABM236::unused%0Ahint: use it
    """
    out = []
    for d in diagnostics:
        kind = "error" if d.severity is Severity.ERROR else "warning"
        props = ",".join(_escape_prop(p) for p in _github_props(d))
        out.append(f"::{kind} {props}::{_escape(_github_message(d))}")
    return "\n".join(out)


def _github_props(d: Diagnostic) -> list[str]:
    if d.span is None:
        return [f"title={d.code}"]
    return [
        f"file={d.span.file}",
        f"line={d.span.line}",
        f"col={d.span.column}",
        f"endLine={d.span.end_line}",
        f"endColumn={d.span.end_column}",
        f"title={d.code}",
    ]


def _github_message(d: Diagnostic) -> str:
    """The message, then its notes and hint on lines of their own, as the text output has them."""
    notes = [f"note: {n}" + (f" ({s.label()})" if s else "") for n, s in d.notes]
    hint = [f"hint: {d.hint}"] if d.hint else []
    return "\n".join([d.message, *notes, *hint])


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_prop(prop: str) -> str:
    key, _, value = prop.partition("=")
    return key + "=" + _escape(value).replace(":", "%3A").replace(",", "%2C")


# ---------------------------------------------------------------- SARIF 2.1.0
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
# SARIF's links to a tool's home and to each rule's help must be absolute URIs. abmdsl has no
# public address of its own, and a made-up one would be a dead link in every code-scanning
# alert: the rules carry their whole explanation and name the page that has more instead.
DIAGNOSTICS_PAGE = "docs/diagnostics.md"
SRCROOT = "%SRCROOT%"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning"}


def render_sarif(diagnostics: Sequence[Diagnostic], root: Path | None = None) -> str:
    """One SARIF 2.1.0 run: the rules of the codes that occur, and one result per diagnostic.

    File URIs are relative to ``root`` (by default each file's repository: the folder holding
    ``.git``) under the base id ``%SRCROOT%``, which code-scanning tools resolve to their
    checkout, so the output does not depend on where the repository sits on the disk.

    >>> from abmdsl.span import Span
    >>> from abmdsl.diagnostics import error
    >>> d = error("ABM201", "unknown name `x`", Span("a.abm", 2, 6, 2, 7), hint="define it")
    >>> run = json.loads(render_sarif([d], Path.cwd()))["runs"][0]
    >>> [r["id"] for r in run["tool"]["driver"]["rules"]], run["results"][0]["level"]
    (['ABM201'], 'error')
    >>> run["results"][0]["locations"][0]["physicalLocation"]["region"]
    {'startLine': 2, 'startColumn': 6, 'endLine': 2, 'endColumn': 7}
    """
    # Two playbooks importing one library report its mistakes twice; a finding is one finding.
    found = sorted(dict.fromkeys(diagnostics), key=lambda d: (*d.sort_key(), d.message))
    codes = sorted({d.code for d in found})
    index = {code: i for i, code in enumerate(codes)}
    roots: dict[str, Path] = {}
    run: dict[str, object] = {
        "tool": {
            "driver": {
                "name": "abm",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_sarif_rule(code) for code in codes],
            }
        },
        # Our columns count characters (code points), not SARIF's default UTF-16 code units.
        "columnKind": "unicodeCodePoints",
        "results": [_sarif_result(d, index[d.code], root, roots) for d in found],
    }
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, ensure_ascii=False, indent=2)


def _sarif_rule(code: str) -> dict[str, object]:
    from .codes import CODES

    entry = CODES.get(code)
    if entry is None:  # an unregistered code still gets a rule, so its results stay valid
        return {"id": code}
    return {
        "id": code,
        "name": _rule_name(entry.title),
        "shortDescription": {"text": entry.title},
        "fullDescription": {"text": entry.explanation},
        "defaultConfiguration": {"level": _LEVEL[entry.severity]},
        "help": {
            "text": f"{entry.explanation} ({code} in abmdsl's {DIAGNOSTICS_PAGE})",
            "markdown": f"{entry.explanation}\n\nSee `{code}` in abmdsl's `{DIAGNOSTICS_PAGE}`.",
        },
    }


def _rule_name(title: str) -> str:
    """SARIF names rules with one identifier-like word: "A tier that is never reached" →
    "TierThatIsNeverReached"."""
    words = re.findall(r"[^\W_]+", title)
    if len(words) > 1 and words[0].lower() in ("a", "an", "the"):
        words = words[1:]
    return "".join(w[:1].upper() + w[1:] for w in words)


def _sarif_result(
    d: Diagnostic, rule_index: int, root: Path | None, roots: dict[str, Path]
) -> dict[str, object]:
    related: list[dict[str, object]] = []
    notes: list[str] = []
    for note, span in d.notes:
        if span is None:
            notes.append(f"note: {_sarif_escape(note)}")
            continue
        where = _physical(span, root, roots)
        # An embedded link `[text](id)` lets a viewer jump to the related location; the label
        # after it names the place for a reader of the bare text, relative to the repository.
        notes.append(f"note: [{_sarif_escape(note)}]({len(related)}) ({_label(where)})")
        related.append({"id": len(related), "physicalLocation": where, "message": {"text": note}})
    hint = f"hint: {_sarif_escape(d.hint)}" if d.hint else None
    message = _sarif_escape(d.message)
    markdown = [message]
    if notes:
        markdown.append("\n".join(f"- {n}" for n in notes))
    if d.hint:
        markdown.append(f"**hint:** {_sarif_escape(d.hint)}")
    result: dict[str, object] = {
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": _LEVEL[d.severity],
        "message": {
            "text": "\n".join([message, *notes, *([hint] if hint else [])]),
            "markdown": "\n\n".join(markdown),
        },
    }
    if d.span is not None:
        result["locations"] = [{"physicalLocation": _physical(d.span, root, roots)}]
    if related:
        result["relatedLocations"] = related
    return result


def _sarif_escape(text: str) -> str:
    """SARIF messages read `[text](id)` as a link: brackets of our own words are escaped."""
    return text.replace("[", "\\[").replace("]", "\\]")


def _label(where: dict[str, object]) -> str:
    artifact = where["artifactLocation"]
    region = where["region"]
    assert isinstance(artifact, dict) and isinstance(region, dict)
    return f"{unquote(artifact['uri'])}:{region['startLine']}:{region['startColumn']}"


def _physical(span: Span, root: Path | None, roots: dict[str, Path]) -> dict[str, object]:
    return {
        "artifactLocation": _artifact(span.file, root, roots),
        "region": {
            "startLine": span.line,
            "startColumn": span.column,
            "endLine": span.end_line,
            "endColumn": span.end_column,
        },
    }


def _artifact(file: str, root: Path | None, roots: dict[str, Path]) -> dict[str, str]:
    from .load import repository_root

    path = Path(file).resolve()
    if root is None:
        root = roots.setdefault(file, repository_root(path))
    try:
        relative = path.relative_to(root.resolve())
    except ValueError:  # outside the repository (only when a root is given): say where it is
        return {"uri": path.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": SRCROOT}


# ---------------------------------------------------------------- JUnit XML
class Checked(Protocol):
    """One playbook as `abm check` saw it (:class:`abmdsl.api.Compiled` is one)."""

    @property
    def diagnostics(self) -> Sequence[Diagnostic]: ...

    @property
    def sources(self) -> Mapping[str, str]: ...


# XML 1.0 cannot hold these at all, not even escaped; a playbook from a pull request may.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def render_junit(checked: Sequence[Checked]) -> str:
    """JUnit XML: a test suite per playbook, a test case per file checked as part of it.

    A test case per file, not per code, so that each file keeps one identity from run to run:
    CI systems track a test's history (failing since when, fixed when) by its name, and a test
    that exists only while it fails would never be seen passing. A file with errors fails with
    their rendered text; warnings go to the case's output and do not fail it.

    >>> from abmdsl.span import Span
    >>> from abmdsl.diagnostics import error
    >>> class One:
    ...     diagnostics = [error("ABM201", "unknown name `x`", Span("a.abm", 1, 13, 1, 14))]
    ...     sources = {"a.abm": "tier t when x >= 4"}
    >>> print(render_junit([One()]).splitlines()[2])
      <testsuite name="a.abm" tests="1" failures="1" errors="0" skipped="0">
    """
    suites = [_junit_suite(one) for one in checked]
    suites.sort(key=lambda s: s.get("name", ""))
    top = ET.Element(
        "testsuites",
        name="abm check",
        tests=str(sum(int(s.get("tests", 0)) for s in suites)),
        failures=str(sum(int(s.get("failures", 0)) for s in suites)),
        errors="0",
        skipped="0",
    )
    top.extend(suites)
    ET.indent(top)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, "unicode") + "\n"


def _junit_suite(one: Checked) -> ET.Element:
    diagnostics = sorted(dict.fromkeys(one.diagnostics), key=Diagnostic.sort_key)
    spanned = [d.span.file for d in diagnostics if d.span is not None]
    files = list(dict.fromkeys([*one.sources, *spanned])) or ["<playbook>"]
    playbook = files[0]  # the playbook is read first, its imports after it
    by_file: dict[str, list[Diagnostic]] = {f: [] for f in files}
    for d in diagnostics:
        by_file[d.span.file if d.span is not None else playbook].append(d)
    ordered = [playbook, *sorted(files[1:])]
    cases = [_junit_case(f, by_file[f], one.sources) for f in ordered]
    suite = ET.Element(
        "testsuite",
        name=_xml_text(playbook),
        tests=str(len(cases)),
        failures=str(sum(c.find("failure") is not None for c in cases)),
        errors="0",
        skipped="0",
    )
    suite.extend(cases)
    return suite


def _junit_case(file: str, found: list[Diagnostic], sources: Mapping[str, str]) -> ET.Element:
    # No dots in the class name: Jenkins splits it at dots into package and class.
    case = ET.Element("testcase", classname="abm check", name=_xml_text(file), file=_xml_text(file))
    errors = [d for d in found if d.severity is Severity.ERROR]
    warnings = [d for d in found if d.severity is not Severity.ERROR]
    if errors:
        first = errors[0]
        where = f" at {first.span.label()}" if first.span else ""
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        failure = ET.SubElement(
            case,
            "failure",
            message=_xml_text(f"{first.code}{where}: {first.message}{more}"),
            type=first.code,
        )
        failure.text = _xml_text(render_text(errors, dict(sources)))
    if warnings:
        ET.SubElement(case, "system-out").text = _xml_text(render_text(warnings, dict(sources)))
    return case


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
