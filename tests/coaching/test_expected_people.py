"""People before their first launch: an import names them by email and/or LMS user id;
their first launch (by sub, else by the email the platform signs) matches them, once and
audited; Excel's semicolons and BOM are read; the template is a file the import accepts."""
from __future__ import annotations

import itertools
import re
import time

from sqlalchemy import func, select

from adapter.demo.lms import ROLE_LEARNER, DemoPerson
from adapter.domain.relationships import parse_relationship_csv
from adapter.persistence.coaching_tables import audit_events
from adapter.persistence.people_tables import expected_people
from adapter.persistence.tables import manager_links, people
from adapter.persistence.expected_people_store import expect_person, match_expected, waiting_count
from adapter.services.launches import vouched_email
from adapter.services.relationships import import_relationships
from tests.peers.lti_platform import browser, full_launch

from .test_navigation import sections
from .test_relationships import platform_of

_serial = itertools.count(1)


def newcomers(peers) -> tuple[str, str]:
    """A learner and a manager the LMS knows (plain Learner role both) but the tool does not."""
    n = next(_serial)
    learner, manager = f"newcomer-{n}", f"boss-{n}"
    peers.lms.people[learner] = DemoPerson(learner, f"Nora Newcomer {n}", f"Nora.{n}@Example.org", [ROLE_LEARNER])
    peers.lms.people[manager] = DemoPerson(manager, f"Bo Boss {n}", f"bo.{n}@example.org", [ROLE_LEARNER])
    return learner, manager


def imported_by_email(peers) -> tuple[str, str, int, str]:
    """A manager who launched, and their learner imported by email only (never launched)."""
    learner, manager = newcomers(peers)
    full_launch(peers, manager)
    platform_id = platform_of(peers, manager)
    email = peers.lms.people[learner].email
    assert import_relationships(peers.engine, None, platform_id, f"learner_email,manager_user_id\n{email},{manager}\n",
                                time.time()).written
    return learner, manager, platform_id, email


def rows_for(peers, email: str) -> list[dict]:
    with peers.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(people).where(func.lower(people.c.email) == email.lower()))
                .mappings()]


def matches(peers, person_id: int) -> list[dict]:
    with peers.engine.connect() as conn:
        return [r.detail for r in conn.execute(select(audit_events.c.detail).where(
            audit_events.c.action == "person.matched", audit_events.c.record_id == person_id))]


def test_an_excel_file_of_people_who_never_launched_is_imported_and_matched_at_first_launch(peers, team, launch):
    learner, manager = newcomers(peers)
    admin = launch("admin-ada")
    platform_id = platform_of(peers, "admin-ada")
    excel = f"\ufefflearner_email;manager_user_id\r\nnora.{learner.split('-')[1]}@example.org;{manager}\r\n"
    page = admin.client.post(peers.tool_url + "/admin/relationships", data={
        "platform_id": str(platform_id), "csrf_token": admin.csrf("/admin/relationships")},
        files={"csv_file": ("team.csv", excel.encode("utf-8"), "text/csv")})
    assert page.status_code == 200, page.text
    assert "Imported 1 row" in page.text and "2 of the people named have not opened coachbridge yet" in page.text

    boss_page = full_launch(peers, manager)  # a Learner launch: the team is known from the import
    assert "Your team" in sections(boss_page.text)
    boss = next(iter(rows_for(peers, f"bo.{manager.split('-')[1]}@example.org")))
    assert matches(peers, boss["id"]) == [{"by": "sub", "source": "import"}]

    full_launch(peers, learner)  # the placeholder becomes this person: one row, with the LMS's sub
    [nora] = rows_for(peers, peers.lms.people[learner].email)
    assert nora["sub"] == learner and nora["name"].startswith("Nora Newcomer")
    assert matches(peers, nora["id"]) == [{"by": "email", "source": "import"}]
    full_launch(peers, learner)
    assert len(matches(peers, nora["id"])) == 1  # matched once
    with peers.engine.connect() as conn:
        link = conn.execute(select(manager_links).where(manager_links.c.learner_id == nora["id"])).mappings().one()
    assert (link["manager_id"], link["source"], link["ended_at"]) == (boss["id"], "import", None)


def test_only_an_email_the_platform_vouches_for_is_matched(peers):
    assert vouched_email({"email": "a@example.org"}) == "a@example.org"
    assert vouched_email({"email": "a@example.org", "email_verified": False}) == ""
    learner, manager, platform_id, email = imported_by_email(peers)
    with peers.engine.begin() as conn:
        assert match_expected(conn, platform_id, learner, "", time.time()) is None
    [row] = rows_for(peers, email)
    assert row["sub"].startswith("expected:")


def test_a_roster_row_made_before_the_launch_takes_over_the_placeholders_relationships(peers):
    learner, manager, platform_id, email = imported_by_email(peers)
    # The learner's LMS user id becomes known without their email (a second import by id).
    assert import_relationships(peers.engine, None, platform_id, f"learner_user_id,manager_user_id\n{learner},{manager}\n",
                                time.time()).written
    assert len(rows_for(peers, email)) == 1  # only the placeholder has the email so far
    full_launch(peers, learner)
    [row] = rows_for(peers, email)
    assert row["sub"] == learner and matches(peers, row["id"]) == [{"by": "sub", "source": "import"}]
    assert not [r for r in rows_for(peers, email) if r["sub"].startswith("expected:")]
    with peers.engine.connect() as conn:
        links = conn.execute(select(manager_links.c.source).where(manager_links.c.learner_id == row["id"])).all()
        waiting = conn.execute(select(func.count()).select_from(expected_people).where(
            expected_people.c.email == email.lower(), expected_people.c.matched_at.is_(None))).scalar_one()
    assert len(links) == 1 and waiting == 0


def test_the_template_is_a_file_the_import_reads(peers, launch):
    admin = launch("admin-ada")
    template = admin.get("/admin/relationships/template.csv")
    assert template.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in template.headers["Content-Disposition"]
    rows, problems = parse_relationship_csv(template.text)
    assert len(rows) == 2 and not problems


def test_a_learner_can_name_a_manager_who_never_opened_coachbridge(peers, launch):
    learner, manager = newcomers(peers)
    named = launch(learner)
    refused = named.post("/learner/nomination", {"manager_email": "not an address"}, "/learner/")
    assert refused.status_code == 400 and "is not an email address" in refused.text
    asked = named.post("/learner/nomination", {"manager_email": peers.lms.people[manager].email.upper()}, "/learner/")
    assert "Waiting for" in asked.text

    first = browser()
    page = full_launch(peers, manager, client=first)  # their first launch: the email their LMS sends matches
    assert "named you as their manager" in page.text
    nomination = re.search(r'action="/manager/nominations/(\d+)"', page.text).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    confirmed = first.post(f"{peers.tool_url}/manager/nominations/{nomination}",
                           data={"answer": "confirm", "csrf_token": csrf})
    assert confirmed.status_code == 200 and peers.lms.people[learner].name in confirmed.text
    [boss] = rows_for(peers, peers.lms.people[manager].email)
    assert boss["sub"] == manager and matches(peers, boss["id"]) == [{"by": "email", "source": "nomination"}]


def test_a_launch_on_a_platform_where_many_wait_for_others_lands_and_matches_nobody(peers):
    learner, manager = newcomers(peers)
    full_launch(peers, manager)
    platform_id = platform_of(peers, manager)
    with peers.engine.begin() as conn:
        for n in range(2000):  # named by email only, and by LMS user id: none of them launches here
            expect_person(conn, platform_id, source="import", now=time.time(), email=f"many-{learner}-{n}@example.org",
                          **({"user_id": f"many-{learner}-{n}"} if n % 2 else {}))
        waiting = waiting_count(conn, platform_id)
    page = full_launch(peers, learner)
    assert "Giving feedback" in page.text
    [row] = rows_for(peers, peers.lms.people[learner].email)
    assert row["sub"] == learner and matches(peers, row["id"]) == []
    with peers.engine.connect() as conn:
        assert waiting_count(conn, platform_id) == waiting
