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
        self._holder: dict[int, _Batch] = {}
        self._pid = os.getpid()

    def claim(self, sql: str, params: dict[str, Any]) -> list[tuple]:
        """Run ``sql`` (a locking SELECT) in a new transaction kept open; its rows are held."""
        self._release_stale()
        batch = _Batch(self._connection(), since=time.monotonic())
        rows = self._execute(batch, sql, params, binary=True)
        if rows:
            batch.ids = {row[0] for row in rows}
            self._holder.update(dict.fromkeys(batch.ids, batch))
        else:
            self._finish(batch, commit=False)
        return rows

    def settle(self, sql: str, row_ids: Sequence[int], values: dict[str, Any]) -> list[int]:
        """Run ``sql`` for the held ones among ``row_ids`` in the transactions holding them,
        committing each batch whose rows are all settled; the ids not held here."""
        batches: dict[_Batch, list[int]] = {}
        loose = []
        for row_id in row_ids:
            batch = self._holder.get(row_id)
            if batch is None:
                loose.append(row_id)
            else:
                batches.setdefault(batch, []).append(row_id)
        for batch, ids in batches.items():
            self._execute(batch, sql, {**values, "ids": ids})
            batch.ids.difference_update(ids)
            for row_id in ids:
                del self._holder[row_id]
            if not batch.ids:
                self._finish(batch, commit=True)
        return loose

    def _connection(self) -> Any:
        if self._pid != os.getpid():  # forked: the parent's connections are not ours to use
            self._idle, self._holder, self._pid = [], {}, os.getpid()
        if self._idle:
            return self._idle.pop()
        proxied = self.engine.raw_connection()
        proxied.detach()  # its own: a session setting must not reach the pool's other users
        conn = proxied.dbapi_connection
        conn.autocommit = True
        conn.execute("SELECT set_config('idle_in_transaction_session_timeout', %s, false)",
                     [str(max(1, round(self.lease * 1000)))])
        conn.autocommit = False
        return conn

    def _execute(self, batch: _Batch, sql: str, params: dict[str, Any], binary: bool = False) -> list[tuple]:
        with self._losing(batch, sql, params):
            cursor = batch.conn.execute(sql, params, binary=binary)
            return cursor.fetchall() if cursor.description else []

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
            dbapi = self.engine.dialect.loaded_dbapi
            if isinstance(error, dbapi.Error):
                raise DBAPIError.instance(statement, params, error, dbapi.Error) from error
            raise

    def _forget(self, batch: _Batch) -> None:
        """The batch's rows are no longer held here."""
        for row_id in batch.ids:
            self._holder.pop(row_id, None)
        batch.ids = set()

    def _release_stale(self) -> None:
        """Batches held longer than the lease (their settlement never came: an error
        between claim and settlement) are rolled back, as a lapsed lease would free them."""
        stale = {batch for batch in self._holder.values() if time.monotonic() - batch.since > self.lease}
        for batch in stale:
            self._forget(batch)
            try:
                self._finish(batch, commit=False)
            except DBAPIError:
                pass  # the server had ended it already (its idle timeout): nothing is held
