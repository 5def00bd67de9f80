"""Checks of the header (`playbook "..." { ... }`), the language version and the data sets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .. import ast
from ..ir import FieldInfo
from .context import Context

SUPPORTED_VERSIONS = (Decimal(1),)
MAX_HORIZON_DAYS = 366
_SINGLE = ("start", "horizon", "calendar", "currency")


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
            'start it with `playbook "Name" { start 2027-01-11  horizon 90 days  currency USD }`',
        )
    for extra in headers[1:]:
        ctx.error(
            "ABM202",
            "a playbook has one header; this is a second one",
            extra.span,
            "imported files hold shared definitions, not a header",
            notes=(("the first header", headers[0].span),),
        )
    header = headers[0] if headers else None
    settings = _settings(ctx, header)
    ctx.ir["title"] = header.title if header else main.path
    ctx.ir["start"] = settings["start"][0].value if "start" in settings else None
    ctx.ir["horizon_days"] = _horizon(ctx, settings.get("horizon"), header)
    ctx.ir["calendar"] = _calendar(ctx, settings.get("calendar"))
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
        ctx.error(
            "ABM247",
            f"a horizon of {total} days is not a pilot; it must be a whole "
            f"number of days from 1 to {MAX_HORIZON_DAYS}",
            horizon.span,
            "the seed's pilot runs 90 days",
        )
        return 90
    return int(total)


def _calendar(ctx: Context, values: list[Any] | None) -> str | None:
    if not values:
        return None
    from holidays.registry import COUNTRIES  # a registry table, cheap next to the package

    code: ast.Name = values[0]
    known = {entry[1]: entry[0] for entry in COUNTRIES.values()}
    if code.id.upper() not in known:
        from ..diagnostics import did_you_mean

        ctx.error(
            "ABM248",
            f"`{code.id}` is not a country whose holidays are known",
            code.span,
            did_you_mean(code.id.upper(), known)
            or "use a two-letter country code such as RU, PL, US, GB or DE",
        )
        return None
    return code.id.upper()


def check_datasets(ctx: Context) -> None:
    fields: dict[str, dict[str, FieldInfo]] = {}
    for dataset in ctx.of(ast.Dataset):
        if dataset.name in fields:
            ctx.error(
                "ABM202",
                f"`{dataset.name}` are declared twice",
                dataset.span,
                "declare each data set once, with all its fields",
            )
            continue
        fields[dataset.name] = _fields(ctx, dataset)
    for dataset_fields in fields.values():
        for info in dataset_fields.values():
            if info.references and info.references not in fields:
                ctx.error(
                    "ABM231",
                    f"`{info.name}` refers to `{info.references}`, which are not declared",
                    info.span,
                )
    ctx.ir["fields"] = fields
    for name in fields.get("accounts", {}):
        ctx.definitions.setdefault(name, ("field of accounts", fields["accounts"][name].span))


def _fields(ctx: Context, dataset: ast.Dataset) -> dict[str, FieldInfo]:
    out: dict[str, FieldInfo] = {}
    for decl in dataset.fields:
        if decl.name.name in out:
            ctx.error(
                "ABM202",
                f"`{dataset.name}` already have a field `{decl.name.name}`",
                decl.name.span,
                notes=(("declared first here", out[decl.name.name].span),),
            )
            continue
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
    keys = [f for f in out.values() if f.key]
    if len(keys) != 1:
        where = keys[1].span if len(keys) > 1 else dataset.span
        ctx.error(
            "ABM241",
            f"`{dataset.name}` need exactly one key field, not {len(keys)}",
            where,
            "mark the field that identifies a row: `key account_id: text`",
        )
    return out


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
            f"the range {low}..{high} is empty: the low end is above the high end",
            decl.range.span,
            f"write `{high}..{low}`",
        )
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
