"""Checks of the header (`playbook "..." { ... }`), the language version and the data sets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .. import ast
from ..diagnostics import closest
from ..ir import FieldInfo
from ..numbers import plain
from .context import Context

SUPPORTED_VERSIONS = (Decimal(1),)
MAX_HORIZON_DAYS = 366
_SINGLE = ("start", "horizon", "calendar", "currency")
_ROW = {"accounts": "account", "contacts": "contact", "activities": "activity"}


def check_version(ctx: Context) -> None:
    versions = ctx.of(ast.Version)
    ctx.ir["version"] = SUPPORTED_VERSIONS[-1]
    for version in versions:
        if version.number not in SUPPORTED_VERSIONS:
            ctx.error(
                "ABM227",
                f"this playbook is written for language version "
                f"{version.number}; this abmdsl understands version 1",
                version.span,
                "write `abm 1`, or upgrade abmdsl",
            )


def check_header(ctx: Context) -> None:
    headers = ctx.of(ast.Header)
    main = ctx.modules[0]
    own = [h for h in main.statements if isinstance(h, ast.Header)]
    if not own:
        ctx.error(
            "ABM225",
            "the playbook has no header",
            _file_start(main.path),
            'start it with `playbook "Name" { start 2027-01-11  horizon 90 days }`; a file of '
            "shared definitions is imported by a playbook, not checked on its own",
        )
    for extra in headers[1:]:
        ctx.duplicate(
            "a playbook has one header; this is a second one",
            extra.span,
            headers[0].span,
            "imported files hold shared definitions, not a header",
        )
    header = headers[0] if headers else None
    settings = _settings(ctx, header)
    ctx.ir["title"] = header.title if header else main.path
    ctx.ir["start"] = settings["start"][0].value if "start" in settings else None
    ctx.ir["horizon_days"] = _horizon(ctx, settings.get("horizon"), header)
    country = _calendar(ctx, settings.get("calendar"))
    region = _region(ctx, country, settings.get("calendar"))
    # one value for both, as ISO 3166-2 writes a region (DE-BY): see Playbook.calendar_region
    ctx.ir["calendar"] = f"{country}-{region}" if region else country
    currency = settings["currency"][0].id if "currency" in settings else "USD"
    ctx.ir["currency"] = currency
    ctx.types.currency = currency
    ctx.ir["holidays"] = tuple(v.value for v in settings.get("holidays", []))
    ctx.ir["workdays"] = tuple(v.value for v in settings.get("workdays", []))


def _settings(ctx: Context, header: ast.Header | None) -> dict[str, list[Any]]:
    seen: dict[str, list[Any]] = {}
    spans: dict[str, Any] = {}
    for setting in header.settings if header else []:
        if setting.key in seen and setting.key in _SINGLE:
            ctx.error(
                "ABM226",
                f"`{setting.key}` is set twice",
                setting.span,
                "keep one of them",
                notes=(("set first here", spans[setting.key]),),
            )
            continue
        seen.setdefault(setting.key, []).extend(setting.values)
        spans.setdefault(setting.key, setting.span)
    if header is not None and "horizon" not in seen:
        ctx.error(
            "ABM225",
            "the header does not say how long the pilot runs",
            header.span,
            "add `horizon 90 days`",
        )
    return seen


def _horizon(ctx: Context, values: list[Any] | None, header: ast.Header | None) -> int:
    if not values:
        return 90
    horizon: ast.Duration = values[0]
    days = {"day": 1, "week": 7}.get(horizon.unit)
    if days is None:
        ctx.error(
            "ABM247",
            "the horizon is counted in days or weeks",
            horizon.span,
            "e.g. `horizon 90 days` or `horizon 13 weeks`",
        )
        return 90
    total = horizon.amount * days
    if total != int(total) or not 1 <= total <= MAX_HORIZON_DAYS:
        meant = horizon.unit == "week" and 1 <= horizon.amount <= MAX_HORIZON_DAYS
        ctx.error(
            "ABM247",
            f"a horizon of {plain(total)} days is not a pilot; it must be a whole "
            f"number of days from 1 to {MAX_HORIZON_DAYS}",
            horizon.span,
            f"did you mean `horizon {plain(horizon.amount)} days`?"
            if meant
            else "the seed's pilot runs 90 days",
        )
        return 90
    return int(total)


def _calendar(ctx: Context, values: list[Any] | None) -> str | None:
    if not values:
        return None
    code: ast.Name = values[0]
    known, aliases = _countries()
    if code.id.upper() in known:
        return code.id.upper()
    alias = aliases.get(code.id.upper())
    if alias is not None:
        hint = f"write the two-letter code of {known[alias]}: `calendar {alias}`"
    else:
        match = closest(code.id.upper(), known)
        hint = (
            f"did you mean `{match}` ({known[match]})?"
            if match
            else "use a two-letter country code such as RU, PL, US, GB or DE"
        )
    ctx.error("ABM248", f"`{code.id}` is not a country whose holidays are known", code.span, hint)
    return None


def _region(ctx: Context, country: str | None, values: list[Any] | None) -> str | None:
    """The region of ``calendar XX region YY`` as the `holidays` package spells its code."""
    if country is None or not values or len(values) < 2:
        return None
    written: ast.Name | ast.Text = values[1]
    code = written.id if isinstance(written, ast.Name) else written.value
    import holidays

    official = holidays.country_holidays(country)
    codes: tuple[str, ...] = tuple(official.subdivisions)
    by_case = {c.casefold(): c for c in codes}
    if code.casefold() in by_case:
        return by_case[code.casefold()]
    name = _countries()[0][country]
    if not codes:
        hint = f"no regional holidays of {name} are known: write `calendar {country}`"
    else:
        aliases = {
            a.casefold(): c for a, c in getattr(official, "subdivisions_aliases", {}).items()
        }
        meant = aliases.get(code.casefold()) or closest(code, codes)
        hint = (f"did you mean `{_spelled(meant)}`? " if meant else "") + (
            f"the regions of {name}: {', '.join(_spelled(c) for c in codes)}"
        )
    ctx.error(
        "ABM246",
        f"`{code}` is not a region of {name} whose holidays are known",
        written.span,
        hint,
    )
    return None


def _spelled(code: str) -> str:
    """A region's code as the header takes it: bare when it is a name, else in quotes."""
    return code if code.isidentifier() else f'"{code}"'


def _countries() -> tuple[dict[str, str], dict[str, str]]:
    """Two-letter code → country name, and the other ways people name a country → its code."""
    from holidays.registry import COUNTRIES  # a registry table, cheap next to the package

    known = {entry[1]: module.replace("_", " ").title() for module, entry in COUNTRIES.items()}
    aliases = {"UK": "GB"}
    for module, entry in COUNTRIES.items():
        aliases[entry[2].upper()] = entry[1]  # three-letter code: RUS
        aliases[module.upper()] = entry[1]  # name: russia, united_kingdom
        aliases[entry[0].upper()] = entry[1]  # name in one word: UnitedKingdom
    return known, aliases


def check_datasets(ctx: Context) -> None:
    fields: dict[str, dict[str, FieldInfo]] = {}
    first: dict[str, ast.Dataset] = {}
    for dataset in ctx.of(ast.Dataset):
        if dataset.name in first:
            ctx.duplicate(
                f"`{dataset.name}` are declared twice",
                dataset.span,
                first[dataset.name].span,
                "declare each data set once, with all its fields",
            )
            continue
        first[dataset.name] = dataset
        fields[dataset.name] = _fields(ctx, dataset)
    for dataset_fields in fields.values():
        for info in dataset_fields.values():
            if info.references and info.references not in fields:
                ctx.error(
                    "ABM231",
                    f"`{info.name}` refers to `{info.references}`, which are not declared",
                    info.span,
                    f"declare them: `{info.references} {{ key id: text ... }}`, "
                    "or drop `references`",
                )
    ctx.ir["fields"] = fields
    for name in fields.get("accounts", {}):
        ctx.definitions.setdefault(name, ("field of accounts", fields["accounts"][name].span))


def _fields(ctx: Context, dataset: ast.Dataset) -> dict[str, FieldInfo]:
    out: dict[str, FieldInfo] = {}
    for decl in dataset.fields:
        if decl.name.name in out:
            ctx.duplicate(
                f"`{dataset.name}` already have a field `{decl.name.name}`",
                decl.name.span,
                out[decl.name.name].span,
                "declare each field once",
            )
            continue
        ctx.reserved(
            decl.name, f"field of {dataset.name}", f"{_ROW[dataset.name]}_{decl.name.name}"
        )
        low, high = _field_range(ctx, decl)
        out[decl.name.name] = FieldInfo(
            dataset=dataset.name,
            name=decl.name.name,
            type=decl.type,
            key=decl.key,
            optional=decl.optional,
            enum_values=tuple(v.name for v in decl.enum_values),
            low=low,
            high=high,
            references=decl.references,
            span=decl.name.span,
        )
    _check_key(ctx, dataset, [f for f in out.values() if f.key])
    return out


def _check_key(ctx: Context, dataset: ast.Dataset, keys: list[FieldInfo]) -> None:
    if not keys:
        ctx.error(
            "ABM241",
            f"`{dataset.name}` have no key field",
            dataset.span,
            "mark the field that identifies a row, e.g. `key account_id: text`",
        )
    elif len(keys) > 1:
        names = ", ".join(f"`{k.name}`" for k in keys)
        ctx.error(
            "ABM241",
            f"`{dataset.name}` have {len(keys)} key fields ({names}); a data set has one",
            keys[1].span,
            "keep `key` on the field that identifies a row",
            notes=(("the first key", keys[0].span),),
        )


def _field_range(ctx: Context, decl: ast.FieldDecl) -> tuple[Decimal | None, Decimal | None]:
    if decl.range is None:
        return None, None
    if decl.type not in ("int", "number", "percent", "money"):
        ctx.error(
            "ABM228",
            f"a range makes no sense for a field of type {decl.type}",
            decl.range.span,
            "ranges bound numbers, e.g. `int 0..5`",
        )
        return None, None
    low, high = (_bound(b) for b in (decl.range.low, decl.range.high))
    if low is not None and high is not None and low > high:
        ctx.error(
            "ABM228",
            f"the range {plain(low)}..{plain(high)} of `{decl.name.name}` is empty: "
            "the low end is above the high end",
            decl.range.span,
            f"write the smaller number first: `{plain(high)}..{plain(low)}`",
        )
        return high, low  # what was meant, so that later checks do not fail on it again
    return low, high


def _bound(expr: ast.Expr) -> Decimal | None:
    if isinstance(expr, ast.Number):
        return expr.value
    if isinstance(expr, ast.Percent):
        return expr.fraction
    return None


def _file_start(path: str) -> Any:
    from ..span import Span

    return Span(path, 1, 1, 1, 2)
