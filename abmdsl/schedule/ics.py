"""iCalendar (RFC 5545) output: one all-day event per touch, or one per owner role and day,
and one multi-day event per stage of the plan.

Input: a :class:`~abmdsl.schedule.build.Schedule`. Output: the bytes of an ``.ics`` file.
Only touches still planned go in: one a stop or pause rule held back is not work to do.
Written by hand rather than through a library so that the bytes are ours to keep stable:
the same schedule gives the same file, because every UID is a hash of what the event is,
DTSTAMP is the pilot's start (not the clock), and events come in the touches' sorted order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .formats import Per
from .plan import RACI
from .workload import UNASSIGNED

if TYPE_CHECKING:
    from .build import Schedule
    from .plan import DatedStage

PRODID = "-//abmdsl//abm schedule//EN"
LINE_OCTETS = 75


def escape(text: str) -> str:
    r"""A TEXT value: backslash, semicolon, comma and line breaks escaped.

    >>> print(escape("Call; then, a gift\nor not"))
    Call\; then\, a gift\nor not
    """
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """One content line folded at 75 octets, never inside a UTF-8 character.

    >>> fold("X:" + "ы" * 40).split("\\r\\n ")[0].encode()[-2:] == "ы".encode()
    True
    """
    out, current, size = [], [], 0
    for char in line:
        width = len(char.encode())
        if size + width > LINE_OCTETS:
            out.append("".join(current))
            current, size = [" "], 1  # a continuation line starts with one space
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n".join(out)


def render_ics(schedule: Schedule, per: Per = "touch") -> bytes:
    """The calendar of a schedule's touches, as UTF-8 bytes with CRLF line ends."""
    stamp = f"{schedule.start:%Y%m%d}T000000Z"
    title = schedule.playbook.title
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(title)}",
        f"X-ABMDSL-PLAYBOOK-SHA256:{schedule.provenance.playbook_sha256}",
        f"X-ABMDSL-DATA-SHA256:{schedule.provenance.data_sha256}",
    ]
    touches = schedule.touches
    if "status" in touches.column_names:
        import pyarrow.compute as pc

        touches = touches.filter(pc.equal(touches["status"], "planned"))
    rows = touches.to_pylist()
    events = _per_touch(title, rows) if per == "touch" else _per_owner_day(title, rows)
    everything = [*_stages(title, schedule.stages), *events]
    lines = head + [line for event in everything for line in _event(stamp, *event)]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines).encode("utf-8")


Event = tuple[str, dt.date, dt.date, str, str, list[str]]
"""uid, first day, last day (included), summary, description, categories."""
STAGE = "stage"
"""The category of a stage's event, which tells it from the touches."""


def _event(
    stamp: str, uid: str, first: dt.date, last: dt.date, summary: str, text: str, tags: list[str]
) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{first:%Y%m%d}",
        f"DTEND;VALUE=DATE:{last + dt.timedelta(days=1):%Y%m%d}",  # DTEND is exclusive
        f"SUMMARY:{escape(summary)}",
        f"DESCRIPTION:{escape(text)}",
        "CATEGORIES:" + ",".join(escape(t) for t in tags),
        "TRANSP:TRANSPARENT",  # a touch is a task on a day, not time blocked in an agenda
        "END:VEVENT",
    ]


def _uid(*parts: object) -> str:
    digest = hashlib.sha256("\0".join(str(p) for p in parts).encode()).hexdigest()
    return f"{digest[:32]}@abmdsl"


def touch_summary(row: dict[str, Any]) -> str:
    """``ACC-0004: gift to C-00013 (touch 1)``."""
    return f"{row['account']}: {row['channel']} to {row['contact']} (touch {row['touch']})"


def _per_touch(title: str, rows: list[dict[str, Any]]) -> Iterator[Event]:
    for row in rows:
        uid = _uid(title, row["cadence"], row["account"], row["contact"], row["touch"])
        lines = [
            row["action"],
            f"owner: {row['owner'] or '-'}",
            f"cadence: {row['cadence']}, day {row['cadence_day']}, touch {row['touch']}",
            f"tier: {row['tier']}" + (f", cluster {row['cluster']}" if row["cluster"] else ""),
        ]
        if row["refers_to"] is not None:
            lines.append(f"refers to touch {row['refers_to']}")
        tags = [row["channel"], *([row["owner"]] if row["owner"] else [])]
        yield uid, row["date"], row["date"], touch_summary(row), "\n".join(lines), tags


def _per_owner_day(title: str, rows: list[dict[str, Any]]) -> Iterator[Event]:
    groups: dict[tuple[dt.date, str], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["date"], row["owner"] or UNASSIGNED), []).append(row)
    for (day, owner), items in sorted(groups.items()):
        channels: dict[str, int] = {}
        for row in items:
            channels[row["channel"]] = channels.get(row["channel"], 0) + 1
        counts = ", ".join(f"{c} {n}" for c, n in sorted(channels.items()))
        summary = f"{owner}: {len(items)} touch{'es' * (len(items) != 1)} ({counts})"
        text = "\n".join(f"{touch_summary(r)} — {r['action']}" for r in items)
        yield _uid(title, owner, day), day, day, summary, text, [owner, *sorted(channels)]


def _stages(title: str, stages: list[DatedStage]) -> Iterator[Event]:
    """One event per stage, over its days: the plan beside the touches in one calendar."""
    for stage in stages:
        weeks = (
            f"week {stage.first_week}"
            if stage.first_week == stage.last_week
            else f"weeks {stage.first_week}–{stage.last_week}"
        )
        lines = [f"stage {stage.name}: {weeks}, {stage.business_days} business days"]
        lines += [f"{kind}: {', '.join(roles)}" for kind, roles in _raci(stage) if roles]
        roles = [r for _, rs in _raci(stage) for r in rs]
        yield (
            _uid(title, STAGE, stage.name),
            stage.start,
            stage.end,
            stage.title or stage.name,
            "\n".join(lines),
            [STAGE, *dict.fromkeys(roles)],
        )


def _raci(stage: DatedStage) -> list[tuple[str, tuple[str, ...]]]:
    return [(kind, stage.raci.get(kind, ())) for kind, _ in RACI]
