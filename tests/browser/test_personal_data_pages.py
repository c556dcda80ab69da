"""An LMS admin answers an erasure request in Chromium on a phone (390 px): finds the
person, reads what will go, confirms; the audit trail and retention pages too. No page
scrolls sideways and none has a serious axe-core violation (screenshots in tests/artifacts/)."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from adapter.domain.commands import WriteReflection
from adapter.persistence.coaching_tables import reflections
from adapter.persistence.tables import people as people_table, resource_links
from adapter.services import coaching
from tests.peers.lti_platform import full_launch

from .conftest import check_accessibility
from .test_front_door_and_layout import PHONE, _fits

pytestmark = pytest.mark.browser


def _a_reflection(peers, learner: str) -> int:
    """The learner launches and writes a reflection; their person id."""
    full_launch(peers, learner)
    with peers.engine.connect() as conn:
        person_id, platform_id = conn.execute(select(people_table.c.id, people_table.c.platform_id)
                                              .where(people_table.c.sub == learner)).one()
        link = conn.execute(select(resource_links.c.id).where(resource_links.c.resource_link_id == "rl-feedback")
                            ).scalars().first()
        me = coaching.load_viewer(conn, person_id, platform_id, ["learner"], None)
    coaching.submit_reflection(peers.engine, me, link, WriteReflection(
        learned="Name the behaviour", applying="In reviews", confidence="4"), time.time())
    return person_id


def _check(page, name: str) -> None:
    assert _fits(page) <= PHONE["width"], f"{name} scrolls sideways at 390 px"
    check_accessibility(page, name, page)


def _from_home(page, link: str, heading: str, name: str) -> None:
    """Back to the admin home, then the page ``link`` leads to; checked at 390 px."""
    page.get_by_role("link", name="Back to administration").click()
    page.get_by_role("link", name=link).click()
    page.get_by_role("heading", name=heading).wait_for()
    _check(page, name)


def test_an_lms_admin_erases_a_person_on_a_phone(chromium, peers, people):
    learner, _ = people
    _a_reflection(peers, learner)
    context = chromium.new_context(viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(peers.lms.login_url("admin-ada", "rl-feedback"))
    page.get_by_role("link", name="A person's data: export or erase").click()
    page.get_by_label("LMS user id or email").fill(f"{learner}@example.org")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Download everything (JSON)").wait_for()
    assert "1 reflection<" in page.content()
    _check(page, "person-390")

    page.get_by_role("link", name="Erase this person…").click()
    page.get_by_role("heading", name="Erase").wait_for()
    assert "cannot be undone" in page.content()
    _check(page, "person-erase-390")
    page.get_by_label("Yes, erase this person's data").check()
    page.get_by_role("button", name="Erase").click()
    page.get_by_role("heading", name="Erased").wait_for()
    with peers.engine.connect() as conn:
        assert conn.execute(select(people_table.c.id).where(people_table.c.sub == learner)).first() is None
    launched = full_launch(peers, learner)  # launching again starts fresh: a new person, no records
    assert launched.status_code == 200 and "Name the behaviour" not in launched.text
    with peers.engine.connect() as conn:
        # SQLite may hand the freed id to the new row: "fresh" is about what it holds, not its number.
        again = conn.execute(select(people_table.c.id).where(people_table.c.sub == learner)).scalar_one()
        assert conn.execute(select(reflections.c.id).where(reflections.c.learner_id == again)).first() is None

    page.get_by_role("link", name="Find someone else").click()
    _from_home(page, "Audit trail", "Audit trail", "audit-390")
    assert "person.erased" in page.content()
    _from_home(page, "Retention", "How long personal data is kept", "retention-390")
    context.close()
