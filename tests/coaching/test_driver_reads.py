"""The pages' reads written as SQL text on the driver (adapter/persistence/driver_rows.py) give
what SQLAlchemy Core gives for the same rows: dates parsed from SQLite's text, JSON decoded,
NULLs kept, the same order, withdrawn records left out — on SQLite and on PostgreSQL
(``COACHBRIDGE_TEST_DATABASE=postgresql``). Each read is compared with the Core query it
replaced, on records made through the service layer plus a few written directly."""
from __future__ import annotations

import time
from datetime import date

import pytest
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, Table, and_, func, insert, select

from adapter.config import Settings
from adapter.domain.coaching import ActivityRef, Conversation, Reflection
from adapter.domain.relationships import ManagerLink
from adapter.domain.validation import Decision, ValidationRequest
from adapter.domain.withdrawal import Withdrawal
from adapter.persistence import (
    coaching_reads, driver_rows, people_store, placement_store, relationships_store, roster_store,
)
from adapter.persistence import coaching_store as store
from adapter.persistence.coaching_tables import (
    agreed_actions, audit_events, conversations, reflections, validation_decisions, validation_requests,
)
from adapter.persistence.placement_tables import placements
from adapter.persistence.tables import manager_links, memberships, people, platforms, resource_links
from adapter.web import create_app
from tests.xapi_bridge.world import new_world

NOW = time.time()


@pytest.fixture(scope="module")
def engine(database_url_of_module, tmp_path_factory):
    app = create_app(Settings.from_env({"DATABASE_URL": database_url_of_module,
                                        "COACHBRIDGE_INSTANCE": str(tmp_path_factory.mktemp("instance"))}))
    return app.extensions["coachbridge"].engine


@pytest.fixture(scope="module")
def database_url_of_module(postgres, tmp_path_factory):
    return postgres.new_database() if postgres else f"sqlite:///{tmp_path_factory.mktemp('reads') / 'tool.db'}"


@pytest.fixture(scope="module")
def world(engine):
    """A learner with records of every kind, on the launched link and on none, some withdrawn,
    dates and ratings set and missing, JSON with text that needs escaping."""
    w = new_world(engine)
    w.withdraw("reflection", w.reflect(learned="Taken back").id)
    w.reflect(learned="Ask first — «naïve» \u2028 \"quoted\"")
    w.withdraw_conversation(w.conversation("oskar", held_on="2026-11-30").id)
    first = w.check_in(private_notes="Only mine")  # held 2026-11-20, next 2026-12-04, an action due 2026-12-01
    w.conversation("grow", held_on="2026-11-25")  # no next date, an action with no due date
    w.rate(first.id, "4")
    asked = w.ask_validation()
    w.decide(asked.id, "needs_more_evidence")
    w.ask_validation(evidence="Again, with the review notes")
    w.decide(asked.id, "validated")
    with engine.begin() as conn:
        context = w.context_pk
        follows = people_store.save_resource_link(conn, w.platform_id, "dep-1", {"id": "rl-2"}, context,
                                                  {"follows": "rl-1", "nested": {"a": [1, 2.5, None, True]}})
        numbered = people_store.save_resource_link(conn, w.platform_id, "dep-1", {"id": "7", "title": "Seven"},
                                                   context, {})
        by_number = people_store.save_resource_link(conn, w.platform_id, "dep-1", {"id": "rl-3"}, context,
                                                    {"follows": 7})
        people_store.save_membership(conn, context, w.learner_id, ["learner"], ["Learner"], NOW)
        elsewhere = people_store.save_context(conn, w.platform_id, "dep-1", {"id": "course-2", "title": "Not mine"})
        people_store.save_resource_link(conn, w.platform_id, "dep-1", {"id": "rl-9", "title": "A"}, elsewhere, {})
        other = people_store.save_person(conn, w.platform_id, "manager-b", {"email": "b@example.org"}, NOW)
        stub = people_store.stub_person(conn, w.platform_id, "nobody-yet", NOW)
        relationships_store.link_manager(conn, ManagerLink(w.learner_id, w.manager_id), "nomination", NOW + 1)
        relationships_store.link_manager(conn, ManagerLink(w.learner_id, other), "import", NOW + 2)
        conn.execute(insert(conversations).values(
            kind="check_in", template="check-in", learner_id=w.learner_id, manager_id=other,
            platform_id=w.platform_id, context_pk=None, resource_link_pk=None, activity_iri=None,
            held_on=date(2026, 2, 28), answers={"progress": "é ✓ \u2028 \"x\" \\ </script>", "empty": ""},
            shared_notes="", private_notes="", next_on=None, rating=None, version=1, created_at=NOW,
            updated_at=NOW))
    with engine.begin() as conn:  # a request and a reflection on no link; a request withdrawn
        loose = store.add_validation(conn, ValidationRequest(w.learner_id, ActivityRef(w.platform_id), "On no link"),
                                     NOW)
        withdrawn = store.add_validation(conn, ValidationRequest(w.learner_id, ActivityRef(w.platform_id, context, follows),
                                                                 "Taken back"), NOW)
        store.withdraw(conn, "validation", withdrawn.id, 2, NOW + 3)
        store.add_reflection(conn, Reflection(w.learner_id, loose.activity, "On no link", "", "", 3), NOW)
    w.extra = {"links": {w.link_pk, follows, numbered, by_number}, "people": {w.learner_id, w.manager_id, other, stub},
               "withdrawn_validation": withdrawn.id, "loose_validation": loose.id, "other_manager": other}
    return w


def _core(conn, table, *where, order=()):
    return conn.execute(select(table).where(*where).order_by(*order)).mappings().all()


def _core_validations(conn, rows) -> list[ValidationRequest]:
    """validations as coaching_store read them with SQLAlchemy Core before: requests, then one
    query for their decisions."""
    decided = {row["id"]: [] for row in rows}
    for d in _core(conn, validation_decisions, validation_decisions.c.request_id.in_(list(decided)),
                   order=[validation_decisions.c.id]):
        decided[d["request_id"]].append(Decision(d["manager_id"], d["outcome"], d["feedback"], d["evidence_seen"],
                                                 d["request_version"], d["decided_at"]))
    return [ValidationRequest(learner_id=r["learner_id"], activity=store._activity(r), evidence=r["evidence"],
                              status=r["status"], decisions=tuple(decided[r["id"]]), id=r["id"], version=r["version"],
                              asked_at=r["created_at"], updated_at=r["updated_at"]) for r in rows]


@pytest.mark.parametrize("table", [reflections, conversations, agreed_actions, validation_requests,
                                   validation_decisions, resource_links, people, manager_links, platforms],
                         ids=lambda table: table.name)
def test_a_tables_rows_read_on_the_driver_are_what_sqlalchemy_reads(engine, world, table):
    with engine.connect() as conn:
        columns = driver_rows.Columns(table)
        on_driver = columns.read(conn, f"SELECT {columns.sql} FROM {table.name} ORDER BY id", {})
        assert on_driver == [dict(row) for row in _core(conn, table, order=[table.c.id])]
        assert on_driver
        for row in on_driver:  # equal values of equal types: a date is no str, a decoded dict no text
            core = dict(_core(conn, table, table.c.id == row["id"])[0])
            assert [type(v) for v in row.values()] == [type(v) for v in core.values()]


def test_dates_json_and_nulls_come_back_as_python_values(engine, world):
    with engine.connect() as conn:
        talks = store.conversations_of(conn, world.learner_id)
    by_day = {c.held_on: c for c in talks}
    assert set(by_day) == {date(2026, 11, 20), date(2026, 11, 25), date(2026, 2, 28)}
    assert by_day[date(2026, 11, 20)].next_on == date(2026, 12, 4) and by_day[date(2026, 11, 20)].rating == 4
    assert by_day[date(2026, 11, 25)].next_on is None and by_day[date(2026, 11, 25)].rating is None
    assert by_day[date(2026, 2, 28)].answers == {"progress": "é ✓ \u2028 \"x\" \\ </script>", "empty": ""}
    assert by_day[date(2026, 2, 28)].activity.resource_link_pk is None


def test_the_learner_reads_give_what_the_core_queries_gave(engine, world):
    me, link = world.learner_id, world.link_pk
    with engine.connect() as conn:
        live = reflections.c.withdrawn_at.is_(None)
        for on in (link, None):
            core = _core(conn, reflections, reflections.c.learner_id == me, reflections.c.resource_link_pk == on,
                         live, order=[reflections.c.id.desc()])
            assert store.reflection_on(conn, me, on) == store._reflection(core[0])
        assert store.reflection_on(conn, me, max(world.extra["links"])) is None

        core_talks = [store._conversation(r) for r in _core(
            conn, conversations, conversations.c.learner_id == me, conversations.c.withdrawn_at.is_(None),
            order=[conversations.c.held_on.desc(), conversations.c.id.desc()])]
        assert store.conversations_of(conn, me) == core_talks and len(core_talks) == 3
        assert all(isinstance(c, Conversation) for c in core_talks)

        for open_only in (False, True):
            where = [agreed_actions.c.learner_id == me, agreed_actions.c.withdrawn_at.is_(None)]
            where += [agreed_actions.c.status == "open"] if open_only else []
            core = [store._action(r) for r in _core(conn, agreed_actions, *where,
                                                    order=[agreed_actions.c.due_on, agreed_actions.c.id])]
            assert store.actions_of(conn, me, open_only=open_only) == core
        assert {a.due_on for a in store.actions_of(conn, me)} == {date(2026, 12, 1), None}


def test_validations_come_with_their_decisions_as_before(engine, world):
    me = world.learner_id
    v = validation_requests.c
    with engine.connect() as conn:
        mine = store.validations_of(conn, me)
        assert mine == _core_validations(conn, _core(conn, validation_requests, v.learner_id == me,
                                                     v.withdrawn_at.is_(None), order=[v.id.desc()]))
        assert [len(r.decisions) for r in mine] == [0, 2]  # the loose one (newest), then the decided one
        assert [d.outcome for d in mine[1].decisions] == ["needs_more_evidence", "validated"]
        for request in mine:
            assert store.get_validation(conn, request.id) == request
        withdrawn = world.extra["withdrawn_validation"]
        assert store.get_validation(conn, withdrawn) is None
        assert store.withdrawn_record(conn, "validation", withdrawn) == _core_validations(
            conn, _core(conn, validation_requests, v.id == withdrawn))[0]
        assert store.withdrawn_record(conn, "validation", mine[0].id) is None
        assert store.open_validation_on(conn, me, None) == store.get_validation(conn, world.extra["loose_validation"])
        assert store.open_validation_on(conn, me, world.link_pk) is None  # validated


def test_names_links_and_managers_read_as_before(engine, world):
    with engine.connect() as conn:
        people_ids = world.extra["people"]
        core_names = {r["id"]: r["name"] or r["email"] or r["sub"] for r in _core(conn, people, people.c.id.in_(people_ids))}
        assert coaching_reads.names(conn, people_ids) == core_names
        assert set(core_names.values()) >= {"b@example.org", "nobody-yet"}
        assert coaching_reads.names(conn, set()) == {}

        links = world.extra["links"]
        core_links = {r["id"]: dict(r) for r in conn.execute(
            people_store.named_links().where(resource_links.c.id.in_(links))).mappings()}
        assert coaching_reads.links_named(conn, links) == core_links
        assert {r["followed_title"] for r in core_links.values()} == {None, "Giving feedback", "Seven"}
        for link in links:
            assert people_store.named_link(conn, link) == core_links[link]
        assert people_store.named_link(conn, max(links) + 1000) is None

        assert relationships_store.managers_of(conn, world.learner_id) == [world.manager_id,
                                                                           world.extra["other_manager"]]


def test_the_manager_pages_reads_give_what_the_core_queries_gave(engine, world):
    me = world.learner_id
    with engine.connect() as conn:
        core_links = [dict(row) for row in conn.execute(people_store.named_links().join(
            memberships, and_(memberships.c.context_pk == resource_links.c.context_pk, memberships.c.person_id == me))
            .order_by(resource_links.c.title, resource_links.c.id)).mappings()]
        assert coaching_reads.course_links_of(conn, me) == core_links
        assert [link["title"] for link in core_links] == ["", "", "Giving feedback", "Seven"]  # not course-2's "A"
        live = [reflections.c.learner_id == me, reflections.c.withdrawn_at.is_(None)]
        assert coaching_reads.links_reflected_on(conn, me) == {r["resource_link_pk"] for r in _core(conn, reflections, *live)}
        assert coaching_reads.links_reflected_on(conn, me) == {world.link_pk, None}
        core = [dict(r) for r in _core(conn, reflections, *live,
                                       order=[reflections.c.updated_at.desc(), reflections.c.id.desc()])]
        assert coaching_reads.live_reflections(conn, me) == core and len(core) == 2



_SINGLE_READS = ((reflections, store.get_reflection, store._reflection),
                 (conversations, store.get_conversation, store._conversation),
                 (agreed_actions, store.get_action, store._action))


@pytest.mark.parametrize("table, read, build", _SINGLE_READS, ids=lambda each: getattr(each, "name", ""))
def test_a_forms_read_of_one_record_gives_what_the_core_query_gave(engine, world, table, read, build):
    with engine.connect() as conn:
        every = _core(conn, table, order=[table.c.id])
        assert {row["withdrawn_at"] is None for row in every} == {True, False}
        for row in every:
            core = _core(conn, table, table.c.id == row["id"], table.c.withdrawn_at.is_(None))
            assert read(conn, row["id"]) == (build(core[0]) if core else None)
        assert read(conn, every[-1]["id"] + 1000) is None
        if table is conversations:
            agreed = agreed_actions.c
            for row in every:
                core = _core(conn, agreed_actions, agreed.conversation_id == row["id"], agreed.withdrawn_at.is_(None),
                             order=[agreed.id])
                assert store.actions_agreed_in(conn, row["id"]) == [store._action(r) for r in core]


def _core_withdrawal(conn, record_type, table, record_id):
    """withdrawal_of as it read with SQLAlchemy Core before: two statements."""
    at = conn.execute(select(table.c.withdrawn_at).where(table.c.id == record_id)).scalar()
    if at is None:
        return None
    by = conn.execute(select(audit_events.c.actor_id).where(
        audit_events.c.record_id == record_id, audit_events.c.record_type.in_(store._AUDITED_AS[record_type]),
        audit_events.c.action.like("%.withdrawn")).order_by(audit_events.c.id.desc()).limit(1)).scalar()
    return Withdrawal(record_type, record_id, by, at) if by is not None else None


def test_a_withdrawal_and_the_withdrawn_record_read_as_the_core_queries_gave(engine, world):
    # Later audit lines about the withdrawn reflection's id: a second withdrawal (the latest names
    # who withdrew it), and two that name no withdrawal of a reflection.
    with engine.begin() as conn:
        withdrawn = _core(conn, reflections, reflections.c.withdrawn_at.is_not(None))[0]["id"]
        for action, record_type in (("reflection.withdrawn", "reflection"), ("reflection.exported", "reflection"),
                                    ("action.withdrawn", "action")):
            store.audit(conn, at=NOW + 5, actor_id=world.extra["other_manager"], platform_id=world.platform_id,
                        action=action, record_type=record_type, record_id=withdrawn)
    found = set()
    with engine.connect() as conn:
        for record_type, table in (("reflection", reflections), ("conversation", conversations),
                                   ("validation", validation_requests)):
            for row in _core(conn, table, order=[table.c.id]):
                withdrawal = store.withdrawal_of(conn, record_type, row["id"])
                assert withdrawal == _core_withdrawal(conn, record_type, table, row["id"])
                found.add((record_type, withdrawal is not None, row["withdrawn_at"] is not None))
                if record_type == "validation":
                    continue
                core = _core(conn, table, table.c.id == row["id"], table.c.withdrawn_at.is_not(None))
                build = store._reflection if record_type == "reflection" else store._conversation
                assert store.withdrawn_record(conn, record_type, row["id"]) == (build(core[0]) if core else None)
                if record_type == "conversation" and core:
                    agreed = agreed_actions.c
                    with_it = _core(conn, agreed_actions, agreed.conversation_id == row["id"],
                                    agreed.withdrawn_at == row["withdrawn_at"], order=[agreed.id])
                    assert store.actions_withdrawn_with(conn, row["id"], row["withdrawn_at"]) == [
                        store._action(r) for r in with_it] and with_it
            assert store.withdrawal_of(conn, record_type, 10**6) is None
    # withdrawn by someone (audited), live, and one withdrawn with no audit line (written directly)
    assert {("reflection", True, True), ("conversation", True, True), ("conversation", False, False),
            ("validation", False, True)} <= found

def test_a_teams_reads_give_each_learner_what_their_own_read_gives(engine, world):
    other = new_world(engine)
    other.check_in(private_notes="")
    other.decide(other.ask_validation().id, "validated")
    other.reflect()
    with engine.begin() as conn:
        people_store.save_membership(conn, other.context_pk, other.learner_id, ["learner"], ["Learner"], NOW)
    nobody = world.extra["other_manager"]
    team = [other.learner_id, nobody, world.learner_id]
    with engine.connect() as conn:
        for each, one in ((store.validations_of_each, store.validations_of),
                          (coaching_reads.course_links_of_each, coaching_reads.course_links_of),
                          (coaching_reads.links_reflected_on_each, coaching_reads.links_reflected_on),
                          (store.actions_of_each, store.actions_of),
                          (lambda c, ids: store.actions_of_each(c, ids, open_only=True),
                           lambda c, learner: store.actions_of(c, learner, open_only=True))):
            assert each(conn, team) == {learner: one(conn, learner) for learner in team}
            assert each(conn, []) == {}
            assert all(each(conn, team)[learner] for learner in (other.learner_id, world.learner_id))
            assert not each(conn, team)[nobody]


def _core_progress(conn, context_pk):
    """course_activity_progress as it read with SQLAlchemy Core before: three queries per link."""
    activities = []
    for link in conn.execute(people_store.named_links().where(resource_links.c.context_pk == context_pk)
                             .order_by(resource_links.c.title, resource_links.c.id)).all():
        def live(table):
            return and_(table.c.resource_link_pk == link.id, table.c.withdrawn_at.is_(None))

        reflected, confidence = conn.execute(select(func.count(), func.avg(reflections.c.confidence))
                                             .where(live(reflections))).one()
        talks, usefulness = conn.execute(select(func.count(), func.avg(conversations.c.rating))
                                         .where(live(conversations))).one()
        by_status = dict(conn.execute(select(validation_requests.c.status, func.count())
                                      .where(live(validation_requests)).group_by(validation_requests.c.status)).all())
        activities.append({"id": link.id, "title": link.title, "custom": link.custom,
                           "followed_title": link.followed_title, "progress": {
            "reflections": reflected, "confidence": confidence, "conversations": talks, "usefulness": usefulness,
            "pending": by_status.get("pending", 0), "validated": by_status.get("validated", 0),
            "needs_more_evidence": by_status.get("needs_more_evidence", 0)}})
    return activities


def test_a_courses_progress_is_what_the_core_queries_counted(engine, world):
    other = new_world(engine)
    other.reflect(confidence="3")
    with engine.begin() as conn:  # a second reflection on the link: an average of 3.5
        second = people_store.save_person(conn, other.platform_id, "second", {"name": "Second"}, NOW)
        store.add_reflection(conn, Reflection(second, ActivityRef(other.platform_id, other.context_pk, other.link_pk),
                                              "l", "a", "", 4), NOW)
    other.check_in(private_notes="")
    other.rate(other.conversation("grow", held_on="2026-11-01").id, "5")
    other.ask_validation()
    with engine.connect() as conn:
        for context in (world.context_pk, other.context_pk):
            progress = coaching_reads.course_activity_progress(conn, context)
            assert progress == _core_progress(conn, context)
            assert [[type(v) for v in a["progress"].values()] for a in progress] == [
                [type(v) for v in a["progress"].values()] for a in _core_progress(conn, context)]
        figures = coaching_reads.course_activity_progress(conn, other.context_pk)[0]["progress"]
        assert (figures["reflections"], float(figures["confidence"]), figures["conversations"],
                float(figures["usefulness"]), figures["pending"]) == (2, 3.5, 2, 5.0, 1)
        assert coaching_reads.course_activity_progress(conn, max(world.extra["links"]) + 1000) == []


def test_a_courses_roster_and_unopened_placements_are_what_the_core_queries_read(engine):
    w = new_world(engine)
    with engine.begin() as conn:
        for sub, roles, status in (("never-launched", ["learner"], "Active"), ("teacher", ["instructor"], "Active"),
                                   ("gone", ["learner"], "Inactive")):
            person = people_store.save_person(conn, w.platform_id, sub, {"email": f"{sub}@example.org"}, NOW,
                                              launched=False)
            people_store.save_membership(conn, w.context_pk, person, roles, [], NOW)
            roster_store.set_member_status(conn, w.context_pk, person, status, NOW)
        people_store.save_membership(conn, w.context_pk, w.learner_id, ["learner"], [], NOW)
        opened = placement_store.add_placement(conn, w.platform_id, w.context_pk, "Opened", {"placement": 0}, NOW)
        placement_store.note_first_launch(conn, w.context_pk, {"placement": opened}, w.link_pk)
        for title, at in (("First — «1»", NOW + 2), ("Second", NOW + 1)):
            placement_store.add_placement(conn, w.platform_id, w.context_pk, title,
                                          {"kind": "check-in", "nested": {"n": [1, None]}}, at)
    members, people_ = memberships.c, people.c
    with engine.connect() as conn:
        core = conn.execute(select(members.app_roles, people_.last_launch_at, people_.name, people_.email,
                                   people_.sub).join(people, people_.id == members.person_id)
                            .where(members.context_pk == w.context_pk, members.status == "Active")).all()
        learners = [m for m in core if "learner" in m.app_roles]
        assert roster_store.roster_summary(conn, w.context_pk) == {
            "members": len(core), "learners": len(learners), "started": 1, "roster_available": False,
            "roster_synced_at": None, "not_started": sorted(m.email for m in learners if m.last_launch_at is None)}
        assert (len(core), len(learners)) == (3, 2)
        assert placement_store.unopened_placements(conn, w.context_pk) == [dict(row) for row in conn.execute(
            select(placements.c.id, placements.c.title, placements.c.custom)
            .where(placements.c.context_pk == w.context_pk, placements.c.resource_link_pk.is_(None))
            .order_by(placements.c.created_at)).mappings()]
        assert [p["title"] for p in placement_store.unopened_placements(conn, w.context_pk)] == ["Second", "First — «1»"]
        assert placement_store.unopened_placements(conn, w.context_pk)[0]["custom"]["nested"] == {"n": [1, None]}


def test_a_column_type_the_driver_reads_differently_is_refused_when_named():
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("at", DateTime),
                  Column("doc", JSON))
    assert driver_rows.Columns(table, ("id", "doc")).names == ("id", "doc")
    with pytest.raises(TypeError, match="t.at"):
        driver_rows.Columns(table)
