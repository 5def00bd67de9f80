"""Write docs/diagnostics.md from the code registry and the golden check cases.

Input: :data:`abmdsl.codes.CODES` and ``tests/golden/check/`` (each case: a playbook with one
mistake, the exact output of ``abm check`` for it, and the corrected playbook).
Output: one Markdown page with every code, its explanation, the mistake, the output and the fix.

Usage::

    .venv/bin/python tools/diagnostics_doc.py          # rewrite docs/diagnostics.md
    .venv/bin/python tools/diagnostics_doc.py --check  # exit 1 if the page is out of date

``tests/unit/test_codes.py`` runs the ``--check`` comparison, so the page cannot go stale.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from abmdsl.codes import CODES, Code

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden" / "check"
PAGE = ROOT / "docs" / "diagnostics.md"
CONTEXT = 2  # lines shown around a change
_CASE = re.compile(r"^(ABM\d{3})-([a-z0-9-]+)$")

INTRO = """\
# Diagnostics

Every mistake `abm check` finds has a stable code: `ABM1xx` for reading and parsing a file,
`ABM2xx` for checking what the playbook says. Errors make `abm check` exit with 1; warnings
are shown but do not fail the check. The same diagnostics come in other formats for tools:
`--format json`, `--format github` (annotations on a pull request's lines), `--format sarif`
(SARIF 2.1.0, for code scanning; each code is a rule linking to its section here) and
`--format junit` (JUnit XML, for a CI system's test report). [Playbooks in CI](ci.md) shows how
to use them.

For each code below: what it means, a playbook showing the mistake, exactly what `abm check`
prints for it, and the corrected playbook. The examples are the golden test cases in
`tests/golden/check/`; this page is generated from them and from `abmdsl/codes.py` by
`tools/diagnostics_doc.py`, so do not edit it by hand.
"""


@dataclass(frozen=True)
class Example:
    """One golden case, as the page shows it."""

    name: str
    bad: Path | None  # None when the test builds the input (too large, not UTF-8, ...)
    fixed: Path
    output: Path
    about: Path | None
    siblings: tuple[str, ...]

    @property
    def slug(self) -> str:
        match = _CASE.match(self.name)
        assert match is not None
        return match.group(2).replace("-", " ")


def examples() -> dict[str, list[Example]]:
    """Golden cases by code, in name order."""
    out: dict[str, list[Example]] = {}
    for path in sorted(GOLDEN.iterdir()):
        example = _example(path)
        if example is not None:
            out.setdefault(example.name[:6], []).append(example)
    return out


def _example(path: Path) -> Example | None:
    if path.is_dir() and _CASE.match(path.name):
        own = {"main.abm", "main.fixed.abm"}
        siblings = tuple(sorted(p.name for p in path.glob("*.abm") if p.name not in own))
        main, fixed, output = path / "main.abm", path / "main.fixed.abm", path / "main.abm.err"
        return Example(path.name, main, fixed, output, None, siblings)
    name = path.name.removesuffix(".fixed.abm")
    if name == path.name or not _CASE.match(name):
        return None
    bad = GOLDEN / f"{name}.abm"
    about = GOLDEN / f"{name}.about.md"
    return Example(
        name,
        bad if bad.exists() else None,
        path,
        GOLDEN / f"{name}.abm.err",
        about if about.exists() else None,
        (),
    )


# ---------------------------------------------------------------- excerpts
def excerpts(bad: str, fixed: str) -> tuple[str, str]:
    """The lines that differ between the two files, with a little context, "..." between."""
    old, new = bad.splitlines(), fixed.splitlines()
    changes = [
        op for op in difflib.SequenceMatcher(None, old, new).get_opcodes() if op[0] != "equal"
    ]
    return (
        _pick(old, [(i1, i2) for _, i1, i2, _, _ in changes]),
        _pick(new, [(j1, j2) for _, _, _, j1, j2 in changes]),
    )


def _pick(lines: list[str], changed: list[tuple[int, int]]) -> str:
    windows = _merge((max(0, a - CONTEXT), min(len(lines), b + CONTEXT)) for a, b in changed)
    pieces = ["\n".join(lines[a:b]) for a, b in windows]
    text = "\n...\n".join(pieces)
    if windows and windows[0][0] > 0:
        text = "...\n" + text
    if windows and windows[-1][1] < len(lines):
        text += "\n..."
    return text


def _merge(windows: Iterator[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(windows):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


# ---------------------------------------------------------------- the page
def render() -> str:
    by_code = examples()
    parts = [
        INTRO,
        _index(),
        *(_section(code, by_code.get(code.code, [])) for code in CODES.values()),
    ]
    return "\n".join(parts).rstrip("\n") + "\n"


def _index() -> str:
    rows = [f"| [{c.code}](#{c.code.lower()}) | {c.severity} | {c.title} |" for c in CODES.values()]
    return "\n".join(["| code | severity | title |", "|---|---|---|", *rows]) + "\n"


def _section(code: Code, found: list[Example]) -> str:
    lines = [f"## {code.code}", "", f"**{code.title}** ({code.severity})", "", code.explanation, ""]
    for example in found:
        lines += _example_lines(example, several=len(found) > 1)
    return "\n".join(lines)


def _example_lines(example: Example, *, several: bool) -> list[str]:
    fixed = example.fixed.read_text(encoding="utf-8")
    lines = [f"### Example: {example.slug}", ""] if several else []
    where = example.fixed.relative_to(ROOT).as_posix().replace(".fixed.abm", ".abm")
    fix_words = ""
    if example.bad is None:
        about = example.about.read_text(encoding="utf-8") if example.about else ""
        mistake, _, fix_words = about.strip().partition("\n\n")
        lines += [f"The mistake (built by the test, not committed): {mistake}", ""]
        shown_fixed = fixed
    else:
        bad, shown_fixed = excerpts(example.bad.read_text(encoding="utf-8"), fixed)
        lines += [f"The mistake, from `{where}`:", "", "```abm", bad, "```", ""]
    if example.siblings:
        lines += ["Next to it in the same folder: " + ", ".join(example.siblings) + ".", ""]
    output = example.output.read_text(encoding="utf-8").rstrip("\n")
    lines += ["What `abm check` prints:", "", "```text", output, "```", ""]
    lines += [f"The fix: {fix_words}" if fix_words else "The fix:", ""]
    lines += ["```abm", shown_fixed.rstrip("\n"), "```", ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    args = parser.parse_args(argv)
    page = render()
    if args.check:
        current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
        if current != page:
            print(f"{PAGE.relative_to(ROOT)} is out of date: run tools/diagnostics_doc.py")
            return 1
        return 0
    PAGE.write_text(page, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
