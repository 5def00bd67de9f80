"""Cadence changes between two versions: steps added, removed or changed, and tier assignments.

Input: the old and the new playbook. Output: :class:`CadenceChange` lines in cadence order
(the new version's, then cadences only the old one has), each saying what changed in words.
Steps are matched by their touch number, as the playbook numbers them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..ir import CadenceIR, Playbook, StepIR, StopRuleIR
from ..numbers import percent


@dataclass(frozen=True)
class CadenceChange:
    cadence: str
    what: str  # "cadence", "touch 3", "tier cluster"
    how: str  # added, removed, changed
    detail: str


def cadence_changes(old: Playbook, new: Playbook) -> list[CadenceChange]:
    out: list[CadenceChange] = []
    for name in dict.fromkeys([*new.cadences, *old.cadences]):
        before, after = old.cadences.get(name), new.cadences.get(name)
        if before is None and after is not None:
            out.append(CadenceChange(name, "cadence", "added", _describe_cadence(after)))
        elif after is None and before is not None:
            out.append(CadenceChange(name, "cadence", "removed", _describe_cadence(before)))
        elif before is not None and after is not None:
            out += _changed(before, after)
    old_tiers = {t.name: t.cadence for t in old.tiers}
    for tier in new.tiers:
        was = old_tiers.get(tier.name)
        if tier.name in old_tiers and was != tier.cadence:
            out.append(
                CadenceChange(
                    tier.cadence or was or "",
                    f"tier {tier.name}",
                    "changed",
                    f"runs {_or_none(was)} → {_or_none(tier.cadence)}",
                )
            )
    return out


def _or_none(name: str | None) -> str:
    return name if name else "no cadence"


def _describe_cadence(cadence: CadenceIR) -> str:
    steps = len(cadence.steps)
    return f"{steps} touch{'es' * (steps != 1)} over {cadence.days} business days"


def _changed(before: CadenceIR, after: CadenceIR) -> list[CadenceChange]:
    name = after.name
    out: list[CadenceChange] = []
    settings = []
    if before.days != after.days:
        settings.append(f"over {before.days} → {after.days} business days")
    if before.recontact_days != after.recontact_days:
        settings.append(f"re-contact gap {before.recontact_days} → {after.recontact_days} days")
    rules = [_rule(r) for r in before.stop_rules], [_rule(r) for r in after.stop_rules]
    if rules[0] != rules[1]:
        settings.append(f"rules {', '.join(rules[0]) or 'none'} → {', '.join(rules[1]) or 'none'}")
    if before.title != after.title:
        settings.append(f'title "{before.title or ""}" → "{after.title or ""}"')
    if settings:
        out.append(CadenceChange(name, "cadence", "changed", "; ".join(settings)))
    old_steps = {s.touch: s for s in before.steps}
    new_steps = {s.touch: s for s in after.steps}
    for touch in sorted(old_steps.keys() | new_steps.keys()):
        was, now = old_steps.get(touch), new_steps.get(touch)
        if was is None and now is not None:
            out.append(CadenceChange(name, f"touch {touch}", "added", _step(now)))
        elif now is None and was is not None:
            out.append(CadenceChange(name, f"touch {touch}", "removed", _step(was)))
        elif was is not None and now is not None:
            differences = _step_differences(was, now)
            if differences:
                out.append(CadenceChange(name, f"touch {touch}", "changed", "; ".join(differences)))
    return out


def _rule(rule: StopRuleIR) -> str:
    return f"{rule.mode}{' account' if rule.account else ''} on {rule.event}"


def _step(step: StepIR) -> str:
    owner = f" by {step.owner}" if step.owner else ""
    return f"day {step.day}: {step.channel} to {', '.join(step.audience)}{owner}"


def _step_differences(was: StepIR, now: StepIR) -> list[str]:
    out = []
    for label, a, b in (
        ("day", was.day, now.day),
        ("channel", was.channel, now.channel),
        ("to", ", ".join(was.audience), ", ".join(now.audience)),
        ("by", was.owner or "nobody", now.owner or "nobody"),
        ("refers to touch", was.refers_to or "none", now.refers_to or "none"),
    ):
        if a != b:
            out.append(f"{label} {a} → {b}")
    if was.note != now.note:
        out.append("its text changed")
    variants = [(v.name, percent(v.share)) for v in was.variants]
    changed = [(v.name, percent(v.share)) for v in now.variants]
    if variants != changed:
        show = [", ".join(f"{n} {s}" for n, s in v) or "none" for v in (variants, changed)]
        out.append(f"variants {show[0]} → {show[1]}")
    return out
