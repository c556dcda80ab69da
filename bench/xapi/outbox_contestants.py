"""bench/xapi/run.py's contestants over a real outbox: the statements committed in a fresh
migrated database (SQLite, or a throwaway PostgreSQL cluster), drained by the worker's
xAPI job as production runs it; and the CPU a process (or the whole cluster) used."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.xapi.run import Send, Target


def process_cpu(pid: int, children: bool = False) -> float:
    """CPU seconds (user + system) a process has used, from /proc; with ``children``, its
    ended child processes' too (PostgreSQL's autovacuum workers come and go)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15 if children else 13]) / os.sysconf("SC_CLK_TCK")


_DATABASES = tempfile.TemporaryDirectory(prefix="bench-xapi-db-")  # removed at exit


def register_lrs(engine, target: Target, batch_size: int) -> None:
    """A platform and ``target`` as its LRS endpoint (basic auth), in a migrated database."""
    from adapter.persistence import lrs_store
    from adapter.services.platforms import PlatformSpec, register_platform

    platform_id = register_platform(engine, PlatformSpec(
        issuer="https://lms.bench", client_id="bench", auth_login_url="https://lms.bench/auth",
        key_set_url="https://lms.bench/jwks"))
    with engine.begin() as conn:
        lrs_store.add_endpoint(conn, target.name, {
            "platform_id": platform_id, "endpoint": target.endpoint, "auth_kind": "basic", "username": target.auth[0],
            "token_url": "", "client_id": "", "scope": "", "xapi_version": "1.0.3", "batch_size": batch_size},
            target.auth[1], time.time())


class ThrowawayPostgres:
    """A throwaway PostgreSQL cluster (tests/peers/postgres.py: fsync off), started on first
    use and stopped at exit; a new database for each run."""

    cluster = None

    @classmethod
    def new_database(cls) -> str:
        if cls.cluster is None:
            import atexit

            from tests.peers.postgres import PostgresCluster

            cls.cluster = PostgresCluster()
            atexit.register(cls.cluster.stop)
        return cls.cluster.new_database()

    @classmethod
    def cpu(cls) -> float:
        """CPU seconds the cluster's processes have used (0 before it starts), from /proc."""
        if cls.cluster is None:
            return 0.0
        postmaster = int((cls.cluster.data / "postmaster.pid").read_text().split()[0])
        pids = [postmaster, *(int(pid) for task in Path(f"/proc/{postmaster}/task").iterdir()
                              for pid in (task / "children").read_text().split())]
        return sum(process_cpu(pid, children=True) for pid in pids if Path(f"/proc/{pid}").exists())


def _db_outbox(target: Target, statements: list[dict], batch_size: int, database: str):
    """A fresh migrated database (``sqlite`` or ``postgresql``) with ``target`` as its LRS,
    the worker's xAPI job over it, and the statements as the bridge's outbox rows
    (serialized, as raw's bodies are); what the database contestants share."""
    from adapter.persistence.database import make_engine, upgrade
    from adapter.services.xapi_bridge import outbox_rows
    from adapter.worker import XapiDelivery

    engine = make_engine(ThrowawayPostgres.new_database() if database == "postgresql"
                         else f"sqlite:///{tempfile.mkdtemp(dir=_DATABASES.name)}/coachbridge.db")
    upgrade(engine)
    register_lrs(engine, target, batch_size)
    job = XapiDelivery(engine, None, allow_private_addresses=True)  # the LRS listens on 127.0.0.1
    job.deliverers()  # reads the LRS endpoint and opens its session, as a running worker has
    return engine, job, outbox_rows(target.name, statements, time.time(), "bench")


def _drain_all(engine, job, count: int, name: str) -> None:
    from adapter.persistence.outbox_store import queue_status

    while job.run_once():
        pass
    (status,) = queue_status(engine, time.time())
    if (status.delivered, status.pending, status.dead) != (count, 0, 0):
        raise RuntimeError(f"{name} left rows undelivered: {status}")


def prepare_db_drain(target: Target, statements: list[dict], batch_size: int, database: str = "sqlite") -> Send:
    """Outbox to LRS: the rows are committed (and SQLite's WAL checkpointed, PostgreSQL's
    table analysed) before the clock starts, as the web processes leave them; timed is the
    worker's drain only."""
    from adapter.services.xapi_bridge import insert_outbox_rows

    engine, job, rows = _db_outbox(target, statements, batch_size, database)
    with engine.begin() as conn:
        insert_outbox_rows(conn, rows)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE outbox" if database == "postgresql" else "PRAGMA wal_checkpoint(TRUNCATE)")

    def send() -> None:
        _drain_all(engine, job, len(statements), "db-drain")

    return send


def prepare_db_end_to_end(target: Target, statements: list[dict], batch_size: int,
                          database: str = "sqlite") -> Send:
    """Enqueue then drain: writing the rows in one transaction (in production, part of
    the web request's record transaction) and the worker's drain, both timed."""
    from adapter.services.xapi_bridge import insert_outbox_rows

    engine, job, rows = _db_outbox(target, statements, batch_size, database)

    def send() -> None:
        with engine.begin() as conn:
            insert_outbox_rows(conn, rows)
        _drain_all(engine, job, len(statements), "db-enqueue+drain")

    return send
