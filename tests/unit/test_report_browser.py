"""`abm report`'s HTML in a real browser: Debian's Chromium, headless, driven by Playwright.

The page is opened from disk (a ``file://`` URL), as a strategist opens the file they were
sent. It must raise no console or page error, and every section and chart must be on the
page with a size. A full-page screenshot is kept as a test artefact in
``out/test-artifacts/report.png`` for a person to look at.

Without Chromium the test is skipped, unless ``ABM_REQUIRE_ENGINES=1`` (CI sets it): then a
missing browser is a failure, not a silent skip. Playwright's Python package bundles its
driver; with ``executable_path`` it needs no browser download.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from abmdsl.cli import main
from abmdsl.report import SECTIONS

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTEFACT = ROOT / "out" / "test-artifacts" / "report.png"
CHARTS = ("chart-matrix", "chart-gantt", "chart-cadence-weeks", "chart-cadence-days")
CHARTS += ("chart-cadence-steps", "chart-sim-pass", "chart-sim-outcomes", "chart-sim-ranges")


def _browser_or_skip() -> str:
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if found is None:
        if os.environ.get("ABM_REQUIRE_ENGINES") == "1":
            pytest.fail(
                f"Chromium is required here (ABM_REQUIRE_ENGINES=1) and {CHROMIUM} is missing"
            )
        pytest.skip(f"no Chromium at {CHROMIUM}")
    return found


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "report.html"
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        args = ["report", "playbooks/pharma_pilot.abm", "--accounts", "playbooks/data/accounts.csv"]
        args += ["--contacts", "playbooks/data/contacts.csv"]
        args += ["--activities", "playbooks/data/activities.csv", "--simulate", "200"]
        assert main([*args, "-o", str(out)]) == 0
    return out


def test_the_report_opens_cleanly_in_chromium(page_file: Path) -> None:
    executable = _browser_or_skip()
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri(), wait_until="load")
            boxes = {
                f"#{name}": page.locator(f"#{name}").bounding_box() for name in (*SECTIONS, *CHARTS)
            }
            widths = page.evaluate(
                "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
            )
            ARTEFACT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTEFACT), full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert requests == [page_file.as_uri()], "the page loaded something besides itself"
    for selector, box in boxes.items():
        assert box is not None and box["width"] > 100 and box["height"] > 50, selector
    assert widths[0] == widths[1], "the page is wider than the window"
    assert ARTEFACT.stat().st_size > 50_000
