"""The admin dashboard's summary gives the live queries' facts, on every report date, and
stays right as records are written, revised, decided, re-asked and withdrawn."""
from __future__ import annotations

import random
from datetime import date, timedelta

from alembic import command
from sqlalchemy import select

from adapter.domain.admin_scope import AdminScope
from adapter.domain.authorization import Viewer
from adapter.domain.commands import AgreeAction, HoldConversation, WriteReflection
from adapter.domain.rules import RuleViolation
from adapter.mapping_files import load_templates
from adapter.persistence.database import alembic_config
from adapter.persistence.report_queries import Scope, facts_by_course
from adapter.persistence.report_summaries import course_facts, rebuild
from adapter.persistence.report_summary_tables import report_course_facts, report_learner_facts
from adapter.reports import dashboards
from adapter.reports.dated_facts import dated_facts, facts_on
from adapter.reports.measures import (
    ActivityStart, Commitment, DecisionWait, HeldConversation, PlannedConversation, tally, total,
)
from adapter.services import coaching
from tests.event_tables import not_heard_by

from .seeded import AS_OF, EXPECTED, EXPECTED_FEEDBACK_COURSE, at, seed

REPORT_DATES = (date(2026, 2, 15), date(2026, 4, 20), AS_OF, date(2026, 12, 31))


def _summary_rows(engine) -> tuple[list, list]:
    with engine.connect() as conn:
        return (sorted(tuple(r) for r in conn.execute(select(report_course_facts))),
                sorted((r.learner_id, r.facts) for r in conn.execute(select(report_learner_facts))))


def _assert_summary_is_live(engine) -> None:
    with engine.connect() as conn:
        for as_of in REPORT_DATES:
            assert course_facts(conn, as_of, AdminScope.operator()) == facts_by_course(conn, Scope(), as_of), as_of


def test_the_summary_gives_the_hand_worked_facts(engine, organisation):
    with engine.connect() as conn:
        by_course = course_facts(conn, AS_OF, AdminScope.operator())
    assert total(by_course.values()) == EXPECTED
    assert by_course[(organisation.platform_id, organisation.feedback_course)] == EXPECTED_FEEDBACK_COURSE
    _assert_summary_is_live(engine)


def test_a_rebuild_finds_what_the_records_transactions_kept(engine, organisation):
    kept = _summary_rows(engine)
    assert kept[0] and kept[1]
    assert dashboards.rebuild_summaries(engine) == {"learners": 3, "course_rows": len(kept[0])}
    assert _summary_rows(engine) == kept


def test_dated_facts_read_on_any_date_are_the_tally():
    rnd = random.Random(3)
    day0 = date(2026, 1, 1)

    def day(span: int = 365) -> date:
        return day0 + timedelta(days=rnd.randrange(span))

    def maybe(value):
        return value if rnd.random() < 0.6 else None

    for _ in range(20):
        starts = [ActivityStart(day(), maybe(day()), maybe(day())) for _ in range(rnd.randrange(8))]
        waits = [DecisionWait(0, rnd.uniform(0, 400_000), rnd.random() < 0.8) for _ in range(rnd.randrange(6))]
        planned = []
        for _ in range(rnd.randrange(6)):
            held = day()
            planned.append(PlannedConversation(held, held + timedelta(days=14), maybe(held + timedelta(rnd.randrange(30)))))
        commitments = [Commitment(day(), maybe(day())) for _ in range(rnd.randrange(6))]
        talks = [HeldConversation(maybe(rnd.randint(1, 5))) for _ in range(rnd.randrange(6))]
        dated = dated_facts(starts, waits, planned, commitments, talks)
        for as_of in (day0, day0 + timedelta(days=40), day0 + timedelta(days=200), day0 + timedelta(days=500)):
            assert facts_on(((k, b, c) for (k, b), c in dated.items()), as_of) == \
                tally(as_of, starts, waits, planned, commitments, talks)


def test_every_kind_of_change_keeps_the_summary_equal_to_the_live_facts(engine, organisation):
    """Random edits on top of the seeded organisation, through the services: after each,
    the summary and the live queries agree on four report dates; at the end a rebuild
    from scratch finds exactly the rows the transactions kept."""
    rnd = random.Random(11)
    org, catalog = organisation, load_templates()
    links = [org.links["feedback"], org.links["feedback-extra"], org.links["delegation"], None]
    learners = ["ana", "ben", "cai"]

    def viewer(name: str, roles=("learner",)) -> Viewer:
        with engine.connect() as conn:
            return coaching.load_viewer(conn, org.people[name], org.platform_id, list(roles), None)

    def moment() -> tuple[str, float]:
        day = date(2026, 1, 1) + timedelta(days=rnd.randrange(330))
        return day.isoformat(), at(day.isoformat(), rnd.randrange(24))

    def records(kind: str, learner: str) -> list:
        with engine.connect() as conn:
            if kind == "conversation":
                return coaching.store.conversations_of(conn, org.people[learner])
            if kind == "action":
                return coaching.store.actions_of(conn, org.people[learner])
            return coaching.store.validations_of(conn, org.people[learner])

    def reflect(learner):
        day, now = moment()
        coaching.submit_reflection(engine, viewer(learner), rnd.choice(links), WriteReflection(
            learned="x", applying="y", confidence=str(rnd.randint(1, 5))), now)

    def hold(learner):
        day, now = moment()
        plus = lambda n: (date.fromisoformat(day) + timedelta(days=n)).isoformat()  # noqa: E731
        next_on = plus(rnd.choice([7, 14, 30])) if rnd.random() < 0.7 else ""
        answers = {"progress": "p", "learned": "l", "next_focus": "f", "goal": "g", "reality": "r", "options": "o",
                   "will": "w"}
        actions = tuple(AgreeAction("Do it", "learner", plus(rnd.randrange(3, 20))) for _ in range(rnd.randrange(3)))
        template = catalog.by_key[rnd.choice(["check-in", "grow"])]
        coaching.hold_conversation(engine, viewer("maria", ("manager",)), template, HoldConversation(
            org.people[learner], held_on=day, next_on=next_on, answers=answers, new_actions=actions,
            resource_link_pk=rnd.choice(links)), now)

    def rate(learner):
        talks = records("conversation", learner)
        if talks:
            coaching.rate_conversation(engine, viewer(learner), rnd.choice(talks).id, str(rnd.randint(1, 5)),
                                       moment()[1])

    def set_status(learner):
        actions = records("action", learner)
        if actions:
            coaching.set_action_status(engine, viewer(learner), rnd.choice(actions).id,
                                       rnd.choice(["done", "done", "open", "dropped"]), moment()[1])

    def ask(learner):
        coaching.ask_for_validation(engine, viewer(learner), rnd.choice(links[:3]), "evidence", moment()[1])

    def decide(learner):
        pending = [r for r in records("validation", learner) if r.status == "pending"]
        if pending:
            coaching.decide_validation(engine, viewer("maria", ("manager",)), rnd.choice(pending).id,
                                       rnd.choice(["validated", "needs_more_evidence"]), "fb", moment()[1])

    def withdraw(learner):
        kind = rnd.choice(["reflection", "validation"])
        with engine.connect() as conn:
            if kind == "reflection":
                found = [r for r in (coaching.store.reflection_on(conn, org.people[learner], link) for link in links)
                         if r is not None]
            else:
                found = [r for r in coaching.store.validations_of(conn, org.people[learner])
                         if r.status != "validated"]
        if found:
            coaching.withdraw(engine, viewer(learner), kind, rnd.choice(found).id, moment()[1])

    operations = [reflect, hold, hold, rate, set_status, ask, ask, decide, decide, withdraw]
    done = 0
    for _ in range(60):
        try:
            rnd.choice(operations)(rnd.choice(learners))
            done += 1
        except RuleViolation:
            continue
        _assert_summary_is_live(engine)
    assert done > 40

    kept = _summary_rows(engine)
    with engine.begin() as conn:
        rebuild(conn)
    assert _summary_rows(engine) == kept


def test_the_migration_fills_the_summary_from_records_already_there(engine):
    """Records written before 0009 (no handler then): upgrading builds their summary."""
    with not_heard_by(engine, dashboards.keep_summaries):
        seed(engine)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0008")
        command.upgrade(config, "heads")
    with engine.connect() as conn:
        assert total(course_facts(conn, AS_OF, AdminScope.operator()).values()) == EXPECTED
    _assert_summary_is_live(engine)


def test_coachbridge_report_rebuild_summaries(engine, organisation, database_url, monkeypatch, capsys):
    from adapter.cli import main

    kept = _summary_rows(engine)
    with engine.begin() as conn:
        conn.execute(report_course_facts.delete())
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["report", "rebuild-summaries"]) == 0
    assert "report summaries rebuilt: 3 learners" in capsys.readouterr().out
    assert _summary_rows(engine) == kept
