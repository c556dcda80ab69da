"""PostgreSQL outbox claims held by an open transaction instead of a lease written on each row.

A claim locks its batch (``FOR NO KEY UPDATE SKIP LOCKED``) in a transaction left open
while the batch is sent; its settlements run in that transaction, which commits once
every row of the batch is settled. Each row is written once (its settlement) instead of
twice (lease, then settlement), and a worker that dies holds nothing: its connection
closes and PostgreSQL releases the locks at once. Other workers skip locked rows, and
rows leased by a lease-claiming worker (an older version during an upgrade, or the mail
job), so a row in flight is never claimed twice.

Each held batch has a connection of its own, kept apart from the engine's pool (the
delivery loop sends one batch while it claims the next: two at a time). The server ends
a transaction left idle for longer than the lease (``idle_in_transaction_session_timeout``):
a worker whose machine vanished without closing its connections holds its rows no longer
than a lease would. Used from one thread at a time (the delivery job's).
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from .driver_sql import as_sqlalchemy_error, pg_int_array


@dataclass(eq=False)
class _Batch:
    conn: Any  # psycopg connection, in a transaction holding ``ids``
    ids: set[int] = field(default_factory=set)
    since: float = 0.0  # time.monotonic() of the claim


class HeldClaims:
    def __init__(self, engine: Engine, lease: float) -> None:
        self.engine = engine
        self.lease = lease
        self._idle: list[Any] = []
        self._batches: list[_Batch] = []  # held now: a few (the delivery loop holds two)
        self._pid = os.getpid()

    def claim(self, sql: str, params: dict[str, Any]) -> list[tuple]:
        """Run ``sql`` (a locking SELECT) in a new transaction kept open; its rows are held."""
        self._release_stale()
        batch = _Batch(self._connection(), since=time.monotonic())
        rows = self._execute(batch, sql, params, claiming=True)
        if rows:
            batch.ids = {row[0] for row in rows}
            self._batches.append(batch)
        else:
            self._finish(batch, commit=False)
        return rows

    def settle(self, sql: str, row_ids: Sequence[int], values: dict[str, Any]) -> list[int]:
        """Run ``sql`` for the held ones among ``row_ids`` in the transactions holding them,
        committing each batch whose rows are all settled; the ids not held here. (Set
        operations per batch, not a look-up per row: a settlement is usually a whole batch.)"""
        wanted = set(row_ids)
        for batch in [batch for batch in self._batches if not batch.ids.isdisjoint(wanted)]:
            ids = batch.ids & wanted
            self._execute(batch, sql, {**values, "ids": pg_int_array(sorted(ids))})
            wanted -= ids
            batch.ids -= ids
            if not batch.ids:
                self._batches.remove(batch)
                self._finish(batch, commit=True)
        return [row_id for row_id in row_ids if row_id in wanted] if wanted else []

    def _connection(self) -> Any:
        if self._pid != os.getpid():  # forked: the parent's connections are not ours to use
            self._idle, self._batches, self._pid = [], [], os.getpid()
        if self._idle:
            return self._idle.pop()
        proxied = self.engine.raw_connection()
        proxied.detach()  # its own: a session setting must not reach the pool's other users
        conn = proxied.dbapi_connection
        conn.autocommit = True
        # Settlements commit without waiting for the WAL to reach the disk (otherwise one
        # flush per batch, which the delivery loop waits on: ~20 ms a batch measured here
        # while the shared disk was busy, bench/xapi/HISTORY.md). A crash of the server can
        # lose the last few hundred milliseconds of them: those rows are pending again and
        # sent again, and the LRS keeps one copy per statement id (xAPI: a statement whose id
        # it has must not change its state; ours is the same statement, its id fixed when
        # written). A claim writes nothing.
        conn.execute("SELECT set_config('idle_in_transaction_session_timeout', %s, false),"
                     " set_config('synchronous_commit', 'off', false)", [str(max(1, round(self.lease * 1000)))])
        conn.autocommit = False
        return conn

    def _execute(self, batch: _Batch, sql: str, params: dict[str, Any], claiming: bool = False) -> list[tuple]:
        """A claim's rows (read in binary: the payloads as bytes); a settlement returns none."""
        with self._losing(batch, sql, params):
            cursor = batch.conn.execute(sql, params, binary=claiming)
            return cursor.fetchall() if claiming else []

    def _finish(self, batch: _Batch, commit: bool) -> None:
        with self._losing(batch, "COMMIT" if commit else "ROLLBACK", {}):
            batch.conn.commit() if commit else batch.conn.rollback()
        self._idle.append(batch.conn)

    @contextmanager
    def _losing(self, batch: _Batch, statement: str, params: dict[str, Any]) -> Iterator[None]:
        """On an error the batch's transaction is lost (the server releases its rows): its
        connection is closed, and a driver error is raised as SQLAlchemy's, as the pool's are."""
        try:
            yield
        except Exception as error:
            self._forget(batch)
            try:
                batch.conn.close()
            except Exception:  # already broken; closing is all that was left to do
                pass
            if isinstance(error, self.engine.dialect.loaded_dbapi.Error):
                raise as_sqlalchemy_error(self.engine.dialect, statement, params, error) from error
            raise

    def _forget(self, batch: _Batch) -> None:
        """The batch's rows are no longer held here."""
        if batch in self._batches:
            self._batches.remove(batch)
        batch.ids = set()

    def _release_stale(self) -> None:
        """Batches held longer than the lease (their settlement never came: an error
        between claim and settlement) are rolled back, as a lapsed lease would free them."""
        for batch in [batch for batch in self._batches if time.monotonic() - batch.since > self.lease]:
            self._forget(batch)
            try:
                self._finish(batch, commit=False)
            except DBAPIError:
                pass  # the server had ended it already (its idle timeout): nothing is held
