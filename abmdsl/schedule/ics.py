"""iCalendar (RFC 5545) output: one all-day event per touch, or one per owner role and day.

Input: a :class:`~abmdsl.schedule.build.Schedule`. Output: the bytes of an ``.ics`` file.
Written by hand rather than through a library so that the bytes are ours to keep stable:
the same schedule gives the same file, because every UID is a hash of what the event is,
DTSTAMP is the pilot's start (not the clock), and events come in the touches' sorted order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from .workload import UNASSIGNED

if TYPE_CHECKING:
    from .build import Schedule

Per = Literal["touch", "owner-day"]
PER: tuple[Per, ...] = ("touch", "owner-day")
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
    rows = schedule.touches.to_pylist()
    events = _per_touch(title, rows) if per == "touch" else _per_owner_day(title, rows)
    lines = head + [line for event in events for line in _event(stamp, *event)]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines).encode("utf-8")


Event = tuple[str, dt.date, str, str, list[str]]  # uid, day, summary, description, categories


def _event(
    stamp: str, uid: str, day: dt.date, summary: str, text: str, tags: list[str]
) -> list[str]:
    return [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
        f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
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
        yield uid, row["date"], touch_summary(row), "\n".join(lines), tags


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
        yield _uid(title, owner, day), day, summary, text, [owner, *sorted(channels)]
