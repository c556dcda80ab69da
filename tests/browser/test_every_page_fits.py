"""Each persona's main pages in Chromium at 1280 and 390 px, launched inside the demo LMS's
course page (its iframe) as people meet them: nothing scrolls sideways, in the frame or the
page around it; axe-core, run inside the frame, finds no serious violation; and a
screenshot of each lands in tests/artifacts/ (named persona-page-width) for people to look
at. The Deep Linking page (the LMS opens it in a new window) and the operator's pages
(signed in with a link, outside any LMS) are checked as their own windows. German, whose
words run longest, walks the launched pages again at 390 px (screenshots named de-…)."""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from adapter.cli import main
from adapter.persistence.coaching_store import audit
from adapter.persistence.coaching_tables import audit_events
from adapter.persistence.tables import people as people_table
from adapter.web.admin_audit import PAGE_SIZE
from tests.peers.lti_platform import browser, demo_platform_id, full_launch

from .conftest import check_accessibility, tool_frame

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
PHONE = 390
LONGEST_WORDS = "de-DE"  # launch_presentation.locale of the walk in German


def _fits(target, width_of: str, name: str) -> None:
    wide, room = target.evaluate(f"[document.documentElement.scrollWidth, {width_of}]")
    assert wide <= room, f"{name} is {wide} px wide in {room} px"


# Buttons, badges and table cells whose text runs past their own box (clipped or spilling
# over a neighbour) even when the page as a whole fits; the phone's hidden table heads aside.
STICKING_OUT = """() => [...document.querySelectorAll('button, .button, .badge, td, tbody th, label, legend')]
  .filter(e => !e.closest('thead') && e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1)
  .map(e => `${e.tagName.toLowerCase()} "${e.innerText.trim().slice(0, 40)}" ${e.scrollWidth}/${e.clientWidth} px`)"""


def _controls_hold_their_text(target, name: str) -> None:
    assert target.evaluate(STICKING_OUT) == [], f"{name}: text runs out of its box"


def _walk_in_lms(chromium, peers, width: int, user: str, pages: list[tuple[str, str]], name: str,
                 locale: str = "") -> None:
    """The LMS course page framing the tool (launched as ``user``, in ``locale`` when given),
    then each (label, path) opened in that frame, in the same session."""
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{peers.lms_url}/course/{user}/rl-feedback" + (f"?locale={locale}" if locale else ""))
    page.wait_for_function("() => [...document.querySelectorAll('iframe')].some(f => f.src)")
    frame = None
    for label, path in pages:
        if path:
            answer = frame.goto(peers.tool_url + path)
            assert answer.ok, f"{name} {label}: {answer.status}"  # still signed in, inside the frame
        else:
            frame = next(f for f in page.frames if f.url.startswith(peers.tool_url + "/") and "/lti/" not in f.url) \
                if frame else _landed(page, peers)
        frame.wait_for_selector("h1")
        if locale:  # the launch's locale reached the page (else the walk would measure English)
            assert frame.evaluate("document.documentElement.lang") == locale, f"{name} {label}"
        if frame.evaluate("!!document.querySelector('script[src*=frame_resize]')"):  # not the export file
            _sized_to_the_page(page, frame, f"{name} {label} at {width} px")
        _fits(frame, "document.documentElement.clientWidth", f"{name} {label} at {width} px, in the frame,")
        _fits(page, str(width), f"{name} {label} at {width} px, the LMS page,")
        _controls_hold_their_text(frame, f"{name} {label} at {width} px")
        check_accessibility(frame, f"{_prefix(locale)}{name}-{label}-{width}", page)
    context.close()


def _prefix(locale: str) -> str:
    """Screenshots of a walk in a locale are named after its language (de-learner-…)."""
    return f"{locale.split('-')[0]}-" if locale else ""


def _sized_to_the_page(page, frame, where: str) -> None:
    """lti.frameResize: the LMS sizes the frame to the page (so the screenshot shows all of
    it), and shrinks it again for a shorter one. Both are read again until they agree: the
    page may still be settling (a chart, a font)."""
    heights = (0, -1)
    for _ in range(100):
        heights = (frame.evaluate("Math.ceil(document.documentElement.getBoundingClientRect().height)"),
                   page.evaluate("document.querySelector('iframe[title=coachbridge]').clientHeight"))
        if abs(heights[0] - heights[1]) <= 1:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{where}: the page is {heights[0]} px tall, its frame {heights[1]} px")


def _landed(page, peers):
    page.frame_locator("iframe[title=coachbridge]").locator("h1").wait_for()
    return tool_frame(page, peers)


def _walk(chromium, width: int, start: str, pages: list[tuple[str, str]], name: str) -> None:
    """A window of its own: open ``start`` (a launch or sign-in link), then each (label, path)."""
    context = chromium.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(start)
    base = re.match(r"https?://[^/]+", page.url).group(0)
    for label, path in pages:
        if path:
            page.goto(base + path)
        page.wait_for_load_state("load")
        _fits(page, str(width), f"{name} {label} at {width} px")
        _controls_hold_their_text(page, f"{name} {label} at {width} px")
        check_accessibility(page, f"{name}-{label}-{width}", page)
    context.close()


def _with_records(peers, learner: str) -> int:
    """The learner has reflected and asked for validation (pages with something on them); their id."""
    client = browser()
    full_launch(peers, learner, client=client)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(peers.tool_url + "/learner/").text).group(1)
    client.post(peers.tool_url + "/learner/reflection", data={
        "learned": "Name the behaviour", "applying": "In reviews", "confidence": "4", "csrf_token": token})
    client.post(peers.tool_url + "/learner/validation", data={"evidence": "Ran the retro", "csrf_token": token})
    with peers.engine.connect() as conn:
        return conn.execute(select(people_table.c.id).where(people_table.c.sub == learner)).scalar_one()


def _learner_and_manager(chromium, peers, people, width: int, locale: str = "") -> None:
    learner, manager = people
    full_launch(peers, manager)
    learner_id = _with_records(peers, learner)
    _walk_in_lms(chromium, peers, width, learner,
                 [("activity", ""), ("todo", "/learner/todo"), ("email", "/notifications/"),
                  ("my-data", "/learner/my-data.html")], "learner", locale)
    _walk_in_lms(chromium, peers, width, manager,
                 [("team", ""), ("mentee", f"/manager/team/{learner_id}"),
                  ("conversation", f"/manager/team/{learner_id}/conversation?template=grow"),
                  ("todo", "/manager/todo"), ("reports", "/manager/reports")], "manager", locale)


ERASED = {"via": "command line", "reflections": 3, "conversations": 2, "actions": 4, "validations": 1,
          "statements_voided": 12, "authored_kept": 1, "gradebook_entries": 1}  # a long entry's detail


def _a_full_audit_trail(peers) -> str:
    """More entries than the audit page shows (long ones, as an erasure leaves): the admin's
    walk measures a full page, and its link to older ones, whatever ran before. The path of
    the page of older entries."""
    platform_id = demo_platform_id(peers)
    with peers.engine.begin() as conn:
        for n in range(PAGE_SIZE + 1):
            audit(conn, at=time.time(), actor_id=None, platform_id=platform_id, action="person.erased",
                  record_type="person", record_id=n, detail=ERASED)
        newest = conn.execute(select(func.max(audit_events.c.id))).scalar_one()
    return f"/admin/audit?before={newest}"


def _instructor_and_admin(chromium, peers, width: int, locale: str = "") -> None:
    older = _a_full_audit_trail(peers)
    _walk_in_lms(chromium, peers, width, "instructor-ivan",
                 [("course", ""), ("outcomes", "/instructor/reports")], "instructor", locale)
    _walk_in_lms(chromium, peers, width, "admin-ada",
                 [("home", ""), ("lrs", "/admin/lrs"), ("new-lrs", "/admin/lrs/new"),
                  ("relationships", "/admin/relationships"), ("outcomes", "/admin/reports"),
                  ("people", "/admin/people"), ("retention", "/admin/retention"), ("audit", "/admin/audit"),
                  ("audit-older", older)],
                 "admin", locale)
    _walk(chromium, width, peers.lms.login_url("instructor-ivan", "deep-link", locale=locale),
          [("add-activity", "")], f"{_prefix(locale)}instructor")


@pytest.mark.parametrize("width", WIDTHS)
def test_learner_and_manager_pages_inside_the_lms(chromium, peers, people, width):
    _learner_and_manager(chromium, peers, people, width)


@pytest.mark.parametrize("width", WIDTHS)
def test_instructor_and_admin_pages_inside_the_lms(chromium, peers, width, monkeypatch, capsys):
    _instructor_and_admin(chromium, peers, width)
    monkeypatch.setenv("DATABASE_URL", peers.engine.url.render_as_string(hide_password=False))
    assert main(["admin", "link", "--base-url", peers.tool_url]) == 0
    _walk(chromium, width, capsys.readouterr().out.strip().splitlines()[-1],
          [("home", ""), ("delivery", "/admin/delivery"), ("mail", "/admin/mail"),
           ("new-platform", "/admin/platforms/new"), ("invitations", "/admin/invitations")], "operator")


def test_every_launched_page_in_german_fits_a_phone(chromium, peers, people):
    """German compounds (Gesprächsvorlagen, Aufbewahrungsfristen…) are the longest words the tool
    ships: every page launched in de-DE still fits 390 px, in the frame and as its own window."""
    _learner_and_manager(chromium, peers, people, PHONE, LONGEST_WORDS)
    _instructor_and_admin(chromium, peers, PHONE, LONGEST_WORDS)
