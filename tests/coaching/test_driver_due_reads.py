"""The to-do pages' reads written as SQL text on the driver (adapter/persistence/due_queries.py)
give what the SQLAlchemy Core queries they replaced gave — same rows, types and order — on SQLite
and on PostgreSQL (``COACHBRIDGE_TEST_DATABASE=postgresql``), on test_driver_reads.py's records
plus a course rhythm, a second learner and a manager's own rhythm."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Text, cast, exists, func, select

from adapter.domain.due import CADENCE_PARAMETER, CheckInPlan, course_cadence_days
from adapter.persistence import due_queries, people_store, roster_store
from adapter.persistence.coaching_tables import agreed_actions, conversations, reflections, validation_requests
from adapter.persistence.tables import memberships, resource_links
from tests.coaching.test_driver_reads import NOW, database_url_of_module, engine, world  # noqa: F401 (fixtures)
from tests.xapi_bridge.world import new_world


@pytest.fixture(scope="module")
def team(engine, world):  # noqa: F811 (the imported fixtures)
    """The world's learner, a second one with a pending request and a reflection but no
    conversation, someone with nothing but an inactive membership; a course rhythm on each
    one's course (two on one)."""
    other = new_world(engine)
    other.ask_validation()
    other.reflect()
    nobody = world.extra["other_manager"]
    with engine.begin() as conn:
        people_store.save_membership(conn, other.context_pk, other.learner_id, ["learner"], ["Learner"], NOW)
        people_store.save_membership(conn, other.context_pk, nobody, ["learner"], ["Learner"], NOW)
        roster_store.set_member_status(conn, other.context_pk, nobody, "Inactive", NOW)
        for (w, link), weeks in zip(((world, "rl-rhythm"), (other, "rl-rhythm"), (other, "rl-rhythm-2")), ("2", "3", "1")):
            people_store.save_resource_link(conn, w.platform_id, "dep-1", {"id": link}, w.context_pk,
                                            {CADENCE_PARAMETER: weeks, "other": "«x»"})
        due_queries.set_cadence(conn, world.manager_id, 14, NOW)
    return [world.learner_id, other.learner_id, nobody]


def _live(table):
    return table.c.withdrawn_at.is_(None)


def test_a_managers_to_do_reads_give_what_the_core_queries_gave(engine, world, team):  # noqa: F811
    v, c, a, r = validation_requests, conversations, agreed_actions, reflections
    with engine.connect() as conn:
        core = [dict(row) for row in conn.execute(
            select(v.c.id, v.c.learner_id, v.c.resource_link_pk, v.c.updated_at.label("asked_at"),
                   resource_links.c.title.label("activity"))
            .outerjoin(resource_links, resource_links.c.id == v.c.resource_link_pk)
            .where(v.c.learner_id.in_(team), v.c.status == "pending", _live(v)).order_by(v.c.updated_at, v.c.id)).mappings()]
        assert due_queries.pending_validations(conn, team) == core and len(core) == 2
        assert {row["activity"] for row in core} == {None, "Giving feedback"}

        ranked = select(c.c.id, c.c.learner_id, c.c.held_on, c.c.next_on, func.row_number().over(
            partition_by=c.c.learner_id, order_by=(c.c.held_on.desc(), c.c.id.desc())).label("n")
        ).where(c.c.learner_id.in_(team), _live(c)).subquery()
        core = {row["learner_id"]: CheckInPlan(row["learner_id"], row["held_on"], row["next_on"], row["id"])
                for row in conn.execute(select(ranked).where(ranked.c.n == 1)).mappings()}
        assert due_queries.latest_conversations(conn, team) == core
        assert core[world.learner_id].last_held_on == date(2026, 11, 25) and core[world.learner_id].next_on is None

        for until in (date(2026, 11, 30), date(2026, 12, 1), date(2027, 1, 1)):
            core = [dict(row) for row in conn.execute(
                select(a.c.id, a.c.learner_id, a.c.manager_id, a.c.description, a.c.owner, a.c.due_on, a.c.resource_link_pk)
                .where(a.c.learner_id.in_(team), a.c.status == "open", a.c.due_on <= until, _live(a))
                .order_by(a.c.due_on, a.c.id)).mappings()]
            assert due_queries.open_actions_due_by(conn, team, until) == core
            assert len(core) == (until >= date(2026, 12, 1))

        for manager in (world.manager_id, world.extra["other_manager"]):
            talked = exists().where(c.c.learner_id == r.c.learner_id, c.c.manager_id == manager, _live(c))
            core = list(conn.execute(select(r.c.learner_id).distinct().where(r.c.learner_id.in_(team), _live(r), ~talked))
                        .scalars())
            assert sorted(due_queries.reflected_without_talking(conn, manager, team)) == sorted(core)
        assert due_queries.reflected_without_talking(conn, world.manager_id, team) == [team[1]]

        assert due_queries.cadence_of(conn, world.manager_id) == 14
        assert due_queries.cadence_of(conn, world.extra["other_manager"]) is None
        assert due_queries.unrated_conversations(conn, world.learner_id) == [dict(row) for row in conn.execute(
            select(c.c.id, c.c.held_on, c.c.manager_id, c.c.kind).where(
                c.c.learner_id == world.learner_id, c.c.rating.is_(None), _live(c)).order_by(c.c.held_on.desc())
        ).mappings()]
        assert [row["held_on"] for row in due_queries.unrated_conversations(conn, world.learner_id)] == [
            date(2026, 11, 25), date(2026, 2, 28)]
        for none in ([], {}):
            assert due_queries.pending_validations(conn, none) == [] and due_queries.latest_conversations(conn, none) == {}


def _core_course_cadences(conn, learner_ids=None):
    links = resource_links
    query = (select(memberships.c.person_id, links.c.custom)
             .join(links, links.c.context_pk == memberships.c.context_pk)
             .where(memberships.c.status == "Active", cast(links.c.custom, Text).like(f"%{CADENCE_PARAMETER}%")))
    if learner_ids is not None:
        query = query.where(memberships.c.person_id.in_(list(learner_ids)))
    found: dict[int, int] = {}
    for person_id, custom in conn.execute(query):
        days = course_cadence_days(custom)
        if days:
            found[person_id] = min(days, found.get(person_id, days))
    return found


def test_course_rhythms_read_as_the_core_query_read_them(engine, team):  # noqa: F811
    with engine.connect() as conn:
        for learners in (team, team[:1], [], None):
            assert due_queries.course_cadences(conn, learners) == _core_course_cadences(conn, learners)
        assert due_queries.course_cadences(conn, team) == {team[0]: 14, team[1]: 7}
