"""Manager relationships: the admin's CSV import (all or nothing) and confirmed nominations."""
from __future__ import annotations

import time

from sqlalchemy import func, select

from adapter.domain.relationships import parse_relationship_csv
from adapter.persistence.tables import manager_links, people
from adapter.services.relationships import import_relationships
from tests.peers.lti_platform import demo_platform_id


def test_bad_rows_are_reported_by_line_number():
    rows, problems = parse_relationship_csv(
        "learner_user_id,manager_email\n"
        "u1,boss@example.org\n"
        ",boss@example.org\n"
        "u3,not-an-email\n"
        "\n"
        "u5,\n")
    assert [r.line for r in rows] == [2]
    assert [str(p) for p in problems] == ["line 3: no learner user id or email", "line 4: an email address has no @",
                                          "line 6: no manager user id or email"]


def test_a_header_without_a_manager_column_is_refused():
    rows, problems = parse_relationship_csv("learner_email,boss\nana@example.org,x\n")
    assert not rows and problems[0].line == 1 and "manager" in str(problems[0])


def platform_of(peers, sub):
    """The demo LMS's platform, where ``sub`` has launched."""
    with peers.engine.connect() as conn:
        return conn.execute(select(people.c.platform_id).where(
            people.c.sub == sub, people.c.platform_id == demo_platform_id(peers))).scalar_one()


def link_count(peers) -> int:
    with peers.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(manager_links)).scalar_one()


def test_import_writes_every_row_or_none(peers, team, launch):
    launch(team.learner)
    launch(team.other_learner)
    platform_id = platform_of(peers, team.learner)
    before = link_count(peers), people_count(peers)
    bad = import_relationships(peers.engine, None, platform_id,
                               "learner_email,manager_email,manager_user_id\n"
                               f"{team.learner}@example.org,{team.other_learner}@example.org,\n"
                               f"new-{team.learner}@example.org,,not-launched-{team.learner}\n"
                               f"{team.other_learner}@example.org,,{team.other_learner}\n", time.time())
    assert not bad.written and [str(p) for p in bad.problems] == ["line 4: a person cannot be their own manager"]
    assert (link_count(peers), people_count(peers)) == before  # neither the good rows nor the new people

    good = import_relationships(peers.engine, None, platform_id,
                                "learner_email,manager_user_id\n"
                                f"{team.learner}@example.org,{team.other_learner}\n", time.time())
    assert good.written and good.started == 1 and link_count(peers) == before[0] + 1


def people_count(peers) -> int:
    with peers.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(people)).scalar_one()


def test_admin_imports_through_the_page(peers, team, launch):
    launch(team.learner)
    admin = launch("admin-ada")
    page = admin.post("/admin/relationships", {"platform_id": str(platform_of(peers, team.learner)),
                                               "csv_text": f"learner_user_id,manager_user_id\n"
                                                           f"{team.learner},{team.other_learner}\n"
                                                           f"{team.learner},\n"}, "/admin/relationships")
    assert page.status_code == 400 and "line 3: no manager user id or email" in page.text


def test_nomination_becomes_a_link_once_the_manager_confirms(peers, team, launch):
    launch(team.other_learner)  # the manager-to-be has used the tool
    learner = launch(team.learner)
    asked = learner.post("/learner/nomination", {"manager_email": f"{team.other_learner}@example.org"}, "/learner/")
    assert "Waiting for" in asked.text

    nominee = launch(team.other_learner)  # a learner by role, but now named as a manager
    team_page = nominee.get("/manager/")
    assert team_page.status_code == 200 and "named you as their manager" in team_page.text
    confirmed = nominee.post("/manager/nominations/" + team_page.text.split("/manager/nominations/")[1].split('"')[0],
                             {"answer": "confirm"}, "/manager/")
    assert confirmed.status_code == 200 and "Learner" in confirmed.text
    with peers.engine.connect() as conn:
        sources = conn.execute(select(manager_links.c.source).join(people, people.c.id == manager_links.c.learner_id)
                               .where(people.c.sub == team.learner, manager_links.c.ended_at.is_(None))).scalars().all()
    assert sources == ["nomination"]
