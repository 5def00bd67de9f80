"""Every diagnostic code `abm` can print: its severity, a short title and an explanation.

Input: nothing (this is a table). Output: :data:`CODES`, read by the documentation generator
(``tools/diagnostics_doc.py`` writes ``docs/diagnostics.md`` from it and the golden files) and
by the tests, which check that every code the package emits is listed here and that every code
listed here is emitted somewhere.

Ranges: ``ABM1xx`` reading and parsing a file, ``ABM2xx`` checking what the playbook says,
``ABM3xx`` what its goal/decision graph shows (:mod:`abmdsl.graph`).

>>> CODES["ABM201"].title
'Unknown name'
>>> CODES["ABM236"].severity
<Severity.WARNING: 'warning'>
"""

from __future__ import annotations

from dataclasses import dataclass

from .diagnostics import Severity


@dataclass(frozen=True, slots=True)
class Code:
    """One diagnostic code, explained for the strategist who meets it."""

    code: str
    severity: Severity
    title: str
    explanation: str


_E, _W = Severity.ERROR, Severity.WARNING

_TABLE: list[tuple[str, Severity, str, str]] = [
    # ------------------------------------------------------------ reading and parsing
    (
        "ABM100",
        _E,
        "The file cannot be read",
        "The file named on the command line, or imported by a playbook, exists but cannot be "
        "opened: it may belong to another user or be locked by another program. Nothing in it "
        "was checked; `abm` stops with exit code 2.",
    ),
    (
        "ABM101",
        _E,
        "The file is not UTF-8 text",
        "Playbooks are plain text in UTF-8, the encoding of every modern editor and of git. "
        "Files exported from older tools are sometimes saved as Windows-1251 or Windows-1250; "
        "save the file again as UTF-8 and the Russian or Polish text in it will be read as "
        "written.",
    ),
    (
        "ABM102",
        _E,
        "The file is too large",
        "A playbook is untrusted text from a pull request, so `abm` refuses files over 2 MB "
        "before reading them. A real playbook is a few kilobytes; a file this large is usually "
        "data saved under the wrong name. Split genuine definitions into several files joined "
        "with `import`.",
    ),
    (
        "ABM103",
        _E,
        "A character the language does not use",
        "The line holds a character that has no meaning in a playbook, such as `&`, `|`, `;` or "
        "a stray byte of a binary file. The hint names the word to write instead: `and` for "
        "`&&`, `or` for `||`, double quotes for texts.",
    ),
    (
        "ABM104",
        _E,
        "Unexpected word or symbol",
        "The line is not written the way the language expects at this point: a word is missing, "
        "misspelt or in the wrong place, or a symbol such as `==` is not one the language uses. "
        "The message lists what could come here; the hint, when there is one, shows the usual "
        "way to write the line. Every broken statement of a file is reported in the same run, so "
        "fix them from the top.",
    ),
    (
        "ABM105",
        _E,
        "A statement ends too early",
        "A statement stops before it is finished: the file ends, or the next statement (a line "
        "starting with `tier`, `score`, `kpi`, ...) begins while this one still misses a word, "
        "most often a closing `}` or the condition after `when`. The caret points where the "
        "missing piece belongs.",
    ),
    (
        "ABM106",
        _E,
        "Nesting too deep",
        "Brackets and blocks nest more than 64 deep, or one expression chains more than 100 "
        "operations. No real playbook needs this; it usually comes from generated or pasted "
        "text. Give parts of the expression names of their own: a criterion, a KPI or a "
        "baseline.",
    ),
    (
        "ABM107",
        _E,
        "Text never closed",
        'A text in double quotes ("...") starts on this line but does not end on it. Close it '
        'with `"` before the end of the line; write `\\"` for a quote inside the text.',
    ),
    (
        "ABM109",
        _E,
        "Not a date in the calendar",
        "The date is written in the right shape (YYYY-MM-DD) but does not exist, such as "
        "February 30th or month 13. Check the day and the month.",
    ),
    (
        "ABM110",
        _E,
        "Not a number",
        "A number is written in a way the language does not read: with a decimal comma, as "
        "spreadsheets in Russian or Polish write it (`2,5`), or with more digits than any "
        "quantity needs (over 28). Write decimals with a point: `2.5`.",
    ),
    # ------------------------------------------------------------ names and definitions
    (
        "ABM201",
        _E,
        "Unknown name",
        "The playbook uses a name that is defined nowhere it can be seen from here: a field, a "
        "score, a tier, a cadence, a goal, a funnel stage or an event. This is most often a "
        "typo; the hint suggests the closest known name. Fields of accounts are visible in "
        "tier and criterion rules; scores in tiers and in other scores.",
    ),
    (
        "ABM202",
        _E,
        "Defined twice",
        "Two definitions share one name, or something a playbook has once (the header, the "
        "plan, the verdict, the `simulate` block, a data set) appears twice. Only the first "
        "one counts; the note points at it. Give each definition its own name, or merge the "
        "two.",
    ),
    (
        "ABM203",
        _E,
        "Values of different kinds",
        "An expression combines values that cannot go together: a yes/no value compared with a "
        "number, money added to a duration, a text used as points. Each quantity keeps its "
        "kind: money stays money, days stay days; percentages mix freely with plain numbers.",
    ),
    (
        "ABM204",
        _E,
        "A condition that is not yes or no",
        "A tier's `when`, an `if`, a `where` or the verdict needs a condition that is true or "
        "false, but the expression gives a number or a text. Compare it with something: "
        "`case_studies >= 3` rather than `case_studies`.",
    ),
    (
        "ABM205",
        _E,
        "A percentage outside 0–100%",
        "Weights, holdouts, conversion rates, contributions and probabilities are shares of a "
        "whole, so they lie between 0% and 100%. A value such as 140% is usually a typo or a "
        "figure meant for another line.",
    ),
    (
        "ABM206",
        _E,
        "Weights do not add up to 100%",
        "A score is the weighted average of its criteria, so the weights of one score must add "
        "up to exactly 100%. The message gives the current total; change the weights (or add "
        "the criterion that is missing) until they do.",
    ),
    (
        "ABM207",
        _E,
        "A criterion outside its score's scale",
        "A criterion gives points on its score's scale (1..5 in the seed). This one can give "
        "points below or above the scale, judging by the declared ranges of the fields it "
        "uses, so the score could leave its own scale and the tier thresholds would mean "
        "something else. Bound it with `clamp(x, 1, 5)` or change the points.",
    ),
    (
        "ABM208",
        _E,
        "A tier that is never reached",
        "Tiers are tried from top to bottom and an account goes to the first tier whose "
        "condition it meets. This tier can never get an account: either its condition "
        "contradicts itself or the declared ranges, or an earlier tier (named in the note) "
        "takes every account this one would admit. Put the narrower tier first, or fix the "
        "condition. An earlier tier with `at most N accounts` lets the overflow through, so "
        "it never hides a later one.",
    ),
    (
        "ABM209",
        _E,
        "No tier for the remaining accounts",
        "Every account must land in some tier, but the accounts that meet no tier's condition "
        "have nowhere to go. End the list with a tier that takes the rest: "
        "`tier bulk otherwise`.",
    ),
    (
        "ABM210",
        _E,
        "The `otherwise` tier is not last",
        "A tier with `otherwise` takes every account still left, so the tiers after it would "
        "never get one. Move it to the end.",
    ),
    (
        "ABM211",
        _E,
        "Impossible bounds",
        "A range or a count cannot hold anything: its low end is above its high end (a scale "
        "`5..1`, `3..2 clusters`, a probability `6%..2%`), it allows nothing at all (`at most 0 "
        "accounts`, `beta(0, 5)`, a simulation of 0 runs), or two bounds of one tier contradict "
        "each other: `at most 12 accounts` cannot hold 2 clusters of at least 8, and a field "
        "with 3 declared values cannot be grouped into 4 clusters. Write the low end first and "
        "give it room.",
    ),
    (
        "ABM212",
        _E,
        "Definitions that depend on each other in a circle",
        "Scores may use other scores and KPIs may use other KPIs or baselines, but never in a "
        "circle: if `a` uses `b` and `b` uses `a`, neither can be computed first. The message "
        "names the whole circle and the notes show where each step of it is written. Compute "
        "one of them without the others.",
    ),
    (
        "ABM213",
        _E,
        "Cadence steps out of order",
        "The steps of a cadence are listed in the order they happen: touch numbers go up and "
        "a step's day is never before the previous step's day. Reorder or renumber the steps; "
        "the schedule is built from this order.",
    ),
    (
        "ABM214",
        _E,
        "A step outside the cadence's length",
        "The cadence says how long it lasts (`over 10 business days`), and this step falls on "
        "a day outside it (before day 1 or after the last day). Move the step, or lengthen the "
        "cadence.",
    ),
    (
        "ABM215",
        _E,
        "A stage outside the pilot's horizon",
        "A stage of the plan runs in weeks that do not exist: before week 1, backwards "
        "(`weeks 5..4`), or past the horizon set in the header (90 days are 13 weeks). End "
        "it within the horizon, or lengthen the horizon.",
    ),
    (
        "ABM216",
        _E,
        "A stage without exactly one Accountable",
        "In a RACI matrix exactly one role answers for each stage: the Accountable one. Several "
        "roles may be Responsible, Consulted or Informed, but a stage with no Accountable role "
        "or with two has no clear owner.",
    ),
    (
        "ABM217",
        _E,
        "Unknown KPI or baseline",
        "A KPI's `target` or `warn` level, or a goal's `measured by`, names a KPI or a baseline "
        "that the playbook does not define. Check the spelling (the hint suggests the closest "
        "name) or define it with `kpi` or `baseline`.",
    ),
    (
        "ABM218",
        _E,
        "An import outside the repository",
        "A playbook may import shared definitions only from files of its own repository (the "
        "folder holding `.git`). A path that climbs out of it with `..`, or through a symbolic "
        "link, is refused: playbooks come from pull requests and must not read other files of "
        "the machine.",
    ),
    (
        "ABM219",
        _E,
        "An imported file that does not exist",
        "The file named by `import` is not there. Paths are relative to the importing file; "
        "check the spelling and the folder. Text checked without a file (through the API) "
        "cannot import at all.",
    ),
    (
        "ABM220",
        _E,
        "Unknown function or wrong arguments",
        "The expression calls a function the language does not have, or gives it the wrong "
        "number of arguments. The functions are `clamp`, `min`, `max`, `round`, `floor`, "
        "`ceil`, `abs`, `coalesce` and `days_between`.",
    ),
    (
        "ABM221",
        _E,
        "Unknown channel",
        "A cadence step or a simulation line names a channel that is not one of the known "
        "channels of touch: email, call, linkedin, gift, event, letter, meeting, webinar, sms, "
        "messenger, social, video, direct_mail, ad.",
    ),
    (
        "ABM222",
        _E,
        "Unknown audience",
        "A cadence step sends a touch, or a simulation line assumes a reply rate (`reply gift "
        "to c_level 25%`), for a level or role of the buying committee that the `contacts` "
        "data set does not declare (for example `c_level` and `c_minus_1` in `level: "
        "enum(c_level, c_minus_1)`).",
    ),
    (
        "ABM223",
        _E,
        "Unknown role",
        "A RACI line or a cadence step's `by` names a role that the plan's `roles` line does "
        "not list. Add the role to `roles`, or use one that is there.",
    ),
    (
        "ABM224",
        _E,
        "A value that is not one of the declared values",
        "A field declared as `enum(...)` is compared with, or given in an example, a text that "
        "is not one of its values, so the comparison can never be true. The hint names the "
        "closest declared value.",
    ),
    (
        "ABM225",
        _E,
        "No header, or an incomplete one",
        "Each playbook starts with a header that names it and says when and for how long the "
        'pilot runs: `playbook "Pharma pilot" { start 2027-01-11 horizon 90 days currency USD '
        "}`. The horizon is required: it bounds the plan and the cadences. Files that only hold "
        "shared definitions have no header; they are imported by playbooks, not checked on their "
        "own.",
    ),
    (
        "ABM226",
        _E,
        "Said twice",
        "A setting that takes one value is given twice: `start` or `horizon` in the header, "
        "`research` or `budget` in one tier, two `target` lines in one KPI. Only the first one "
        "counts; keep one of them.",
    ),
    (
        "ABM227",
        _E,
        "An unsupported language version",
        "The `abm` line at the top says which version of the language the playbook is written "
        "in. This abmdsl understands version 1; write `abm 1`, or upgrade abmdsl.",
    ),
    (
        "ABM228",
        _E,
        "A field range that makes no sense",
        "A field's range (`int 0..5`) bounds numbers; it is either given to a field that is "
        "not a number (a text or a date) or its low end is above its high end.",
    ),
    (
        "ABM229",
        _E,
        "An example that does not fit the data",
        "An `example` describes one account, field by field, and what should happen to it. "
        "Here the account does not fit the `accounts` declaration: a field that does not "
        "exist, a value of the wrong kind or outside the declared range, `missing` for a "
        "required field, a field the scores need but the example leaves out, an expected "
        "score that is not a number, or an expected cluster in a tier that has no `group by`.",
    ),
    (
        "ABM230",
        _E,
        "A step that refers to a touch that does not come before",
        "Every touch of a cadence refers back to an earlier one (`refers to touch 1`), so that "
        "the contact sees one story. This step refers to a touch that comes later, to itself, "
        "or to a touch number the cadence does not have.",
    ),
    (
        "ABM231",
        _E,
        "A data set or field that is not declared",
        "An aggregate (`count(activities ...)`, `sum(activities.cost)`) or a `references` names "
        "a data set the playbook does not declare, or a field that the data set does not have; "
        "or the aggregate is used the wrong way (`count` takes no field, `sum` needs one); or "
        "an aggregate inside another one (`share(accounts where count(activities ...) >= 1)`) "
        "counts rows that nothing links to the row around them. Declare the link: "
        "`account_id: text references accounts` in `activities`.",
    ),
    (
        "ABM232",
        _E,
        "A warn level that does not fit the target",
        "A KPI's `warn` level marks the band between failing and passing, so it points the same "
        "way as the target and is looser than it: with `target >= 4`, write `warn >= 2`. A warn "
        "level that points the other way or is stricter than the target never warns.",
    ),
    (
        "ABM233",
        _E,
        "Goal arithmetic that does not add up",
        "The sub-goals of a goal split it between directions, so the shares they contribute "
        "add up to 100%; or a target derived through a conversion (`via tender_invitations at "
        "50%`) uses a 0% conversion, which can never reach it.",
    ),
    (
        "ABM234",
        _E,
        "A verdict on something that is not a KPI with a target",
        "The verdict decides whether the pilot passed from the KPIs that met their targets: "
        "`verdict pass when tender_invitations and engagement`. Every name in it must be a "
        "KPI with a target; a baseline, a score or a typo is not, and a KPI without a target "
        "only measures, so it can neither pass nor fail.",
    ),
    (
        "ABM235",
        _W,
        "KPIs but no verdict",
        "The playbook defines KPIs but no `verdict`, so after the pilot nothing says whether it "
        "passed or failed. Add `verdict pass when kpi_a and kpi_b`.",
    ),
    (
        "ABM236",
        _W,
        "A definition nothing uses",
        "A score no tier uses, a cadence no tier runs, a baseline no KPI compares with, or a role "
        "with nothing to do is dead weight and often a sign of a typo elsewhere. Use it or "
        "remove it.",
    ),
    (
        "ABM237",
        _W,
        "A criterion that may be missing",
        "The criterion reads a field declared `optional`. When an account has no value there, "
        "the criterion has none, and neither does the whole score, so the account cannot be "
        "tiered by it. Say what a missing value is worth: `coalesce(x, 1)`.",
    ),
    (
        "ABM238",
        _W,
        "A criterion that may leave its scale",
        "The checker cannot tell which points this criterion gives, usually because a field it "
        "uses has no declared range. If the criterion can leave the score's scale, the score "
        "can too. Give the field a range (`int 0..5`) or bound the criterion with `clamp`.",
    ),
    (
        "ABM239",
        _E,
        "Too many imported files",
        "One playbook may be joined from at most 200 files. More than that is not a playbook "
        "but a runaway import chain; join shared definitions into fewer files.",
    ),
    (
        "ABM240",
        _E,
        "A channel without a reply rate",
        "The `simulate` block plays the cadences out, so it needs a reply rate for every "
        "channel a cadence uses. Add `reply <channel> 5%` with your own figure.",
    ),
    (
        "ABM241",
        _E,
        "A data set without exactly one key",
        "Each data set has exactly one key field that identifies a row: `key account_id: "
        "text`. Without one, rows cannot be told apart; with two, it is unclear which one "
        "other data sets refer to.",
    ),
    (
        "ABM242",
        _E,
        "A name the language reserves",
        "Words of expressions (`missing`, `true`, `false`, `and`, `or`, `not`, `if`, `then`, "
        "`else`, `in`, `is`) and the aggregates (`count`, `sum`, `avg`, `median`, `share`, "
        "`distinct`) are read as those words wherever an expression may use them, so a field, "
        "score, KPI, baseline or other definition named so could never be used in one. Rename "
        "it, e.g. `activity_count` for a field `count`.",
    ),
    (
        "ABM243",
        _W,
        "A KPI's target is below what a goal derives",
        "A goal's target reached through a conversion (`target contracts >= 2 via "
        "tender_invitations at 50%`) needs a number of the intermediate metric: 2 / 50% = 4 "
        "tender invitations, rounded up. The KPI that measures that metric aims lower, so the "
        "pilot could pass the KPI and still miss the goal at the expected conversion. Raise the "
        "KPI's target to what the goal derives, or change the conversion.",
    ),
    (
        "ABM245",
        _E,
        "An aggregate outside a KPI",
        "`count`, `sum`, `avg`, `median`, `share` and `distinct` sum up many rows of data, so "
        "they belong in KPIs and baselines. A tier condition or a criterion speaks about one "
        "account; use its fields there.",
    ),
    (
        "ABM246",
        _E,
        "An unknown calendar region",
        "`calendar DE region BY` adds the public holidays of one region of the country (a "
        "German Land, a US state, a Spanish community) to the country's own. The region is "
        "given by its code as the `holidays` package knows it (BY for Bavaria, CA for "
        "California, AN for Andalusia; a code that is not a name, such as Austria's 9, in "
        'quotes: `region "9"`). This code is not one of the country\'s regions, or the '
        "country has no regional holidays; the hint lists the codes there are.",
    ),
    (
        "ABM247",
        _E,
        "A horizon that is not a pilot's length",
        "The horizon is how long the pilot runs, in days or weeks, from 1 day to a year. The "
        "seed's pilot runs 90 days.",
    ),
    (
        "ABM248",
        _E,
        "An unknown calendar",
        "The `calendar` setting names the country whose public holidays the schedule skips, as "
        "a two-letter code such as RU, PL, US, GB or DE. This code is not a country whose "
        "holidays are known.",
    ),
    (
        "ABM249",
        _E,
        "Money in another currency",
        "The header sets the currency the playbook counts money in, and every amount is in it. "
        "An amount in another currency cannot be added to or compared with the others without "
        "a rate; convert it yourself, or change the header's `currency`.",
    ),
    (
        "ABM250",
        _E,
        "An unknown group of accounts",
        "`KPI of GROUP` measures a KPI on another group of accounts than the programme: "
        "`control` (the holdout of every tier), `outside` (accounts in no programme tier), "
        "`all` (every row of the data), `programme` (the default), or one tier by its name. "
        "It applies to a whole KPI or aggregate, never inside a `where`.",
    ),
    (
        "ABM251",
        _E,
        "A KPI the library does not have",
        "`kpi NAME from library` takes a KPI of abmdsl's library by its name (engagement, "
        "penetration, coverage, cost_per_opportunity, cadence_conversion, pipeline, velocity, "
        "roi, engagement_lift and others: see docs/kpi-library.md). This name is not one of "
        "them; define the KPI yourself with `kpi NAME = ...`, or take one the library has.",
    ),
    (
        "ABM252",
        _E,
        "An activity type or channel the activities do not have",
        "An `engagement` block gives points per activity type (`reply 5 points`) and, for a "
        "channel, its own points (`reply by gift 10 points`). The type is a value of the "
        "activities' enum field that holds the types (`type: enum(touch, reply, meeting)`), "
        "the channel a value of their `channel` field, so a word that is neither would never "
        "score: it is usually a typo, or a value the declaration lacks.",
    ),
    (
        "ABM253",
        _E,
        "A multiplier for an unknown field or value",
        "`FIELD VALUE xN` in an `engagement` block multiplies the points of the activities "
        "whose field (or their contact's field) holds the value: `level c_level x2`; "
        "`tier NAME x1.5` multiplies the score of the accounts of a tier. The field must be an "
        "enum, text or yes/no field of activities or contacts, the value one it can hold, and "
        "the tier one the playbook defines.",
    ),
    (
        "ABM254",
        _E,
        "A multiplier of zero",
        "A multiplier scales points up (`x2`) or down (`x0.5`); `x0` would wipe out every "
        "point of the activities it applies to, which is better said by giving their type no "
        "points, or by a `where` in the KPI.",
    ),
    (
        "ABM255",
        _E,
        "An engagement window or decay out of range",
        "`within 60 days` counts the activities of the last 60 days up to the as-of date (or "
        "the pilot's last day): it is a whole number of days or weeks, at least one. `decay "
        "10% per week` takes 10% off an activity's weight for each whole week of its age: the "
        "rate lies from 0.1% up to, but not including, 100%. Both need the activities' date "
        "field, which tells an activity's age.",
    ),
    # ------------------------------------------------------------ the goal/decision graph
    (
        "ABM301",
        _W,
        "A goal no KPI measures",
        "A goal at the bottom of the goal tree is what the pilot works on, so some KPI must "
        "show whether it was reached: write `measured by KPI` in the goal, or `measures GOAL` "
        "in the KPI. Choose a pre-sale metric the pilot can reach within its horizon, such as "
        "the seed's tender invitations, not a deal that closes months later.",
    ),
    (
        "ABM302",
        _W,
        "A goal measured only by KPIs out of reach",
        "Every KPI that measures this goal is out of the pilot's reach: it has no target, so "
        "it cannot tell whether the goal was met, or the funnel stage it counts cannot happen "
        "before the horizon ends. The earliest day is counted from the first touch of the "
        "earliest cadence (the start of the plan stage it runs in) along the fastest chain of "
        "`convert` delays in `simulate`; the note shows the chain. Measure the goal by an "
        "earlier stage of the funnel, or give the KPI a target.",
    ),
    (
        "ABM303",
        _E,
        "Sub-goals that cannot add up to their parent",
        "Sub-goals split their parent between directions, so together they must make the "
        "whole of it: amounts (`contributes 200000 USD`) must reach the parent's target in "
        "money, and need one to be taken from; shares and amounts together must make 100%; "
        "sub-goals that set their own targets on the parent's metric (`target contracts >= 2`) "
        "must reach the parent's target when added up, each sub-goal that sets none counting "
        "with its share of it.",
    ),
]

CODES: dict[str, Code] = {row[0]: Code(*row) for row in _TABLE}
"""Every code, in order."""


def lookup(code: str) -> Code:
    """The registry entry of ``code``; a ``KeyError`` names codes nobody registered."""
    return CODES[code]
