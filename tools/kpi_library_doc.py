"""Write docs/kpi-library.md from the KPI library itself (``abmdsl/library/kpis.abm``).

Usage::

    .venv/bin/python tools/kpi_library_doc.py          # rewrite docs/kpi-library.md
    .venv/bin/python tools/kpi_library_doc.py --check  # exit 1 if the page is out of date

``tests/unit/test_kpi_library.py`` runs the comparison, so the page cannot go stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from abmdsl.format_expr import expr
from abmdsl.library import SOURCE, library_kpis

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "kpi-library.md"

INTRO = """\
# The KPI library

The measures every ABM pilot needs, written once. A playbook takes one by name and gives it
its own target; its title can be changed too:

```abm fragment
kpi engagement from library
  target >= 30%
  warn >= 20%

kpi meetings "Sales meetings held" from library
  target >= 6
```

**Overriding.** A KPI the playbook defines itself (`kpi engagement = ...`) is simply the
playbook's; library KPIs that use it by name (`engagement_lift` uses `engagement`) then use
the playbook's definition. A library KPI is checked against the playbook's own data sets: when
they lack a field it reads, `abm check` says which, at the line that takes it (ABM201), and a
name the library does not have is ABM251.

**The data the library reads.** The library's KPIs are written for activities with a `type`
whose values include `touch`, `reply`, `meeting`, `discussion`, `opportunity`,
`tender_invitation` and `contract`; a contact's `level` (`c_level`); a `cost` and, for the
value of opportunities and contracts, a `value` (money); a date `on`; and the links
`account_id` and `contact_id`. A playbook needs only the fields of the KPIs it takes. The
library is itself a playbook that checks clean:
[`abmdsl/library/kpis.abm`](../abmdsl/library/kpis.abm).

Like every KPI, these are measured on the programme's accounts (see
[`abm evaluate`](evaluate.md#which-rows-a-kpi-counts)); `engagement_lift` and `meeting_lift`
compare them with the control group.

| KPI | what it measures | formula |
|---|---|---|
"""


def render() -> str:
    rows = []
    for kpi in library_kpis().values():
        formula = expr(kpi.expr).replace("|", "\\|")
        about = kpi.about.replace("|", "\\|")
        rows.append(f"| `{kpi.name}` — {kpi.title} | {about} | `{formula}` |")
    return INTRO + "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    args = parser.parse_args(argv)
    page = render()
    if args.check:
        if PAGE.read_text(encoding="utf-8") != page:
            print(f"{PAGE} is out of date: run tools/kpi_library_doc.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)} from {SOURCE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
