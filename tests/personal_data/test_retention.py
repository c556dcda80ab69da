"""Retention: what a dry run lists is exactly what the run then removes (the service, the
command line and the worker's daily job), each removal audited, copies in the outbox
forgotten, and nothing removed before its limit."""
from __future__ import annotations

import time
from datetime import datetime, timezone

from sqlalchemy import select, update

from adapter.cli import main
from adapter.persistence import outbox_store
from adapter.persistence.coaching_tables import (
    agreed_actions, audit_events, conversations, reflections, validation_requests,
)
from adapter.persistence.tables import people
from adapter.services import retention
from adapter.services.retention import RetentionJob
from tests.xapi_bridge.world import new_world

from .test_export import PRIVATE, seed

LATER = datetime(2027, 1, 15, 12, tzinfo=timezone.utc).timestamp()
LONG_AGO = datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp()
LIMITS = {"private_notes_days": 30, "withdrawn_days": 10, "inactive_months": 6}


def keys(expired) -> set[tuple]:
    return {(e.platform_id, e.what, e.record_type, e.record_id) for e in expired}


def inactive_since_long_ago(world) -> None:
    with world.engine.begin() as conn:
        conn.execute(update(people).where(people.c.id == world.learner_id).values(last_launch_at=LONG_AGO,
                                                                                   created_at=LONG_AGO))
        for table in (reflections, conversations, agreed_actions, validation_requests):
            conn.execute(update(table).where(table.c.learner_id == world.learner_id).values(updated_at=LONG_AGO))


def test_a_run_removes_exactly_what_its_dry_run_listed_and_audits_each(engine, world):
    world.add_lrs(f"lrs-{world.platform_id}", "http://127.0.0.1:9/xapi/")  # never reached: the copies stay queued
    seed(world)  # a check-in held 2026-11-20 with private notes, a reflection, a validated request
    withdrawn = world.reflect(learned="changed my mind")
    world.withdraw("reflection", withdrawn.id)
    idle = new_world(engine)
    seed(idle)
    inactive_since_long_ago(idle)
    for w in (world, idle):
        retention.save_limits(engine, w.platform_id, retention.parse_limits(LIMITS), None, time.time())
    mine = {world.platform_id, idle.platform_id}

    listed = [e for e in retention.dry_run(engine, LATER) if e.platform_id in mine]
    assert keys(listed) == {
        (world.platform_id, "private notes", "check_in", _one(engine, conversations, world.learner_id)),
        (world.platform_id, "record", "reflection", withdrawn.id),
        (idle.platform_id, "record", "reflection", _one(engine, reflections, idle.learner_id)),
        (idle.platform_id, "record", "check_in", _one(engine, conversations, idle.learner_id)),
        (idle.platform_id, "record", "action", _action(engine, idle.learner_id)),
        (idle.platform_id, "record", "validation", _one(engine, validation_requests, idle.learner_id)),
    }
    assert retention.dry_run(engine, time.time(), world.platform_id) == []  # not yet past any limit

    removed = [e for p in sorted(mine) for e in retention.run(engine, LATER, p)]
    assert keys(removed) == keys(listed)
    with engine.connect() as conn:
        assert conn.execute(select(conversations.c.private_notes, conversations.c.shared_notes).where(
            conversations.c.learner_id == world.learner_id)).one() == ("", "Good progress")
        for table in (reflections, conversations, validation_requests):
            assert conn.execute(select(table.c.id).where(table.c.learner_id == idle.learner_id)).first() is None
        assert conn.execute(select(reflections.c.id).where(reflections.c.id == withdrawn.id)).first() is None
        audited = {(a, t, i) for a, t, i in conn.execute(select(
            audit_events.c.action, audit_events.c.record_type, audit_events.c.record_id).where(
            audit_events.c.action.like("retention.%deleted"), audit_events.c.platform_id.in_(mine)))}
        sent = outbox_store.messages_from(conn, [f"reflection {withdrawn.id}"])
        kept = outbox_store.payloads(conn, [m.id for m in sent])
    assert audited == {("retention.private_notes_deleted" if e.what == "private notes" else "retention.record_deleted",
                        e.record_type, e.record_id) for e in listed}
    assert sent and kept == {} and {m.status for m in sent} == {"cancelled"}
    assert PRIVATE not in str(retention.dry_run(engine, LATER))
    assert [e for e in retention.dry_run(engine, LATER) if e.platform_id in mine] == []


def _one(engine, table, learner_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(select(table.c.id).where(table.c.learner_id == learner_id)).scalar_one()


def _action(engine, learner_id: int) -> int:
    return _one(engine, agreed_actions, learner_id)


def test_the_command_line_dry_run_lists_what_the_run_then_deletes(engine, world, database_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", database_url)
    first = world.reflect()
    world.withdraw("reflection", first.id)
    with engine.begin() as conn:  # withdrawn five days ago
        conn.execute(update(reflections).where(reflections.c.id == first.id)
                     .values(withdrawn_at=time.time() - 5 * 86400))
    assert main(["retention", "set", "--platform", str(world.platform_id), "--withdrawn-days", "3"]) == 0
    assert main(["retention", "set", "--platform", str(world.platform_id), "--withdrawn-days", "soon"]) == 2
    capsys.readouterr()
    assert main(["retention", "--dry-run", "--platform", str(world.platform_id)]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed == [f"platform {world.platform_id}: delete reflection {first.id} "
                      f"(person {world.learner_id}; withdrawn days)"]
    assert _exists(engine, first.id)
    assert main(["retention", "--platform", str(world.platform_id)]) == 0
    assert capsys.readouterr().out.splitlines() == listed
    assert not _exists(engine, first.id)


def _exists(engine, reflection_id: int) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(reflections.c.id).where(reflections.c.id == reflection_id)).first() is not None


def test_the_worker_applies_retention_once_a_day(engine, world):
    idle_world = new_world(engine)
    seed(idle_world)
    inactive_since_long_ago(idle_world)
    retention.save_limits(engine, idle_world.platform_id, {"private_notes_days": None, "withdrawn_days": None,
                                                           "inactive_months": 3}, None, time.time())
    today = [LATER]
    job = RetentionJob(engine, clock=lambda: today[0], check_every=0)
    listed = [e for e in retention.dry_run(engine, LATER) if e.platform_id == idle_world.platform_id]
    assert len(listed) == 4
    assert job.run_once() >= 4
    assert job.run_once() == 0  # the same day again: already run
    assert [e for e in retention.dry_run(engine, LATER) if e.platform_id == idle_world.platform_id] == []
    today[0] = LATER + 86400
    job.run_once()  # the next day runs again (nothing left to remove here)
    with engine.connect() as conn:
        days = conn.execute(select(audit_events.c.record_id).where(
            audit_events.c.action == "retention.record_deleted",
            audit_events.c.platform_id == idle_world.platform_id)).scalars().all()
    assert len(days) == 4
