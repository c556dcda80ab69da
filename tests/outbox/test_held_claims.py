"""PostgreSQL claims held by an open transaction (``SqlOutbox(hold_claims=True)``): no lease
written, settled rows committed with their batch's last one, a killed holder's rows free
at once, an idle holder's rows free after the lease, leased rows skipped.

The point is PostgreSQL's row locks, so on the SQLite run of the suite this module starts
a throwaway PostgreSQL cluster of its own (tests/peers/postgres.py).
"""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from adapter.persistence import outbox_store
from adapter.persistence.database import make_engine, upgrade
from adapter.persistence.outbox_store import SqlOutbox, enqueue_many, message_row
from adapter.persistence.tables import outbox
from tests.peers.ralph_lrs import REPO_ROOT


@pytest.fixture(scope="module")
def cluster(postgres):
    if postgres is not None:  # the PostgreSQL run: the session's cluster
        yield postgres
        return
    from tests.peers.postgres import PostgresCluster

    own = PostgresCluster()
    try:
        yield own
    finally:
        own.stop()


@pytest.fixture
def engine(cluster):
    engine = make_engine(cluster.new_database())
    upgrade(engine)
    yield engine
    engine.dispose()


def fill(engine, n: int) -> None:
    with engine.begin() as conn:
        enqueue_many(conn, [message_row("xapi", "lrs-a", f"id-{i}", {"id": f"id-{i}"}, 1.0) for i in range(n)])


def rows(engine) -> dict[str, tuple]:
    with engine.connect() as conn:
        return {m: (s, c) for m, s, c in conn.execute(
            select(outbox.c.message_id, outbox.c.status, outbox.c.claimed_until))}


def now() -> datetime:
    return datetime.now(timezone.utc)


def test_a_held_claim_writes_no_lease_and_commits_with_its_last_settlement(engine):
    fill(engine, 5)
    box, other = SqlOutbox(engine, "xapi", hold_claims=True), SqlOutbox(engine, "xapi", hold_claims=True)
    a, b, c = box.claim_due("lrs-a", 3, now())
    assert a.statement == b'{"id":"id-0"}'  # UTF-8 bytes, spliced into a body as stored
    assert [m.statement_id for m in other.claim_due("lrs-a", 10, now())] == ["id-3", "id-4"]
    assert other.claim_due("lrs-a", 10, now()) == []  # every row held by a transaction
    assert {m: claimed for m, (_, claimed) in rows(engine).items()} == dict.fromkeys(
        ["id-0", "id-1", "id-2", "id-3", "id-4"])  # no lease on any row
    box.mark_delivered([a.id])
    box.mark_dead(b.id, "409: a different statement has this id")
    assert rows(engine)["id-0"][0] == "pending"  # not committed while the batch has a row unsettled
    box.schedule_retry([c.id], datetime.fromtimestamp(2e9, timezone.utc), 1, "503 from the LRS")
    assert {m: s for m, (s, _) in rows(engine).items() if m < "id-3"} == {
        "id-0": "delivered", "id-1": "dead", "id-2": "pending"}


def test_a_claim_marks_the_batch_before_and_takes_the_next(engine):
    fill(engine, 5)
    box = SqlOutbox(engine, "xapi", hold_claims=True)
    first = box.claim_due("lrs-a", 2, now())
    second = box.claim_due("lrs-a", 2, now(), delivered=[m.id for m in first])
    assert [m.statement_id for m in second] == ["id-2", "id-3"]
    assert [s for _, (s, _) in sorted(rows(engine).items())] == ["delivered", "delivered", "pending", "pending",
                                                                 "pending"]


def test_rows_leased_by_another_worker_are_skipped(engine):
    fill(engine, 4)
    leased = SqlOutbox(engine, "xapi").claim_due("lrs-a", 2, now())  # a lease-claiming worker (mail, an older one)
    held = SqlOutbox(engine, "xapi", hold_claims=True).claim_due("lrs-a", 10, now())
    assert [m.statement_id for m in leased] == ["id-0", "id-1"]
    assert [m.statement_id for m in held] == ["id-2", "id-3"]


HOLDER = """
import sys, time
from datetime import datetime, timezone
from adapter.persistence.database import make_engine
from adapter.persistence.outbox_store import SqlOutbox
box = SqlOutbox(make_engine(sys.argv[1]), "xapi", lease=120, hold_claims=True)
print(",".join(m.statement_id for m in box.claim_due("lrs-a", 3, datetime.now(timezone.utc))), flush=True)
time.sleep(600)
"""


def test_a_killed_holders_rows_are_free_at_once(engine):
    fill(engine, 3)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, engine.url.render_as_string(hide_password=False)],
                              cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "id-0,id-1,id-2"
        box = SqlOutbox(engine, "xapi", lease=120, hold_claims=True)
        assert box.claim_due("lrs-a", 10, now()) == []  # held by the live worker
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        deadline = time.monotonic() + 10  # the server notices the closed connection
        while not (claimed := box.claim_due("lrs-a", 10, now())):
            assert time.monotonic() < deadline, "the killed worker's rows stayed held"
            time.sleep(0.05)
        assert [m.statement_id for m in claimed] == ["id-0", "id-1", "id-2"]  # long before a 120 s lease
    finally:
        holder.kill()
        holder.stdout.close()


def test_a_holder_idle_longer_than_its_lease_loses_its_rows(engine):
    fill(engine, 2)
    stuck = SqlOutbox(engine, "xapi", lease=0.5, hold_claims=True)
    held = stuck.claim_due("lrs-a", 10, now())
    time.sleep(1.5)  # the server ends the idle transaction after the lease
    other = SqlOutbox(engine, "xapi", hold_claims=True)
    assert [m.id for m in other.claim_due("lrs-a", 10, now())] == [m.id for m in held]
    with pytest.raises(DBAPIError):
        stuck.mark_delivered([m.id for m in held])  # its transaction is gone; nothing was written
    assert [s for s, _ in rows(engine).values()] == ["pending", "pending"]
    assert [m.statement_id for m in stuck.claim_due("lrs-a", 10, now())] == []  # a new connection; still held


def test_a_claim_whose_settlement_fails_holds_nothing(engine):
    fill(engine, 4)
    box = SqlOutbox(engine, "xapi", hold_claims=True)
    first = box.claim_due("lrs-a", 2, now())
    with engine.connect() as conn:  # the server ends the transaction holding the batch (e.g. a restart)
        conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                             " WHERE state = 'idle in transaction' AND datname = current_database()")
    with pytest.raises(DBAPIError):  # the settlement comes first: no claim after it fails
        box.claim_due("lrs-a", 2, now(), delivered=[m.id for m in first])
    assert [s for s, _ in rows(engine).values()] == ["pending"] * 4  # the batch before is due again
    other = SqlOutbox(engine, "xapi", hold_claims=True)
    assert [m.statement_id for m in other.claim_due("lrs-a", 10, now())] == ["id-0", "id-1", "id-2", "id-3"]



def test_a_claim_resumes_after_the_last_and_takes_rows_passed_by_when_it_comes_short(engine):
    fill(engine, 8)
    box, other = SqlOutbox(engine, "xapi", hold_claims=True), SqlOutbox(engine, "xapi", hold_claims=True)
    assert [m.statement_id for m in box.claim_due("lrs-a", 2, now())] == ["id-0", "id-1"]
    released = other.claim_due("lrs-a", 2, now())
    assert [m.statement_id for m in box.claim_due("lrs-a", 2, now())] == ["id-4", "id-5"]
    other.schedule_retry([m.id for m in released], datetime.fromtimestamp(1.0, timezone.utc), 1, "503")
    assert [m.statement_id for m in box.claim_due("lrs-a", 2, now())] == ["id-6", "id-7"]  # resumed: passes them by
    assert [m.statement_id for m in box.claim_due("lrs-a", 2, now())] == ["id-2", "id-3"]  # nothing after: the head
    assert box.claim_due("lrs-a", 2, now()) == []


def test_rows_a_dead_claim_left_marked_are_passed_by_and_taken_from_the_head(engine):
    fill(engine, 8)
    box, gone = SqlOutbox(engine, "xapi", hold_claims=True), SqlOutbox(engine, "xapi", hold_claims=True)
    box.mark_delivered([m.id for m in box.claim_due("lrs-a", 2, now())])
    assert [m.statement_id for m in gone.claim_due("lrs-a", 2, now())] == ["id-2", "id-3"]
    with engine.connect() as conn:  # its transaction ends without a write (a killed worker): its rows are free
        conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                             " WHERE state = 'idle in transaction' AND datname = current_database()")
    assert [m.statement_id for m in box.claim_due("lrs-a", 2, now())] == ["id-4", "id-5"]  # resumed: passes them by
    assert [m.statement_id for m in box.claim_due("lrs-a", 2, now())] == ["id-6", "id-7"]
    assert [m.statement_id for m in box.claim_due("lrs-a", 2, now())] == ["id-2", "id-3"]  # nothing after: the head
    assert box.claim_due("lrs-a", 2, now()) == []


def test_a_claim_starts_from_the_head_again_once_head_every_has_passed(engine):
    fill(engine, 10)
    moment = [1000.0]
    box = SqlOutbox(engine, "xapi", hold_claims=True, clock=lambda: moment[0])
    other = SqlOutbox(engine, "xapi", hold_claims=True)
    box.claim_due("lrs-a", 2, now())
    released = other.claim_due("lrs-a", 2, now())
    assert [m.statement_id for m in box.claim_due("lrs-a", 2, now())] == ["id-4", "id-5"]
    other.schedule_retry([m.id for m in released], datetime.fromtimestamp(1.0, timezone.utc), 1, "503")
    moment[0] += outbox_store.HEAD_EVERY - 0.01
    assert [m.statement_id for m in box.claim_due("lrs-a", 2, now())] == ["id-6", "id-7"]  # resumed
    moment[0] += 0.01
    assert [m.statement_id for m in box.claim_due("lrs-a", 2, now())] == ["id-2", "id-3"]  # from the head
    assert [m.statement_id for m in box.claim_due("lrs-a", 2, now())] == ["id-8", "id-9"]  # resumed again
