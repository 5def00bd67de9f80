"""Generate the bundled sample data for the seed pilot: accounts, contacts and activities.

A seeded generator, so the files are reproducible byte for byte (tests/unit/test_sample_data.py
checks it):

    python playbooks/data/generate.py              # writes the three files here
    python playbooks/data/generate.py --out DIR    # or into DIR

The accounts look like a Russian CRM export: `;` as delimiter, a UTF-8 byte-order mark,
yes/no flags. About 300 companies in five industries; a handful of open, budgeted ones with
an insider (more than the tailored tier's five places), and enough mid-range ones per
industry to form the cluster tier's 8–15-account clusters.

The activities are what the seed pilot's 90 days could have produced (`;`, UTF-8, one row per
touch, reply, meeting, discussion, opportunity, tender invitation or contract, dated within
the pilot). They come from running `playbooks/pharma_pilot.abm` on the two files above:

* the programme: every touch `abm schedule` dates for the accounts in work (the holdout left
  out), on its day and at its channel's cost from the `simulate` block; the cadence's `stop on
  reply` and `pause account on meeting` hold back a contact's (an account's) later touches;
  replies at the `simulate` block's rates (a range drawn once), then meetings, substantive
  discussions, opportunities (one per account at most), tender invitations and contracts at
  its conversion rates and delays, give or take a day or two; what would come after the
  pilot's last day does not happen;
* the control group (the holdout): the company's usual cold emails (`cold_email`) and, now
  and then, a request that comes in on its own (`inbound`);
* the traditional channel the seed compares ABM with: 20 cold emails to bulk pharma accounts,
  of which about five answer and one or two become opportunities.

Every choice is drawn from one `random.Random(seed)`, after the accounts and contacts; none
depends on the clock. The story it tells: about six opportunities and four tender
invitations in the programme at a cost per opportunity about twice the inbound baseline, and
few accounts with a C-level discussion (the `simulate` block's rates cannot reach the
engagement KPI's 30%); two opportunities from the 40 USD of cold email.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from abmdsl.api import compile_file
from abmdsl.engine.run import run_playbook
from abmdsl.ir import DistIR, Playbook
from abmdsl.schedule import BusinessCalendar, build_schedule

HERE = Path(__file__).resolve().parent
PLAYBOOK = HERE.parent / "pharma_pilot.abm"
INDUSTRIES = {"pharma": 0.34, "retail": 0.2, "it_services": 0.18, "mining": 0.14,
              "manufacturing": 0.14}
CITIES = ["Moscow", "Saint Petersburg", "Kazan", "Novosibirsk", "Yekaterinburg", "Warsaw",
          "Kraków", "Wrocław", "Nizhny Novgorod", "Samara"]
STEMS = ["Alfa", "Vega", "Nord", "Polar", "Ural", "Volga", "Baltic", "Sever", "Orion", "Delta",
         "Astra", "Sirius", "Titan", "Zenit", "Kedr", "Altai", "Neva", "Kama", "Don", "Lena"]
SUFFIX = {"pharma": ["Pharm", "Bio", "Med", "Lab"], "retail": ["Market", "Retail", "Shop"],
          "it_services": ["Soft", "Tech", "Systems", "Data"],
          "mining": ["Mining", "Metals", "Ore"], "manufacturing": ["Works", "Plant", "Steel"]}
ROLES = {"c_level": ["CEO", "CFO", "CIO", "COO", "CMO"],
         "c_minus_1": ["Head of IT", "Head of Procurement", "Head of Digital",
                       "Head of Training", "Deputy CFO", "Head of Production"]}


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def accounts(rng: random.Random, count: int) -> list[dict[str, object]]:
    rows = []
    for n in range(1, count + 1):
        industry = _weighted(rng, INDUSTRIES)
        strong = rng.random() < 0.03  # an open, budgeted client with an insider
        warm = rng.random() < 0.35
        rows.append({
            "account_id": f"ACC-{n:04d}",
            "name": f"{rng.choice(STEMS)}{rng.choice(SUFFIX[industry])} {n}",
            "industry": industry,
            "has_budget": "yes" if strong or rng.random() < (0.7 if warm else 0.3) else "no",
            "strategic_initiatives": rng.randint(4, 5) if strong else rng.randint(
                2 if warm else 0, 5),
            "complementary_tech": rng.randint(4, 5) if strong else rng.randint(
                2 if warm else 0, 5),
            "case_studies": rng.randint(4, 5) if strong else rng.randint(2 if warm else 0, 5),
            "insider": "yes" if strong or rng.random() < 0.12 else "no",
            "info_openness": rng.randint(4, 5) if strong else rng.randint(1, 5),
            "city": rng.choice(CITIES),
            "employees": rng.choice([250, 500, 1200, 3000, 8000, 20000]),
        })
    return rows


def contacts(rng: random.Random, account_rows: list[dict[str, object]]) -> list[dict[str, object]]:
    rows = []
    for account in account_rows:
        for _ in range(rng.randint(0, 7)):
            level = "c_level" if rng.random() < 0.4 else "c_minus_1"
            rows.append({"contact_id": f"C-{len(rows) + 1:05d}",
                         "account_id": account["account_id"], "level": level,
                         "role": rng.choice(ROLES[level])})
    return rows


def write(path: Path, rows: list[dict[str, object]], bom: bool) -> None:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(rows[0]), delimiter=";",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


# --- Activities: what the seed pilot's 90 days could have produced ---------------------------

FUNNEL = ["touch", "reply", "meeting", "discussion", "opportunity", "tender_invitation",
          "contract"]
REPLY_LAG = [0, 1, 1, 2, 3]  # business days from a touch to its reply
JITTER = [-1, 0, 0, 1, 2]  # calendar days around a conversion's `after N days`
# Conversions the simulate block gives without `after`: how long they take here.
UNDATED_LAG = {"meeting": [0, 0, 1, 2, 4],  # business days: the substantive talk after a meeting
               "tender_invitation": [10, 12, 15, 20]}  # a contract is signed weeks after
# The traditional channel, as the seed tells it: 20 cold emails to bulk pharma accounts bring
# about five potential clients, of whom one or two open an opportunity.
COLD_EMAIL = "cold_email"
COLD_EMAILS = 20
COLD_EMAIL_REPLY = 0.25
COLD_EMAIL_RATES = {"reply": 0.8, "meeting": 0.75}  # a stage's chance to lead to the next
COLD_EMAIL_COST = "email"  # a cold email costs what an email of the cadence costs
# The control group (the holdout) gets what the company did before ABM: cold emails on these
# business days of the cadence, and now and then a client who comes in on their own.
CONTROL_EMAIL_DAYS = [1, 6]
INBOUND = "inbound"
INBOUND_RATE = 0.3


@dataclass(frozen=True)
class Activity:
    type: str
    account: str
    contact: str | None
    level: str | None
    channel: str
    on: dt.date
    cost: Decimal | None = None
    touch: int = 0  # the cadence's touch number, to order a contact's touches of one day


class Pilot:
    """The playbook's calendar and its `simulate` block, drawn once: one possible pilot."""

    def __init__(self, playbook: Playbook, rng: random.Random) -> None:
        assert playbook.start is not None and playbook.simulation is not None
        self.rng = rng
        self.start = playbook.start
        self.end = playbook.start + dt.timedelta(days=playbook.horizon_days - 1)
        self.calendar = BusinessCalendar.of(playbook)
        simulation = playbook.simulation
        self.replies = [(reply, self._draw(reply.p)) for reply in simulation.replies]
        self.conversions = {c.source: c for c in simulation.conversions}
        self.rates = {c.source: self._draw(c.p) for c in simulation.conversions}
        self.costs = {c.item: c.amount for c in simulation.costs if c.per == "touch"}

    def _draw(self, p: DistIR) -> float:
        if p.kind == "uniform":
            return self.rng.uniform(float(p.low), float(p.high))
        if p.kind == "beta":
            assert p.a is not None and p.b is not None
            return self.rng.betavariate(float(p.a), float(p.b))
        return float(p.low)

    def reply_rate(self, channel: str, level: str, tier: str) -> float:
        """The most specific `reply` line that fits: audience and tier, tier, audience, none."""
        fits = [(int(r.tier is not None) * 2 + int(r.audience is not None), rate)
                for r, rate in self.replies
                if r.channel == channel and r.audience in (None, level) and r.tier in (None, tier)]
        return max(fits, key=lambda fit: fit[0])[1] if fits else 0.0

    def business_days_after(self, day: dt.date, count: int) -> dt.date:
        for _ in range(count):
            day = self.calendar.next_business_day(day + dt.timedelta(days=1))
        return self.calendar.next_business_day(day)

    def converts(self, event: Activity, rate: float | None = None) -> Activity | None:
        """The next stage of the funnel after ``event``, or None: it did not convert, or it
        would come after the pilot's last day."""
        convert = self.conversions.get(event.type)
        if convert is None or self.rng.random() >= (rate if rate is not None else
                                                     self.rates[event.type]):
            return None
        if convert.delay_days is not None:
            days = int(convert.delay_days) + self.rng.choice(JITTER)
            on = self.calendar.next_business_day(event.on + dt.timedelta(days=days))
        else:
            on = self.business_days_after(event.on, self.rng.choice(UNDATED_LAG[event.type]))
        if on > self.end:
            return None
        return replace(event, type=convert.target, on=on, cost=None, touch=0)


def tiered(playbook: Playbook, sources: dict[str, str], accounts_csv: Path,
           contacts_csv: Path) -> list[dict[str, object]]:
    """The accounts as `abm run` tiers them: `industry`, `tier` and `holdout` per account."""
    run = run_playbook(playbook, sources, accounts_csv, contacts_csv)
    return run.table.select(["account_id", "industry", "tier", "holdout"]).to_pylist()


def programme(pilot: Pilot, playbook: Playbook, touches: list[dict[str, object]]
              ) -> list[Activity]:
    """The scheduled touches as they went out, with the replies, meetings and discussions they
    brought. The cadence's `stop` and `pause` rules hold: a contact who replied gets no more
    touches, and an account with a meeting no more at all (nobody resumes them in the pilot).
    """
    events: list[Activity] = []
    by_account: dict[str, list[dict[str, object]]] = {}
    for touch in touches:
        by_account.setdefault(str(touch["account"]), []).append(touch)
    for account, planned in sorted(by_account.items()):
        planned.sort(key=lambda t: (t["date"], t["touch"], t["contact"]))
        contact_stops: dict[str, dt.date] = {}
        account_stop: dt.date | None = None
        replied: set[str] = set()
        for touch in planned:
            contact, on = str(touch["contact"]), touch["date"]
            assert isinstance(on, dt.date)
            held = on > contact_stops.get(contact, on) or on > (account_stop or on)
            if held or on > pilot.end:  # a touch on the day of a reply may have gone before it
                continue
            channel, level = str(touch["channel"]), str(touch["contact_level"])
            sent = Activity("touch", account, contact, level, channel, on,
                            pilot.costs.get(channel), int(str(touch["touch"])))
            events.append(sent)
            if contact in replied:
                continue
            if pilot.rng.random() >= pilot.reply_rate(channel, level, str(touch["tier"])):
                continue
            reply_on = pilot.business_days_after(on, pilot.rng.choice(REPLY_LAG))
            if reply_on > pilot.end:
                continue
            replied.add(contact)
            chain = conversation(pilot, replace(sent, type="reply", on=reply_on, cost=None))
            events += chain
            for rule in playbook.cadences[str(touch["cadence"])].stop_rules:
                when = next((e.on for e in chain if e.type == rule.event), None)
                if when is None:
                    continue
                if rule.account:
                    account_stop = min(account_stop or when, when)
                else:
                    contact_stops[contact] = min(contact_stops.get(contact, when), when)
    return events


def conversation(pilot: Pilot, reply: Activity, rates: dict[str, float] | None = None
                 ) -> list[Activity]:
    """A reply and the meeting and substantive discussion with the same contact it led to."""
    chain = [reply]
    while chain[-1].type in ("reply", "meeting"):
        rate = rates.get(chain[-1].type) if rates else None
        following = pilot.converts(chain[-1], rate)
        if following is None:
            break
        chain.append(following)
    return chain


def deals(pilot: Pilot, events: list[Activity]) -> list[Activity]:
    """Opportunities, tender invitations and contracts: an account opens at most one
    opportunity, from the first of its discussions that converts."""
    found: list[Activity] = []
    discussions: dict[str, list[Activity]] = {}
    for event in events:
        if event.type == "discussion":
            discussions.setdefault(event.account, []).append(event)
    for _, talks in sorted(discussions.items()):
        for talk in sorted(talks, key=lambda e: (e.on, e.contact or "")):
            opportunity = pilot.converts(talk)
            if opportunity is None:
                continue
            found.append(opportunity)
            while found[-1].type != "contract" and (following := pilot.converts(found[-1])):
                found.append(following)
            break
    return found


def cold_outreach(pilot: Pilot, contacts: list[dict[str, object]], days: list[dt.date],
                  channel: str) -> list[Activity]:
    """One cold email per contact on one of ``days``; replies and conversations at the cold
    channel's own rates."""
    events: list[Activity] = []
    for contact in contacts:
        on = pilot.rng.choice(days)
        level = str(contact["level"])
        sent = Activity("touch", str(contact["account_id"]), str(contact["contact_id"]), level,
                        channel, on, pilot.costs.get(COLD_EMAIL_COST))
        events.append(sent)
        if pilot.rng.random() < COLD_EMAIL_REPLY:
            reply_on = pilot.business_days_after(on, pilot.rng.choice(REPLY_LAG))
            if reply_on <= pilot.end:
                reply = replace(sent, type="reply", on=reply_on, cost=None)
                events += conversation(pilot, reply, COLD_EMAIL_RATES)
    return events


def control(pilot: Pilot, accounts: list[str], contacts: list[dict[str, object]],
            launch: list[dt.date]) -> list[Activity]:
    """The holdout: now and then an inbound request from one of the account's contacts, and
    cold emails to the others, as before ABM (one who has replied gets no more)."""
    events: list[Activity] = []
    for account in accounts:
        people = [c for c in contacts if c["account_id"] == account]
        if people and pilot.rng.random() < INBOUND_RATE:
            person = pilot.rng.choice(people)
            reply = Activity("reply", account, str(person["contact_id"]), str(person["level"]),
                             INBOUND, pilot.rng.choice(launch))
            events += conversation(pilot, reply)
        for day in CONTROL_EMAIL_DAYS:
            replied = {e.contact for e in events if e.type == "reply"}
            waiting = [c for c in people if c["contact_id"] not in replied]
            events += cold_outreach(pilot, waiting, [launch[day - 1]], COLD_EMAIL)
    return events


def activities(rng: random.Random, accounts_csv: Path, contacts_csv: Path,
               contact_rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """The seed pilot's activities: its programme, its control group and a cold email."""
    compiled = compile_file(PLAYBOOK)
    playbook = compiled.playbook
    assert playbook is not None, compiled.diagnostics
    pilot = Pilot(playbook, rng)
    accounts = tiered(playbook, compiled.sources, accounts_csv, contacts_csv)
    schedule = build_schedule(playbook, compiled.sources, accounts_csv, contacts_csv)
    launch = pilot.calendar.business_days(schedule.cadence_start.date, 10)
    events = programme(pilot, playbook, schedule.touches.to_pylist())
    cadenced = {t.name for t in playbook.tiers if t.cadence in playbook.cadences}
    holdout = [str(a["account_id"]) for a in accounts if a["holdout"] and a["tier"] in cadenced]
    events += control(pilot, holdout, contact_rows, launch)
    bulk = {str(a["account_id"]) for a in accounts if a["tier"] not in cadenced}
    pharma = {str(a["account_id"]) for a in accounts if a["industry"] == "pharma"}
    firsts: dict[str, dict[str, object]] = {}
    for contact in contact_rows:
        firsts.setdefault(str(contact["account_id"]), contact)
    targets = [c for a, c in sorted(firsts.items()) if a in bulk and a in pharma]
    events += cold_outreach(pilot, rng.sample(targets, COLD_EMAILS), launch, COLD_EMAIL)
    events += deals(pilot, events)
    events.sort(key=lambda e: (e.on, e.account, e.contact or "", FUNNEL.index(e.type), e.touch,
                               e.channel))
    return [{"activity_id": f"A-{n:05d}", "account_id": e.account,
             "contact_id": e.contact or "", "type": e.type, "level": e.level or "",
             "channel": e.channel, "cost": _money(e.cost), "on": e.on.isoformat()}
            for n, e in enumerate(events, 1)]


def _money(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    return str(amount.quantize(Decimal(1)) if amount == amount.to_integral() else amount)


def generate(out: Path, seed: int = 2027, count: int = 300) -> None:
    """Write accounts.csv, contacts.csv and activities.csv into ``out``."""
    rng = random.Random(seed)
    account_rows = accounts(rng, count)
    contact_rows = contacts(rng, account_rows)
    write(out / "accounts.csv", account_rows, bom=True)
    write(out / "contacts.csv", contact_rows, bom=False)
    rows = activities(rng, out / "accounts.csv", out / "contacts.csv", contact_rows)
    write(out / "activities.csv", rows, bom=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--out", type=Path, default=HERE, help="the folder to write to")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    generate(args.out, args.seed, args.accounts)


if __name__ == "__main__":
    main()
