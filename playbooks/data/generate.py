"""Generate the bundled sample data: accounts and contacts for the seed pilot.

A seeded generator, so the files are reproducible byte for byte:

    python playbooks/data/generate.py            # writes accounts.csv and contacts.csv here

The accounts look like a Russian CRM export: `;` as delimiter, a UTF-8 byte-order mark,
yes/no flags. About 300 companies in five industries; a handful of open, budgeted ones with
an insider (more than the tailored tier's five places), and enough mid-range ones per
industry to form the cluster tier's 8–15-account clusters.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    account_rows = accounts(rng, args.accounts)
    write(args.out / "accounts.csv", account_rows, bom=True)
    write(args.out / "contacts.csv", contacts(rng, account_rows), bom=False)


if __name__ == "__main__":
    main()
