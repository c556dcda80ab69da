"""The database outbox: idempotent enqueue, leased claims, settling, operator actions."""
from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from adapter.persistence.database import make_engine, upgrade
from adapter.persistence.outbox_store import (
    SqlOutbox, already_queued, dead_messages, enqueue, enqueue_many, forget, message_row, payloads, queue_status,
    retry_dead,
)


class Clock:
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now

    def dt(self):
        return datetime.fromtimestamp(self.now, timezone.utc)


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    return engine


def fill(engine, n, now, target="lrs-a", channel="xapi"):
    with engine.begin() as conn:
        for i in range(n):
            enqueue(conn, channel, target, f"id-{i}", {"id": f"id-{i}"}, now, source=f"reflection {i} v1")


def test_enqueue_is_idempotent_per_message(engine):
    fill(engine, 3, 1.0)
    fill(engine, 3, 2.0)
    assert [(s.pending, s.target) for s in queue_status(engine, 10.0)] == [(3, "lrs-a")]


def test_claims_are_exclusive_until_the_lease_lapses(engine):
    clock = Clock()
    fill(engine, 5, clock.now)
    first, second = SqlOutbox(engine, "xapi", lease=60, clock=clock), SqlOutbox(engine, "xapi", lease=60, clock=clock)
    claimed = first.claim_due("lrs-a", 3, clock.dt())
    assert [m.statement_id for m in claimed] == ["id-0", "id-1", "id-2"]
    assert claimed[0].payload == {"id": "id-0"}
    others = second.claim_due("lrs-a", 10, clock.dt())
    assert [m.statement_id for m in others] == ["id-3", "id-4"]
    assert second.claim_due("lrs-a", 10, clock.dt()) == []
    second.mark_delivered([m.id for m in others])
    clock.now += 61  # the first worker died holding its claim
    assert [m.statement_id for m in second.claim_due("lrs-a", 10, clock.dt())] == ["id-0", "id-1", "id-2"]


def test_settling_rows(engine):
    clock = Clock()
    fill(engine, 3, clock.now)
    box = SqlOutbox(engine, "xapi", clock=clock)
    a, b, c = box.claim_due("lrs-a", 3, clock.dt())
    box.mark_delivered([a.id])
    box.schedule_retry([b.id], datetime.fromtimestamp(clock.now + 30, timezone.utc), 1, "503 from the LRS")
    box.mark_dead(c.id, "409: a different statement has this id")
    assert box.claim_due("lrs-a", 10, clock.dt()) == []  # b waits for its retry time
    clock.now += 31
    retried = box.claim_due("lrs-a", 10, clock.dt())
    assert [(m.id, m.attempts) for m in retried] == [(b.id, 1)]
    status = queue_status(engine, clock.now)[0]
    assert (status.pending, status.delivered, status.dead) == (1, 1, 1)
    assert status.oldest_pending_age == pytest.approx(31)
    assert dead_messages(engine)[0]["last_error"] == "409: a different statement has this id"
    assert retry_dead(engine, clock.now, channel="xapi") == 1
    assert {m.id for m in box.claim_due("lrs-a", 10, clock.dt())} == {c.id}


def test_a_claim_can_mark_the_batch_before_delivered_in_its_transaction(engine):
    clock = Clock()
    fill(engine, 5, clock.now)
    box = SqlOutbox(engine, "xapi", clock=clock)
    first = box.claim_due("lrs-a", 2, clock.dt())
    second = box.claim_due("lrs-a", 2, clock.dt(), delivered=[m.id for m in first])
    assert [m.statement_id for m in second] == ["id-2", "id-3"]
    status = queue_status(engine, clock.now)[0]
    assert (status.pending, status.delivered) == (3, 2)
    # the marks and the claim are one transaction: a claim that fails marks nothing
    with pytest.raises(Exception):
        box.claim_due("lrs-a", -1 if engine.dialect.name == "postgresql" else "not a number",
                      clock.dt(), delivered=[m.id for m in second])
    assert queue_status(engine, clock.now)[0].delivered == 2


def test_channels_and_targets_are_separate(engine):
    clock = Clock()
    fill(engine, 2, clock.now, target="lrs-a")
    fill(engine, 2, clock.now, target="platform:1", channel="ags")
    xapi = SqlOutbox(engine, "xapi", clock=clock)
    assert xapi.targets_with_due(clock.now) == ["lrs-a"]
    assert len(xapi.claim_due("platform:1", 10, clock.dt())) == 0
    assert len(SqlOutbox(engine, "ags", clock=clock).claim_due("platform:1", 10, clock.dt())) == 2


def test_a_repeated_message_keeps_its_first_payload(engine):
    with engine.begin() as conn:
        enqueue(conn, "xapi", "lrs-a", "same", {"v": 1}, 1.0)
    with engine.begin() as conn:
        enqueue_many(conn, [message_row("xapi", "lrs-a", "same", {"v": 2}, 2.0),
                            message_row("xapi", "lrs-a", "other", '{"v":3}', 2.0)])
    claimed = SqlOutbox(engine, "xapi", clock=lambda: 10.0).claim_due("lrs-a", 10, datetime.now(timezone.utc))
    assert [(m.statement_id, m.payload) for m in claimed] == [("same", {"v": 1}), ("other", {"v": 3})]
    assert claimed[0].next_attempt_at == datetime.fromtimestamp(1.0, timezone.utc)


def test_a_forgotten_message_queued_again_stays_without_its_content(engine):
    """An erasure (or retention) forgets a message: cancelled if unsent, its payload gone.
    The same message queued again (a retried handler, a re-run event) writes nothing, on
    SQLite as on PostgreSQL: the content does not come back, nor is it sent."""
    clock = Clock()
    fill(engine, 2, clock.now)
    box = SqlOutbox(engine, "xapi", clock=clock)
    sent = box.claim_due("lrs-a", 1, clock.dt())[0]
    box.mark_delivered([sent.id])
    with engine.begin() as conn:
        ids = list(conn.execute(text("SELECT id FROM outbox ORDER BY id")).scalars())
        forget(conn, ids)
    with engine.begin() as conn:
        enqueue_many(conn, [message_row("xapi", "lrs-a", f"id-{i}", {"id": f"id-{i}", "name": "Ana"}, clock.now + 5)
                            for i in range(2)])
    with engine.connect() as conn:
        assert payloads(conn, ids) == {}
        statuses = conn.execute(text("SELECT message_id, status FROM outbox ORDER BY id")).all()
    assert [tuple(row) for row in statuses] == [("id-0", "delivered"), ("id-1", "cancelled")]
    assert box.claim_due("lrs-a", 10, clock.dt()) == []


def migrated_to(database_url, revision):
    """An engine on a new database upgraded as far as ``revision`` only."""
    from alembic import command

    from adapter.persistence.database import alembic_config

    engine = make_engine(database_url)
    config = alembic_config(database_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return engine


def test_the_migration_moves_queued_payloads_out_of_the_outbox_rows(database_url):
    """Rows queued before revision 0010 keep their payloads and are claimed as before."""
    engine = migrated_to(database_url, "0005")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO outbox (channel, target, message_id, payload, source, status, attempts, "
                          "next_attempt_at, created_at) VALUES ('xapi', 'lrs-a', :m, :p, '', :s, 0, 1.0, 1.0)"),
                     [{"m": "old-1", "p": '{"id":"old-1"}', "s": "pending"},
                      {"m": "old-2", "p": '{"id":"old-2"}', "s": "delivered"}])
    upgrade(engine)
    box = SqlOutbox(engine, "xapi", clock=lambda: 10.0)
    assert [(m.statement_id, m.payload) for m in box.claim_due("lrs-a", 10, datetime.now(timezone.utc))] == [
        ("old-1", {"id": "old-1"})]
    fill(engine, 1, 5.0)
    assert [m.payload for m in box.claim_due("lrs-a", 10, datetime.now(timezone.utc))] == [{"id": "id-0"}]
    status = queue_status(engine, 10.0)[0]
    assert (status.pending, status.delivered) == (2, 1)


def test_claimed_payloads_join_into_a_request_body_as_stored(engine):
    from xapi.lrs_client import serialize_batch

    payloads = [{"id": f"id-{i}", "name": {"fr-FR": "réflexion"}} for i in range(3)]
    with engine.begin() as conn:
        enqueue_many(conn, [message_row("xapi", "lrs-a", p["id"], p, 1.0) for p in payloads])
    claimed = SqlOutbox(engine, "xapi").claim_due("lrs-a", 10, datetime.now(timezone.utc))
    assert json.loads(serialize_batch([m.statement for m in claimed])) == payloads


def test_a_message_queued_by_two_transactions_at_once_is_kept_once(engine):
    """The second writer waits on the first one's key; once that commits, it writes nothing."""
    with ThreadPoolExecutor(1) as pool, engine.connect() as first:
        with first.begin():
            enqueue(first, "xapi", "lrs-a", "same", {"v": 1}, 1.0)
            second = pool.submit(fill_one, engine, "same", {"v": 2})
            wait([second], timeout=0.5)  # let it reach the key
            assert not second.done()  # it waits for this transaction
        second.result()
    claimed = SqlOutbox(engine, "xapi").claim_due("lrs-a", 10, datetime.now(timezone.utc))
    assert [(m.statement_id, m.payload) for m in claimed] == [("same", {"v": 1})]


def fill_one(engine, message_id, payload):
    with engine.begin() as conn:
        enqueue(conn, "xapi", "lrs-a", message_id, payload, 2.0)


def test_messages_queued_before_revision_0018t_are_still_refused_a_second_time(database_url):
    """The upgrade copies each queued message's key, with its id: a repeat of an old
    message (pending or delivered) writes nothing, a new one gets an id of its own."""
    engine = migrated_to(database_url, "0018a")
    with engine.begin() as conn:
        for message_id, status in (("old-1", "pending"), ("old-2", "delivered")):
            conn.execute(text("INSERT INTO outbox (channel, target, message_id, status, next_attempt_at, created_at)"
                              " VALUES ('xapi', 'lrs-a', :m, :s, 1.0, 1.0)"), {"m": message_id, "s": status})
        conn.execute(text("INSERT INTO outbox_payloads (id, payload) SELECT id, :p FROM outbox"), {"p": '{"v":1}'})
        old_ids = set(conn.execute(text("SELECT id FROM outbox")).scalars())
    upgrade(engine)
    with engine.begin() as conn:
        assert already_queued(conn, "xapi", "lrs-a", ["old-1", "old-2", "new"]) == {"old-1", "old-2"}
        enqueue_many(conn, [message_row("xapi", "lrs-a", m, {"v": 2}, 2.0) for m in ("old-1", "old-2", "new")])
    claimed = SqlOutbox(engine, "xapi").claim_due("lrs-a", 10, datetime.now(timezone.utc))
    assert [(m.statement_id, m.payload) for m in claimed] == [("old-1", {"v": 1}), ("new", {"v": 2})]
    assert claimed[0].id in old_ids and claimed[1].id > max(old_ids)
    status = queue_status(engine, 10.0)[0]
    assert (status.pending, status.delivered) == (2, 1)
