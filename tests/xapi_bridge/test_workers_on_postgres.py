"""Several delivery workers on one PostgreSQL: four ``coachbridge worker`` processes drain
20,000 statements to the fault-injecting LRS stand-in, claiming with ``FOR UPDATE SKIP
LOCKED``; each statement reaches the LRS exactly once in effect (it keeps one copy per id
and counts statements sent again). Then the same with one worker killed (SIGKILL)
mid-run: its claimed rows come back as soon as its connections close (the claims are
held by open transactions), and nothing is lost.

The point is PostgreSQL's row locking, so on the SQLite run of the suite this module
starts a throwaway PostgreSQL cluster of its own (tests/peers/postgres.py).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select

from adapter.persistence import lrs_store
from adapter.persistence.database import make_engine, upgrade
from adapter.persistence.outbox_store import enqueue_many
from adapter.persistence.tables import outbox
from adapter.services.platforms import PlatformSpec, register_platform
from adapter.services.xapi_bridge import outbox_rows
from tests.peers.ralph_lrs import REPO_ROOT
from tests.xapi.xapi_fault_lrs import FaultLrs

COUNT = 20_000
WORKERS = 4
BATCH = 100

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pg_url(postgres):
    if postgres is not None:  # the PostgreSQL run: the session's cluster
        yield postgres.new_database()
        return
    from tests.peers.postgres import PostgresCluster

    cluster = PostgresCluster()
    try:
        yield cluster.new_database()
    finally:
        cluster.stop()


@pytest.fixture(scope="module")
def pg_engine(pg_url):
    engine = make_engine(pg_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def statements(count: int) -> list[dict]:
    return [{"id": str(uuid.uuid4()), "actor": {"objectType": "Agent", "account": {
                "homePage": "https://lms.example.org", "name": f"learner-{i % 500}"}},
             "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced", "display": {"en-US": "experienced"}},
             "object": {"id": f"https://coach.example.org/activities/{i}"}} for i in range(count)]


def queue_for_new_lrs(engine, name: str, lrs: FaultLrs, count: int) -> set[str]:
    """An LRS endpoint (no auth), the only active one, and ``count`` statements queued for it."""
    with engine.begin() as conn:
        for endpoint in lrs_store.endpoints(conn, active_only=True):
            lrs_store.set_endpoint_active(conn, endpoint.id, False, time.time())
    platform_id = register_platform(engine, PlatformSpec(
        issuer=f"https://lms-{name}.example.org", client_id=name, auth_login_url="https://lms.example.org/auth",
        key_set_url="https://lms.example.org/jwks"))
    with engine.begin() as conn:
        lrs_store.add_endpoint(conn, name, {
            "platform_id": platform_id, "endpoint": lrs.endpoint, "auth_kind": "none", "username": "",
            "token_url": "", "client_id": "", "scope": "", "xapi_version": "1.0.3", "batch_size": BATCH},
            "", time.time())
    batch = statements(count)
    with engine.begin() as conn:
        enqueue_many(conn, outbox_rows(name, batch, time.time() - 1, "scale test"))
    return {s["id"] for s in batch}


def start_workers(engine, tmp_path, lease: float) -> list[subprocess.Popen]:
    env = {**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False),
           "COACHBRIDGE_INSTANCE": str(tmp_path / "instance"),
           "COACHBRIDGE_ALLOW_PRIVATE_ADDRESSES": "1"}  # the LRS listens on 127.0.0.1
    workers = []
    for n in range(WORKERS):
        with open(tmp_path / f"worker-{n}.log", "ab") as log:
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "adapter.cli", "worker", "--lease", str(lease), "--idle-wait", "0.1"],
                cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
    return workers


def delivered(engine, target: str) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(outbox.c.status, func.count()).where(outbox.c.target == target)
                                 .group_by(outbox.c.status)).all())


def wait_for(condition, timeout: float, what: str, workers: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        assert all(w.poll() is None for w in workers if w.returncode != -signal.SIGKILL), "a worker exited"
        time.sleep(0.1)


def stop(workers: list[subprocess.Popen], tmp_path) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for n, worker in enumerate(workers):
        code = worker.wait(15)
        assert code in (0, -signal.SIGKILL), (tmp_path / f"worker-{n}.log").read_text()


@contextmanager
def running(lrs: FaultLrs):
    """The LRS started, and a list for the worker processes; all stopped at the end."""
    workers: list[subprocess.Popen] = []
    lrs.start()
    try:
        yield lrs, workers
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        lrs.stop()


def test_four_workers_deliver_each_statement_once(pg_engine, tmp_path):
    with running(FaultLrs()) as (lrs, workers):
        ids = queue_for_new_lrs(pg_engine, "scale-four", lrs, COUNT)
        workers += start_workers(pg_engine, tmp_path, lease=60)  # no lease lapses: any re-send is a double claim
        wait_for(lambda: delivered(pg_engine, "scale-four") == {"delivered": COUNT}, 50, "every statement delivered",
                 workers)
        stop(workers, tmp_path)
    assert set(lrs.statements) == ids
    assert lrs.resent_known == 0  # no statement was claimed by two workers
    assert lrs.requests >= COUNT // BATCH


def test_a_worker_killed_mid_run_loses_nothing(pg_engine, tmp_path):
    with running(FaultLrs()) as (lrs, workers):
        ids = queue_for_new_lrs(pg_engine, "scale-kill", lrs, COUNT)
        workers += start_workers(pg_engine, tmp_path, lease=3.0)
        wait_for(lambda: len(lrs.statements) >= COUNT // 4, 40, "a quarter delivered", workers)
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait(10)
        killed_at = len(lrs.statements)
        wait_for(lambda: delivered(pg_engine, "scale-kill") == {"delivered": COUNT}, 50, "every statement delivered",
                 workers)
        stop(workers, tmp_path)
    assert killed_at < COUNT  # killed mid-run, not after the end
    assert set(lrs.statements) == ids  # none lost, none extra: the LRS keeps one copy per id
    # Sent again: at most the two batches the killed worker held stored but not yet marked
    # (one is marked while the next is out); a batch of a live worker is only re-sent if
    # it stays idle in its transaction longer than the lease on a stalled machine.
    assert lrs.resent_known <= 2 * BATCH, lrs.resent_known
