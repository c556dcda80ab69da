"""The engine, its SQLite tuning, and migrations on first start."""
from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Table, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.dialects import postgresql, sqlite

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def is_postgresql(bind: Connection | Engine) -> bool:
    """Which database this is: PostgreSQL, or else SQLite (the two the tool runs on)."""
    return bind.dialect.name == "postgresql"


def conflict_insert(bind: Connection | Engine, table: Table) -> Any:
    """An INSERT in the database's own dialect, which takes ``on_conflict_do_update`` and
    ``on_conflict_do_nothing`` (both dialects spell them alike)."""
    return (postgresql if is_postgresql(bind) else sqlite).insert(table)


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        write_lock = WriteLock(Path(path + ".write-lock")) if path and path != ":memory:" else None
        connect_args: dict = {"timeout": 30}
        if write_lock is not None:
            connect_args["factory"] = _queued_writes(write_lock)
        engine = create_engine(database_url, connect_args=connect_args)
        event.listen(engine, "connect", _tune_sqlite)
        if write_lock is not None:
            engine.kept_connections = _KeptConnections()  # thread_connection
        return engine
    engine = create_engine(database_url, pool_size=10, max_overflow=20)
    _ping_when_idle(engine)
    return engine


# A pooled PostgreSQL connection idle longer than this is checked (one round trip) before use.
PING_IDLE_AFTER = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's ``pool_pre_ping``, for the connections that sat in the pool longer than
    :data:`PING_IDLE_AFTER` seconds: a busy tool reuses its connections within milliseconds, and pinging
    each checkout cost one round trip per request.

    What may kill a pooled connection — a restart or failover of the server, an idle timeout
    (``idle_session_timeout``, a firewall, a pooler), an administrator ending it — is found
    when the connection has been idle longer than that; the dead one is replaced before use,
    as pre-ping does. Left unchecked: a connection returned less than that before its server
    restarted. Its first statement fails (the request gets an error and has changed nothing:
    a launch's login is not consumed, posting it again works) and the pool drops it
    (tests/adapter_unit/test_postgres_pool.py).
    """
    @event.listens_for(engine, "checkin")
    def idle_from(dbapi_connection, record) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, proxy) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since <= PING_IDLE_AFTER:
            return  # new, or back in the pool a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("the pooled connection is gone") from error  # the pool connects anew


def one_statement(engine: Engine) -> AbstractContextManager[Connection]:
    """A connection for one write that is its own transaction. On PostgreSQL in autocommit
    (no BEGIN and COMMIT round trips around it); on SQLite a transaction, whose commit
    releases the write lock at once (WriteLock)."""
    if not is_postgresql(engine):
        return engine.begin()
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def thread_connection(engine: Engine) -> AbstractContextManager[Connection]:
    """A connection for one request's statements: on a SQLite file one of the process's kept
    connections, the one handed back last, kept open from one request to the next; else
    (PostgreSQL) one from the pool, closed after use.

    The pool's checkout and return, and SQLAlchemy's Connection around them, cost ~60 µs of
    CPU per request in place (bench/launch/HISTORY.md, issue 18's sixth session); a launch
    takes two (the login, the id_token POST). The last one handed back goes out first (not the
    calling thread's own, not the longest idle): SQLite drops a connection's page cache when
    another connection wrote since its last read, so the connection that wrote last reads its
    pages from its cache, and one alone at a time (one browser) keeps using the same warm one.
    PostgreSQL keeps the pool: its checkout is where a connection idle too long is pinged
    (_ping_when_idle).
    """
    kept = getattr(engine, "kept_connections", None)
    return engine.connect() if kept is None else _KeptConnection(engine, kept)


class _KeptConnections:
    """The process's kept connections not in use, the one handed back last at the end (a
    list's ``append`` and ``pop`` are atomic), never more than were in use at once; closed
    when the engine goes."""

    def __init__(self) -> None:
        self.idle: list[Connection] = []
        self.pid = os.getpid()

    def take(self) -> Connection | None:
        if self.pid != os.getpid():  # a forked child never touches its parent's
            self.idle, self.pid = [], os.getpid()
        try:
            return self.idle.pop()  # atomic: another thread may take the last one between a test and a pop
        except IndexError:
            return None

    def __del__(self) -> None:
        if self.pid == os.getpid():
            for conn in self.idle:
                conn.close()


class _KeptConnection:
    """Hands out a kept connection (or a new one, when all are in use) and, when done, keeps it
    as the pool leaves a connection it takes back: no transaction open, the write lock released."""

    def __init__(self, engine: Engine, kept: _KeptConnections) -> None:
        self.engine = engine
        self.kept = kept
        self.conn: Connection | None = None

    def __enter__(self) -> Connection:
        conn = self.kept.take()
        if conn is None:
            conn = self.engine.connect()
        self.conn = conn
        return conn

    def __exit__(self, *exc_info) -> None:
        conn, self.conn = self.conn, None
        if conn is None:
            return  # handed back already: never kept twice (two users would share it)
        if conn.closed or conn.invalidated or conn.get_execution_options() != self.engine.get_execution_options():
            # Closed by its user, broken, or given an isolation level or other option: the pool
            # resets those when it takes the connection back, so it goes back there, not kept.
            conn.close()
            return
        try:
            if conn.in_transaction():
                conn.rollback()
            raw = conn.connection.dbapi_connection
            if raw.in_transaction or raw.writing:  # a write on the driver's connection (driver_sql)
                raw.rollback()
        except BaseException:
            conn.invalidate()  # closed; not kept
            raise
        self.kept.idle.append(conn)


def reads_only(conn: Connection) -> None:
    """What ``conn`` runs from now on only reads (no transaction open): on PostgreSQL each
    statement in autocommit, as it would be in its own READ COMMITTED snapshot anyway, so
    no BEGIN and ROLLBACK round trips around them. SQLite starts no transaction for reads."""
    if is_postgresql(conn):
        conn.execution_options(isolation_level="AUTOCOMMIT")


class WriteLock:
    """One writer at a time on a SQLite file, across threads and processes, waiting in a
    queue instead of in SQLite's busy handler.

    SQLite lets one transaction write; the others get SQLITE_BUSY and its busy handler
    sleeps 1, 2, 5, 10… ms before trying again, so under load writers sleep while the
    database is free, and the cores idle. Here a write transaction first takes a thread
    lock (bounded wait: a thread that already writes on another connection gets an error
    after ``timeout``, as SQLite would give it) and then an ``flock`` on a file beside the
    database (the kernel wakes the next process as soon as it is released).
    """

    def __init__(self, path: Path, timeout: float = 30.0) -> None:
        self.path = path
        self.timeout = timeout
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._pid = 0

    def acquire(self) -> None:
        if not self._thread_lock.acquire(timeout=self.timeout):
            raise sqlite3.OperationalError("database is locked (waited for the write lock)")
        try:
            if self._pid != os.getpid():  # a forked worker opens its own file description
                self._fd, self._pid = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), os.getpid()
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._thread_lock.release()
            raise

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread_lock.release()


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _queued_writes(lock: WriteLock) -> type[sqlite3.Connection]:
    """A sqlite3 connection class that holds ``lock`` from its first INSERT/UPDATE/DELETE
    (where pysqlite begins the write transaction) until commit, rollback or close."""

    class Cursor(sqlite3.Cursor):
        def execute(self, sql, parameters=()):
            self.connection._before(sql)
            return super().execute(sql, parameters)

        def executemany(self, sql, seq_of_parameters):
            self.connection._before(sql)
            return super().executemany(sql, seq_of_parameters)

    class Connection(sqlite3.Connection):
        _lock = lock
        writing = False  # holds the lock

        def _before(self, sql: str) -> None:
            if not self.writing and sql.lstrip()[:7].upper().startswith(_WRITES):
                lock.acquire()
                self.writing = True

        def _done(self) -> None:
            if self.writing:
                self.writing = False
                lock.release()

        def cursor(self, factory=Cursor):
            return super().cursor(factory)

        def execute(self, sql, parameters=()):
            return self.cursor().execute(sql, parameters)

        def commit(self):
            try:
                super().commit()
            finally:
                self._done()

        def rollback(self):
            try:
                super().rollback()
            finally:
                self._done()

        def close(self):
            try:
                super().close()
            finally:
                self._done()

    return Connection


def _tune_sqlite(dbapi_connection, _record) -> None:
    # WAL lets readers and one writer proceed together across gunicorn workers;
    # NORMAL sync is durable across application crashes, which is what we need.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        # "heads": features add their tables on branches of their own from the initial
        # schema; every branch is applied.
        command.upgrade(config, "heads")


def migrations_current(engine: Engine) -> bool:
    heads = set(ScriptDirectory.from_config(alembic_config(str(engine.url))).get_heads())
    with engine.connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) == heads
