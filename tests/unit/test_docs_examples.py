"""Every ```abm block of the documentation is valid as written; the ru/pl playbooks check clean.

Blocks are collected from ``docs/**/*.md`` and ``README.md``. The fence's info string says what
a block is meant to be:

- ```` ```abm ```` — a complete playbook (it has a ``playbook`` header) compiles with no
  diagnostics at all. A block without a header is completed with a minimal header and compiles
  without errors; the only warnings allowed are those a partial playbook naturally gets (ABM235:
  KPIs but no verdict; ABM236: a definition nothing uses).
- ```` ```abm fragment ```` — parses with no diagnostics; it may use names defined elsewhere.
- ```` ```abm error [ABMnnn …] ```` — compiles with at least one error; when codes are listed,
  the errors are exactly those codes.
- ```` ```abm warning [ABMnnn …] ```` — compiles without errors but with a warning; when codes
  are listed, the warnings are exactly those codes.

``docs/diagnostics.md`` is generated from checked golden files and left to their tests.
The ``example`` blocks inside a documentation block that compiles must hold when run. A fence
that is never closed, or an ``abm`` info string that is none of the above, fails the suite.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from abmdsl import ast
from abmdsl.api import Compiled, compile_file, compile_text
from abmdsl.diagnostics import Diagnostic, Severity
from abmdsl.parser import parse

ROOT = Path(__file__).resolve().parents[2]
MINIMAL_HEADER = '\nplaybook "Documentation example" { horizon 90 days }\n'
PARTIAL_WARNINGS = {"ABM235", "ABM236"}
KINDS = {"", "fragment", "error", "warning"}
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_CODE = re.compile(r"^ABM\d{3}$")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_POLISH = re.compile(r"[ąćęłńóśźż]", re.IGNORECASE)


@dataclass(frozen=True)
class Block:
    """One fenced ```abm block: where it is, what it claims to be, and its text."""

    path: Path
    line: int
    kind: str
    codes: tuple[str, ...]
    text: str

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


class MalformedDocs(Exception):
    pass


# Generated from the golden files of `tests/golden/check/`, which their own tests check; its
# blocks are excerpts with `...` standing for the unchanged part of a playbook.
GENERATED = {ROOT / "docs" / "diagnostics.md"}


def doc_files() -> list[Path]:
    found = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
    return [path for path in found if path not in GENERATED]


def blocks_in(path: Path) -> Iterator[Block]:
    """The ```abm blocks of one Markdown file; other fences are skipped whole."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        fence, info = opening["fence"], opening["info"].strip()
        end = _closing(lines, i + 1, fence)
        if end is None:
            raise MalformedDocs(f"{path}:{i + 1}: the fence {fence}{info} is never closed")
        words = info.split()
        if words and words[0] == "abm":
            yield _block(path, i + 1, words[1:], lines[i + 1 : end], opening["indent"])
        elif words and words[0].startswith("abm"):
            raise MalformedDocs(f"{path}:{i + 1}: unknown info string {info!r}")
        i = end + 1


def _closing(lines: list[str], start: int, fence: str) -> int | None:
    for j in range(start, len(lines)):
        stripped = lines[j].strip()
        if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
            return j
    return None


def _block(path: Path, line: int, words: list[str], body: list[str], indent: str) -> Block:
    kind = words[0] if words and not _CODE.match(words[0]) else ""
    codes = tuple(words[1:] if kind else words)
    if kind not in KINDS or any(not _CODE.match(c) for c in codes):
        raise MalformedDocs(f"{path}:{line}: unknown info string `abm {' '.join(words)}`")
    if codes and kind not in ("error", "warning"):
        raise MalformedDocs(f"{path}:{line}: only `error` and `warning` blocks list codes")
    text = "\n".join(row[len(indent) :] if row.startswith(indent) else row for row in body)
    if not text.strip():
        raise MalformedDocs(f"{path}:{line}: the block is empty")
    return Block(path, line, kind, codes, text + "\n")


def all_blocks() -> list[Block]:
    return [block for path in doc_files() for block in blocks_in(path)]


BLOCKS = all_blocks()


def show(diagnostics: list[Diagnostic]) -> str:
    return "\n".join(
        f"  {d.span.line if d.span else '?'}:{d.span.column if d.span else '?'} "
        f"{d.code} {d.severity}: {d.message}"
        for d in diagnostics
    )


def has_header(text: str) -> bool:
    module, _ = parse(text, "<docs>")
    return module is not None and any(isinstance(s, ast.Header) for s in module.statements)


def compile_block(block: Block) -> tuple[Compiled, bool]:
    """Compile a block, completing it with a minimal header when it has none."""
    complete = has_header(block.text)
    text = block.text if complete else block.text + MINIMAL_HEADER
    return compile_text(text, block.id), complete


def failed_examples(compiled: Compiled) -> list[str]:
    from abmdsl.example_runner import run_examples

    assert compiled.playbook is not None
    return [
        f"{result.title}: {'; '.join(result.failures)}"
        for result in run_examples(compiled.playbook)
        if not result.passed
    ]


# ---------------------------------------------------------------- the documentation's blocks
def test_the_docs_have_blocks_of_every_kind() -> None:
    kinds = {block.kind for block in BLOCKS}
    assert {"", "fragment", "error", "warning"} <= kinds
    assert (ROOT / "docs" / "language.md").is_file()
    assert len(BLOCKS) >= 20


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.kind == ""], ids=lambda b: b.id)
def test_block_compiles(block: Block) -> None:
    compiled, complete = compile_block(block)
    allowed = set() if complete else PARTIAL_WARNINGS
    unexpected = [d for d in compiled.diagnostics if d.code not in allowed]
    assert not unexpected, f"{block.id}:\n{show(unexpected)}"
    assert compiled.ok
    assert failed_examples(compiled) == []


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.kind == "fragment"], ids=lambda b: b.id)
def test_fragment_parses(block: Block) -> None:
    module, diagnostics = parse(block.text, block.id)
    assert diagnostics == [], f"{block.id}:\n{show(diagnostics)}"
    assert module is not None and module.statements


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.kind == "error"], ids=lambda b: b.id)
def test_error_block_is_refused(block: Block) -> None:
    compiled, _ = compile_block(block)
    errors = [d for d in compiled.diagnostics if d.severity is Severity.ERROR]
    assert errors, f"{block.id}: expected an error, got:\n{show(compiled.diagnostics)}"
    if block.codes:  # the mistake shown, and no other
        assert {d.code for d in errors} == set(block.codes), f"{block.id}:\n{show(errors)}"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.kind == "warning"], ids=lambda b: b.id)
def test_warning_block_warns(block: Block) -> None:
    compiled, complete = compile_block(block)
    assert compiled.ok, f"{block.id}:\n{show(compiled.diagnostics)}"
    allowed = set() if complete else PARTIAL_WARNINGS
    warned = {d.code for d in compiled.diagnostics if d.code not in allowed}
    assert warned, f"{block.id}: expected a warning"
    if block.codes:
        assert warned == set(block.codes), f"{block.id}:\n{show(compiled.diagnostics)}"


# ---------------------------------------------------------------- the docs cover the language
def _nodes(value: object) -> Iterator[ast.Node]:
    if isinstance(value, ast.Node):
        yield value
        for name in type(value).model_fields:
            yield from _nodes(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _nodes(item)


def _documented_nodes() -> list[ast.Node]:
    nodes: list[ast.Node] = []
    for block in BLOCKS:
        if block.kind == "error":
            continue
        module, _ = parse(block.text, block.id)
        assert module is not None, block.id
        nodes += _nodes(module)
    return nodes


def test_every_construct_has_an_example() -> None:
    nodes = _documented_nodes()
    # Comments are looked for in the text: they are not part of what a playbook means.
    every = {c.__name__ for c in vars(ast).values() if _is_node_class(c)} - {"Node", "Comment"}
    missing = every - {type(n).__name__ for n in nodes}
    assert not missing, f"no documentation example uses {sorted(missing)}"
    assert any(re.search(r"^\s*#|\s#\s", b.text, re.MULTILINE) for b in BLOCKS)
    variants = {
        "setting": {n.key for n in nodes if isinstance(n, ast.Setting)},
        "field type": {n.type for n in nodes if isinstance(n, ast.FieldDecl)},
        "aggregate": {n.func for n in nodes if isinstance(n, ast.Aggregate)},
        "function": {n.func for n in nodes if isinstance(n, ast.Call)},
        "duration unit": {n.unit for n in nodes if isinstance(n, ast.Duration)},
        "RACI line": {n.role for n in nodes if isinstance(n, ast.Raci)},
        "stop rule": {n.mode for n in nodes if isinstance(n, ast.StopRule)},
        "ranking order": {n.order for n in nodes if isinstance(n, ast.Capacity) and n.order},
        "cost unit": {n.per or "" for n in nodes if isinstance(n, ast.Cost)},
    }
    wanted = {
        "setting": {"start", "horizon", "calendar", "currency", "holidays", "workdays"},
        "field type": {"bool", "int", "number", "text", "date", "money", "percent", "duration"}
        | {"enum"},
        "aggregate": {"count", "sum", "avg", "median", "share", "distinct"},
        "function": {"clamp", "min", "max", "round", "floor", "ceil", "abs", "coalesce"}
        | {"days_between"},
        "duration unit": {"min", "h", "day", "week", "business_day"},
        "RACI line": {"responsible", "accountable", "consulted", "informed"},
        "stop rule": {"stop", "pause"},
        "ranking order": {"asc", "desc"},
        "cost unit": {"touch", "account", ""},
    }
    for what, want in wanted.items():
        assert want <= variants[what], f"no example of the {what} {sorted(want - variants[what])}"
    targets = [n for n in nodes if isinstance(n, ast.KpiTarget)]
    assert any(t.range is not None for t in targets), "no example of `target in a..b`"


def _is_node_class(value: object) -> bool:
    return isinstance(value, type) and issubclass(value, ast.Node)


def test_malformed_docs_are_refused(tmp_path: Path) -> None:
    unclosed = tmp_path / "unclosed.md"
    unclosed.write_text("# x\n\n```abm\ntier bulk otherwise\n", encoding="utf-8")
    with pytest.raises(MalformedDocs, match="never closed"):
        list(blocks_in(unclosed))
    unknown = tmp_path / "unknown.md"
    unknown.write_text("```abm fragmnet\ntier bulk otherwise\n```\n", encoding="utf-8")
    with pytest.raises(MalformedDocs, match="unknown info string"):
        list(blocks_in(unknown))


# ---------------------------------------------------------------- the ru and pl playbooks
def _names(compiled: Compiled) -> dict[str, list[str]]:
    playbook = compiled.playbook
    assert playbook is not None and playbook.plan is not None
    return {
        "field": [*playbook.fields["accounts"], *playbook.fields["contacts"]],
        "score": list(playbook.scores),
        "criterion": [c.name for s in playbook.scores.values() for c in s.criteria],
        "tier": [t.name for t in playbook.tiers],
        "goal": list(playbook.goals),
        "cadence": list(playbook.cadences),
        "stage": [s.name for s in playbook.plan.stages],
        "role": list(playbook.plan.roles),
        "KPI": list(playbook.kpis),
    }


@pytest.mark.parametrize(
    ("file", "calendar", "currency"),
    [("pilot_ru.abm", "RU", "RUB"), ("it_cluster_pl.abm", "PL", "PLN")],
)
def test_translated_playbook_checks_clean(file: str, calendar: str, currency: str) -> None:
    compiled = compile_file(ROOT / "playbooks" / file)
    assert compiled.diagnostics == [], show(compiled.diagnostics)
    assert compiled.ok and compiled.playbook is not None
    assert (compiled.playbook.calendar, compiled.playbook.currency) == (calendar, currency)
    assert len(compiled.playbook.examples) >= 4
    assert failed_examples(compiled) == []


def test_russian_playbook_is_written_in_russian() -> None:
    compiled = compile_file(ROOT / "playbooks" / "pilot_ru.abm")
    for what, names in _names(compiled).items():
        latin = [n for n in names if not _CYRILLIC.search(n)]
        assert names and not latin, f"{what} names not in Cyrillic: {latin}"
    playbook = compiled.playbook
    assert playbook is not None
    assert {t.name for t in playbook.tiers} == {"индпошив", "кластер", "балк"}
    assert _CYRILLIC.search(playbook.title)
    assert all(_CYRILLIC.search(t.title or "") for t in playbook.tiers)


def test_polish_playbook_is_written_in_polish() -> None:
    compiled = compile_file(ROOT / "playbooks" / "it_cluster_pl.abm")
    names = _names(compiled)
    assert all(_POLISH.search(n) for n in names["score"]), names["score"]
    with_diacritics = [n for group in names.values() for n in group if _POLISH.search(n)]
    assert len(with_diacritics) >= 10, with_diacritics
    playbook = compiled.playbook
    assert playbook is not None
    assert _POLISH.search(playbook.title)
    titles = [k.title or "" for k in playbook.kpis.values()]
    assert all(titles) and len([t for t in titles if _POLISH.search(t)]) >= 8, titles
