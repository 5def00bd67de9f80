"""What every check reads and writes: the statements of a playbook and the IR built from them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .. import ast
from ..diagnostics import Diagnostic, closest, error, warning
from ..ir import Playbook
from ..numbers import plain
from ..span import Span
from ..typecheck import FIELD_TYPES, RESERVED_WORDS, Checker, Scope, Type


@dataclass
class Context:
    """The checker's working state, passed to each check in :data:`abmdsl.check.STAGES`."""

    modules: list[ast.Module]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Top-level statements by kind, in source order across all modules.
    statements: dict[type, list[Any]] = field(default_factory=lambda: defaultdict(list))
    # Every named definition: name → (what it is, where).
    definitions: dict[str, tuple[str, Span | None]] = field(default_factory=dict)
    ir: dict[str, Any] = field(default_factory=dict)
    types: Checker = field(default_factory=Checker)
    used: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.types = Checker(diagnostics=self.diagnostics)
        for module in self.modules:
            for statement in module.statements:
                self.statements[type(statement)].append(statement)

    def of(self, kind: type) -> list[Any]:
        return self.statements.get(kind, [])

    def playbook(self, validate: bool = True) -> Playbook:
        """The IR built so far as a :class:`Playbook`.

        Unvalidated, it may hold what erroneous statements left behind: whole-playbook checks
        (the graph) read it before the checker knows whether the playbook is correct.
        """
        ir = self.ir
        fields = {
            "title": ir["title"],
            "version": ir["version"],
            "start": ir["start"],
            "horizon_days": ir["horizon_days"],
            "calendar": ir["calendar"],
            "currency": ir["currency"],
            "holidays": ir["holidays"],
            "workdays": ir["workdays"],
            "fields": ir["fields"],
            "scores": ir["scores"],
            "tiers": ir["tiers"],
            "goals": ir["goals"],
            "cadences": ir["cadences"],
            "plan": ir["plan"],
            "kpis": ir["kpis"],
            "baselines": ir["baselines"],
            "verdict": ir["verdict"],
            "engagements": ir.get("engagements", {}),
            "simulation": ir["simulation"],
            "examples": ir.get("examples", ()),
            "sources": tuple(m.path for m in self.modules),
        }
        return Playbook(**fields) if validate else Playbook.model_construct(**fields)

    def error(
        self,
        code: str,
        message: str,
        span: Span | None,
        hint: str | None = None,
        notes: tuple[tuple[str, Span | None], ...] = (),
    ) -> None:
        self.diagnostics.append(error(code, message, span, hint, notes))

    def warn(
        self,
        code: str,
        message: str,
        span: Span | None,
        hint: str | None = None,
        notes: tuple[tuple[str, Span | None], ...] = (),
    ) -> None:
        self.diagnostics.append(warning(code, message, span, hint, notes))

    def duplicate(
        self, message: str, span: Span | None, first: Span | None, hint: str | None = None
    ) -> None:
        """Report something said twice, with a note pointing at where it was said first."""
        self.error("ABM202", message, span, hint, notes=(("the first one is here", first),))

    def define(self, name: ast.Ident, what: str) -> bool:
        """Record a definition; report a duplicate and return False if the name is taken."""
        earlier = self.definitions.get(name.name)
        if earlier is not None:
            self.error(
                "ABM202",
                f"`{name.name}` is already defined as a {earlier[0]}",
                name.span,
                "give each definition its own name",
                notes=(("first defined here", earlier[1]),),
            )
            return False
        self.definitions[name.name] = (what, name.span)
        self.reserved(name, what, f"{name.name}_{what.split()[0].lower()}")
        return True

    def reserved(self, name: ast.Ident, what: str, instead: str) -> None:
        """Report a definition named like a word of expressions, which no expression can use."""
        if name.name not in RESERVED_WORDS:
            return
        self.error(
            "ABM242",
            f"`{name.name}` is a word the language reserves for expressions; "
            f"it cannot name a {what}",
            name.span,
            f"rename it, e.g. `{instead}`, here and wherever it is named",
        )

    def unknown(
        self,
        code: str,
        what: str,
        name: ast.Ident,
        known: list[str] | set[str],
        used_as: str = "",
    ) -> None:
        """Report an unknown name, suggesting the closest known one or listing them all.

        A typo is a use of the name it misspells, so the suggestion (``used_as`` + name) is
        marked used: the playbook is not also told that the misspelt definition is unused.
        """
        match = closest(name.name, known)
        if match is not None:
            self.used.add(used_as + match)
        self.error(
            code,
            f"unknown {what} `{name.name}`",
            name.span,
            f"did you mean `{match}`?" if match else _list_known(what, known),
        )

    # ------------------------------------------------------------ scopes
    def field_types(self) -> dict[str, dict[str, Type]]:
        out: dict[str, dict[str, Type]] = {}
        for dataset, fields in self.ir.get("fields", {}).items():
            out[dataset] = {
                name: Type(FIELD_TYPES[f.type].kind, f.optional, f.enum_values or None)
                for name, f in fields.items()
            }
        return out

    def kpi_field_types(self) -> dict[str, dict[str, Type]]:
        """The fields KPIs read: the declared ones, and each engagement score as a number
        field of accounts (computed from the activities, never read from the accounts file)."""
        out = self.field_types()
        scores = self.ir.get("engagements", {})
        if scores and "accounts" in out:
            out["accounts"] = {**out["accounts"], **dict.fromkeys(scores, Type("number"))}
        return out

    def account_scope(self) -> Scope:
        """Names visible in a rule about one account: its fields and the scores."""
        scores = {name: Type("number") for name in self.ir.get("scores", {})}
        criteria = {
            s: {c.name: Type("number") for c in score.criteria}
            for s, score in self.ir.get("scores", {}).items()
        }
        return Scope("accounts", self.field_types(), scores, criteria, False, None, self.used)

    def percent(self, value: ast.Percent, what: str, example: str | None = None) -> Decimal:
        """A percentage that must lie in 0–100%, as a fraction; ``example`` shows a good one."""
        if not 0 <= value.value <= 100:
            self.error(
                "ABM205",
                f"{what} must lie between 0% and 100%, not {plain(value.value)}%",
                value.span,
                f"it is a share of a whole, e.g. `{example}`" if example else None,
            )
        return value.fraction


def _list_known(what: str, known: list[str] | set[str]) -> str | None:
    names = sorted(known)
    if not names:
        return None
    shown = ", ".join(f"`{n}`" for n in names[:8]) + (" ..." if len(names) > 8 else "")
    return f"known {what}s: {shown}"
