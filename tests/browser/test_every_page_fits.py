"""Each persona's main pages in Chromium at 1280 and 390 px: nothing scrolls sideways,
axe-core finds no serious violation, and a screenshot of each lands in tests/artifacts/
(named persona-page-width) for people to look at."""
from __future__ import annotations

import re

import pytest

from adapter.cli import main
from tests.peers.lti_platform import full_launch

from .conftest import check_accessibility

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)


def _walk(chromium, width: int, start: str, pages: list[tuple[str, str]], name: str) -> None:
    """Open ``start`` (a launch or sign-in link), then each (label, path) in the same session."""
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(start)
    base = re.match(r"https?://[^/]+", page.url).group(0)
    for label, path in pages:
        if path:
            page.goto(base + path)
        page.wait_for_load_state("load")
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name} {label} at {width} px is {wide} px wide"
        check_accessibility(page, f"{name}-{label}-{width}", page)
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_learner_and_manager_pages(chromium, peers, people, width):
    learner, manager = people
    full_launch(peers, manager)
    full_launch(peers, learner)
    _walk(chromium, width, peers.lms.login_url(learner, "rl-feedback"), [("activity", "")], "learner")
    _walk(chromium, width, peers.lms.login_url(manager, "rl-feedback"),
          [("team", ""), ("reports", "/manager/reports")], "manager")


@pytest.mark.parametrize("width", WIDTHS)
def test_instructor_and_admin_pages(chromium, peers, width, monkeypatch, capsys):
    _walk(chromium, width, peers.lms.login_url("instructor-ivan", "rl-feedback"),
          [("course", ""), ("outcomes", "/instructor/reports")], "instructor")
    _walk(chromium, width, peers.lms.login_url("instructor-ivan", "deep-link"), [("add-activity", "")],
          "instructor")
    _walk(chromium, width, peers.lms.login_url("admin-ada", "rl-feedback"),
          [("home", ""), ("lrs", "/admin/lrs"), ("relationships", "/admin/relationships"),
           ("outcomes", "/admin/reports")], "admin")
    monkeypatch.setenv("DATABASE_URL", peers.engine.url.render_as_string(hide_password=False))
    assert main(["admin", "link", "--base-url", peers.tool_url]) == 0
    _walk(chromium, width, capsys.readouterr().out.strip().splitlines()[-1],
          [("home", ""), ("delivery", "/admin/delivery")], "operator")
