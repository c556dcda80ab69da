"""Chromium through Playwright: one browser per session, a new context per test.

Debian's chromium only (never ``playwright install``); screenshots go to tests/artifacts/
and every page checked is run through axe-core (tests/browser/node_modules, installed by
``npm install --no-save --prefix tests/browser axe-core``).
"""
from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from adapter.demo.lms import ROLE_LEARNER, ROLE_MENTOR, DemoPerson

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).parent.parent / "artifacts"
_serial = itertools.count(1)


@pytest.fixture(scope="session")
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        # CI installs it (tests/run.sh); there, a missing browser is a failure, not a skip.
        (pytest.fail if os.environ.get("CI") else pytest.skip)("Debian's chromium is not installed")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


def refusals_of_policy(context) -> list[str]:
    """What the Content-Security-Policy refused in any page or frame of ``context``, as
    Chromium reports it on the console: the pages must work under it, refusing nothing."""
    refused: list[str] = []
    context.on("console", lambda message: "Content Security Policy" in message.text and refused.append(message.text))
    return refused


@pytest.fixture
def page(chromium):
    context = chromium.new_context()
    context.set_default_timeout(10_000)
    refused = refusals_of_policy(context)
    yield context.new_page()
    context.close()
    assert not refused, refused


@pytest.fixture
def people(peers):
    """A learner and their manager (Mentor), new to the tool."""
    n = next(_serial)
    learner, manager = f"browser-learner-{n}", f"browser-manager-{n}"
    peers.lms.people[learner] = DemoPerson(learner, f"Lena Browser {n}", f"{learner}@example.org", [ROLE_LEARNER])
    peers.lms.people[manager] = DemoPerson(manager, f"Max Browser {n}", f"{manager}@example.org", [ROLE_MENTOR],
                                           mentees=[learner])
    return learner, manager


def tool_frame(page, peers):
    """The tool's document inside the LMS course page's iframe."""
    return next(frame for frame in page.frames if frame.url.startswith(peers.tool_url))


def check_accessibility(target, name: str, page) -> None:
    """No serious or critical axe-core violation; a screenshot either way. After a form's
    answer the text can be laid out before the stylesheet and deferred scripts are: wait for them."""
    page.wait_for_load_state("load")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    if not AXE.exists():
        pytest.fail(f"axe-core is missing: npm install --no-save --prefix {AXE.parents[2]} axe-core")
    target.evaluate(AXE.read_text())  # over DevTools: the pages' policy refuses injected script tags
    results = target.evaluate("() => axe.run()")
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"]
               if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name}: {serious}"
