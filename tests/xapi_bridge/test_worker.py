"""The worker process: ``coachbridge worker`` killed with SIGKILL mid-batch loses nothing
and, after a restart, leaves every statement in the LRS exactly once; a running worker
picks up LRS endpoints added or disabled on the settings page without a restart."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

from prometheus_client import REGISTRY
from sqlalchemy import func, select

from adapter.domain.events import RecordEvent
from adapter.persistence import lrs_store
from adapter.persistence.outbox_store import queue_status
from adapter.persistence.tables import outbox
from adapter.services import event_handlers
from adapter.worker import Worker, XapiDelivery, drain
from tests.peers.ralph_lrs import REPO_ROOT
from tests.xapi.xapi_fault_lrs import Fault, FaultLrs
from xapi.backoff import RetryPolicy
from xapi.events import EventKind

COUNT = 5000


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def queue_statements(world, count: int) -> None:
    """``count`` reflection events through the bridge in one transaction, as if ``count``
    learners had written one each (only the statements matter here)."""
    at = datetime.now(timezone.utc) - timedelta(seconds=1)
    events = [RecordEvent(kind=EventKind.REFLECTION_SUBMITTED.value, record_type="reflection",
                          record_id=100_000 + i, record_version=1, occurred_at=at,
                          actor_id=world.learner_id, learner_id=world.learner_id, manager_id=world.manager_id,
                          platform_id=world.platform_id, context_pk=world.context_pk,
                          resource_link_pk=world.link_pk, activity_iri=None,
                          shared_fields={"response": f"reflection {i}", "confidence": 1 + i % 5})
              for i in range(count)]
    with world.engine.begin() as conn:
        event_handlers.publish(conn, events)


def start_worker(engine, log_path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "adapter.cli", "worker", "--lease", "1", "--idle-wait", "0.1"],
                                cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def counts(engine, target: str) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(select(outbox.c.status, func.count()).where(outbox.c.target == target)
                                 .group_by(outbox.c.status)).all())


def test_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(world, engine, tmp_path):
    lrs = FaultLrs().start()
    try:
        world.add_lrs("sigkill", lrs.endpoint)
        queue_statements(world, COUNT)
        ids = {row["message_id"] for row in world.outbox_rows("sigkill")}
        assert len(ids) == COUNT
        lrs.inject(*[Fault()] * 5, Fault(hang=30))  # the 6th batch is stored, its answer never comes
        worker = start_worker(engine, tmp_path / "worker.log")
        wait_for(lambda: len(lrs.statements) == 600, 30, "the 6th batch stored")
        # the 5th batch is marked while the 6th is out (the 6th hangs: it stays unmarked)
        wait_for(lambda: counts(engine, "sigkill").get("delivered") == 500, 30, "the 5th batch marked")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
        held = counts(engine, "sigkill")
        assert held["delivered"] == 500 and held["pending"] == COUNT - 500  # mid-batch: 100 stored, unmarked
        assert len(lrs.statements) == 600

        restarted = start_worker(engine, tmp_path / "worker.log")
        wait_for(lambda: counts(engine, "sigkill") == {"delivered": COUNT}, 60, "every statement delivered")
        restarted.send_signal(signal.SIGTERM)
        assert restarted.wait(10) == 0, (tmp_path / "worker.log").read_text()
    finally:
        lrs.stop()
    assert set(lrs.statements) == ids  # none lost, none extra (stored by id: once each)
    assert lrs.resent_known == 100  # the killed batch came again and the LRS kept it once
    assert "stopped" in (tmp_path / "worker.log").read_text()


def lrs_posts_timed() -> float:
    return REGISTRY.get_sample_value("coachbridge_peer_request_seconds_count", {"peer": "lrs"}) or 0.0


def test_running_worker_follows_endpoint_changes(world, engine):
    timed_before = lrs_posts_timed()
    first, second = FaultLrs().start(), FaultLrs().start()
    job = XapiDelivery(engine, None, policy=RetryPolicy(base=0.01, cap=0.05), refresh=0.1)
    worker = Worker([job], idle_wait=0.05).start()
    try:
        first_id = world.add_lrs("follow-1", first.endpoint)
        world.reflect()
        wait_for(lambda: len(first.statements) == 1, 10, "the first LRS")
        world.add_lrs("follow-2", second.endpoint)
        world.reflect(confidence="1")  # an edit: void + new for the first, new for the second
        wait_for(lambda: len(first.statements) == 3 and len(second.statements) == 1, 10, "both LRSs")
        with engine.begin() as conn:
            lrs_store.set_endpoint_active(conn, first_id, False, time.time())
        world.reflect(confidence="3")
        wait_for(lambda: len(second.statements) == 3, 10, "the second LRS")
        assert len(first.statements) == 3
    finally:
        worker.stop()
        worker.join(5)
        first.stop()
        second.stop()
    assert [q for q in queue_status(engine, time.time()) if q.target.startswith("follow-") and q.pending] == []
    assert lrs_posts_timed() - timed_before >= first.requests + second.requests  # /metrics times each POST


def test_the_worker_loop_rides_out_an_unavailable_lrs_and_stops_when_told(world, engine, fault_lrs):
    world.add_lrs("unavailable-first", fault_lrs.endpoint)
    queue_statements(world, 250)
    fault_lrs.inject(Fault(status=503))
    worker = Worker([XapiDelivery(engine, None, policy=RetryPolicy(base=0.01, cap=0.02))], idle_wait=0.01).start()
    try:
        wait_for(lambda: counts(engine, "unavailable-first") == {"delivered": 250}, 30, "every statement delivered")
    finally:
        worker.stop()
        worker.join(10)
    assert not any(thread.is_alive() for thread in worker._threads)
    assert len(fault_lrs.statements) == 250 and fault_lrs.pending_faults() == 0


def test_an_endpoint_that_cannot_be_set_up_does_not_hold_up_the_others(world, engine, monkeypatch, caplog):
    for name in ("http_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "ftp://proxy.invalid:21")  # a proxy scheme nothing can use
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    lrs = FaultLrs().start()
    try:
        world.add_lrs("unusable-proxy", "http://lrs.example.invalid/xapi/")
        world.add_lrs("reachable", lrs.endpoint)
        world.reflect()
        with caplog.at_level(logging.ERROR, logger="coachbridge.worker"):
            drain([XapiDelivery(engine, None)])
    finally:
        lrs.stop()
    assert len(lrs.statements) == 1
    assert "LRS unusable-proxy: cannot connect as configured" in caplog.text
    assert counts(engine, "unusable-proxy") == {"pending": 1}  # kept for when it is fixed


def test_a_stop_asked_while_the_worker_starts_ends_it_cleanly(tmp_path):
    """A SIGTERM while ``coachbridge worker`` migrates and connects (a process manager stopping it
    at once, a deployment rolled back) ends it with 0 and its "stopped" line, as a later one does:
    the worker hears it from the start and stops once it is up, instead of dying by the signal."""
    script = ("import os, signal, sys\n"
              "from adapter.cli import main, worker\n"
              "starting = worker.app_parts\n"
              "def stopped_while_starting(settings):\n"
              "    os.kill(os.getpid(), signal.SIGTERM)\n"
              "    return starting(settings)\n"
              "worker.app_parts = stopped_while_starting\n"
              "sys.exit(main(['worker', '--idle-wait', '0.1']))\n")
    env = {**os.environ, "COACHBRIDGE_INSTANCE": str(tmp_path / "instance")}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "coachbridge worker: stopped" in done.stdout
