"""The outbox on the database: rows written with their records, claimed by workers.

Claims are leases (``claimed_until``): a worker killed mid-batch holds nothing once its
lease lapses, so the rows are delivered by the next worker — at least once, and the far
end makes repeats harmless (deterministic statement ids; AGS last-write-wins). On
PostgreSQL, concurrent workers skip each other's rows with ``FOR UPDATE SKIP LOCKED``;
SQLite serialises writers, so its single UPDATE … RETURNING claim is atomic already.
On PostgreSQL a claim can instead be held by its open transaction (``hold_claims``,
outbox_held.py): no lease written, and a killed worker's rows are free at once.
"""
from __future__ import annotations

import json
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from operator import itemgetter
from typing import Any, Callable, Iterator, NamedTuple, Sequence

from sqlalchemy import Connection, Engine, and_, func, or_, select, update

from . import driver_rows
from .driver_sql import run, run_many
from .outbox_held import HeldClaims
from .outbox_sql import BY_DIALECT, ENQUEUE
from .tables import outbox, outbox_keys, outbox_payloads

CLAIM_LEASE_SECONDS = 120.0
HEAD_EVERY = 1.0  # seconds: how long held claims may resume after their last one (SqlOutbox._claim_held)
PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
CANCELLED = "cancelled"  # never to be sent: its person was erased (see forget)


class OutboxMessage(NamedTuple):
    """One row as a worker sees it (satisfies xapi.outbox.OutboxRow); a tuple, as a claim
    makes hundreds of them."""

    id: int
    target: str
    statement_id: str
    attempts: int
    due_at: float  # next_attempt_at, epoch seconds
    statement: str | bytes  # the payload, serialized JSON (UTF-8 bytes as the claims read it)

    @property
    def next_attempt_at(self) -> datetime:
        return datetime.fromtimestamp(self.due_at, timezone.utc)

    @property
    def payload(self) -> Any:
        return json.loads(self.statement)


# A claim's row as a message without a call per field: the claims' columns are the fields, in order.
_as_message = partial(tuple.__new__, OutboxMessage)


def message_row(channel: str, target: str, message_id: str, payload: Any, now: float,
                source: str = "") -> dict[str, Any]:
    """One message as :func:`enqueue_many` takes it (``payload`` a str is kept as is)."""
    return {"channel": channel, "target": target, "message_id": message_id, "source": source[:100],
            "payload": payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":")),
            "next_attempt_at": now, "created_at": now}


def enqueue(conn: Connection, channel: str, target: str, message_id: str, payload: Any, now: float,
            source: str = "") -> None:
    """Add a message in the caller's transaction; the same message twice is kept once."""
    enqueue_many(conn, [message_row(channel, target, message_id, payload, now, source)])


def enqueue_many(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Add messages (dicts as :func:`message_row` makes them) in the caller's transaction,
    executemany statements (outbox_sql.ENQUEUE): each message's key, outbox row and
    payload, under the key's id. A message already queued (channel, target, message_id)
    is kept once, its first payload with it; once forgotten (:func:`forget`), queueing it
    again brings back neither its payload nor its sending."""
    if rows:
        for sql in ENQUEUE[conn.dialect.name]:
            run_many(conn, sql, rows)


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


class SqlOutbox:
    """One channel's rows; implements xapi.outbox.Outbox.

    A claim is atomic (mark the batch claimed, read its payloads), and so is each
    settlement; the rows it updates are narrow (the payloads live apart). On SQLite a
    claim is one transaction of up to three statements; on PostgreSQL one statement run
    on its own (autocommit), so a claim costs one round trip.

    ``hold_claims`` (PostgreSQL only; the delivery loop's batches, settled together): a
    claim is held by its open transaction until its rows are settled, and each row is
    written once. Not for mail, settled one message at a time: a kill would re-send the
    messages already sent in the batch. A held claim resumes after the worker's last one
    (``_claim_held``), so rows due longest come first only up to ``HEAD_EVERY``."""

    def __init__(self, engine: Engine, channel: str, lease: float = CLAIM_LEASE_SECONDS,
                 clock: Callable[[], float] = time.time, hold_claims: bool = False) -> None:
        self.engine = engine
        self.channel = channel
        self.lease = lease
        self.clock = clock
        self.worker = secrets.token_hex(8)
        self._postgresql = engine.dialect.name == "postgresql"
        self._sql = BY_DIALECT[engine.dialect.name]
        self._held = HeldClaims(engine, lease) if hold_claims and self._postgresql else None
        # per target: the key (next_attempt_at, id) after which the next held claim resumes,
        # and the time (``clock``) by which a claim starts from the queue's head again
        self._resume: dict[str, tuple[float, int, float]] = {}

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """A connection whose statements are atomic: one transaction on SQLite; on
        PostgreSQL each statement on its own (every write here is one statement)."""
        if self._postgresql:
            with self.engine.connect() as conn:
                yield conn.execution_options(isolation_level="AUTOCOMMIT")
        else:
            with self.engine.begin() as conn:
                yield conn

    def claim_due(self, target: str, limit: int, now: datetime,
                  delivered: Sequence[int] = ()) -> Sequence[OutboxMessage]:
        at = _epoch(now)
        claim = {"channel": self.channel, "target": target, "now": at, "limit": limit, "until": at + self.lease,
                 "worker": self.worker}
        if self._held is not None:
            self.mark_delivered(delivered)
            rows = self._claim_held(target, claim)
        else:
            rows = self._claim(claim, delivered)
        rows.sort(key=itemgetter(0))
        for row in rows:
            if row[5] is None:
                raise LookupError(f"outbox row {row[0]} has no payload")
        return list(map(_as_message, rows))

    def _claim_held(self, target: str, claim: dict[str, Any]) -> list[Any]:
        """A held claim resumed after this worker's last full one, or from the queue's head:
        when there is no such claim, when it came short (the tail of the queue) or found
        nothing, and at least every ``HEAD_EVERY`` seconds. Rows the resumed claims pass by
        (a retry due again, a killed worker's batch released) wait for the next claim from
        the head."""
        after = self._resume.get(target)
        rows = []
        if after is not None and self.clock() < after[2]:
            rows = self._held.claim(self._sql["hold_after"], {**claim, "after_at": after[0], "after_id": after[1]})
        if not rows:
            rows = self._held.claim(self._sql["hold"], claim)
            after = None
        if len(rows) < claim["limit"]:
            self._resume.pop(target, None)
        else:
            last = max(rows, key=itemgetter(4, 0))
            self._resume[target] = (last[4], last[0], after[2] if after else self.clock() + HEAD_EVERY)
        return rows

    def _claim(self, claim: dict[str, Any], delivered: Sequence[int]) -> list[Any]:
        with self._writing() as conn:
            if delivered and self._postgresql:
                rows = run(conn, self._sql["claim_marking"], {**claim, "ids": driver_rows.ids(conn, delivered), "at": self.clock()})
            else:
                if delivered:
                    run(conn, self._sql["delivered"], {"ids": driver_rows.ids(conn, delivered), "at": self.clock()})
                rows = run(conn, self._sql["claim"], claim)
                if rows and not self._postgresql:  # PostgreSQL read the payloads with the claim
                    payloads = dict(run(conn, self._sql["read"], {"ids": driver_rows.ids(conn, [r[0] for r in rows])}))
                    rows = [(*row, payloads.get(row[0])) for row in rows]
        return rows

    def _settle(self, kind: str, row_ids: Sequence[int], **values: Any) -> None:
        if self._held is not None and row_ids:
            row_ids = self._held.settle(self._sql["held_" + kind], row_ids, values)  # the rest were not held here
        if not row_ids:
            return
        with self._writing() as conn:
            run(conn, self._sql[kind], {"ids": driver_rows.ids(conn, row_ids), **values})

    def mark_delivered(self, row_ids: Sequence[int]) -> None:
        self._settle("delivered", row_ids, at=self.clock())

    def schedule_retry(self, row_ids: Sequence[int], at: datetime, attempts: int, reason: str) -> None:
        self._settle("retry", row_ids, at=_epoch(at), attempts=attempts, reason=reason[:2000])

    def mark_dead(self, row_id: int, reason: str) -> None:
        self._settle("dead", [row_id], reason=reason[:2000])

    def targets_with_due(self, now: float) -> list[str]:
        with self.engine.connect() as conn:
            return [target for (target,) in run(conn, self._sql["targets"], {"channel": self.channel, "now": now})]


@dataclass(frozen=True)
class QueueStatus:
    channel: str
    target: str
    pending: int
    delivered: int
    dead: int
    oldest_pending_age: float | None  # seconds


def queue_status(engine: Engine, now: float) -> list[QueueStatus]:
    """Counts per channel and target, and how long the oldest pending message has waited."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.channel, outbox.c.target, outbox.c.status, func.count(), func.min(outbox.c.created_at))
            .group_by(outbox.c.channel, outbox.c.target, outbox.c.status)
            .order_by(outbox.c.channel, outbox.c.target)).all()
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for channel, target, status, count, oldest in rows:
        entry = table.setdefault((channel, target), {PENDING: 0, DELIVERED: 0, DEAD: 0, "oldest": None})
        entry[status] = count
        if status == PENDING:
            entry["oldest"] = now - oldest
    return [QueueStatus(channel, target, e[PENDING], e[DELIVERED], e[DEAD], e["oldest"])
            for (channel, target), e in table.items()]


def retry_dead(engine: Engine, now: float, channel: str | None = None, target: str | None = None) -> int:
    """Put dead messages back in the queue (after the operator fixed the cause)."""
    where = [outbox.c.status == DEAD]
    if channel:
        where.append(outbox.c.channel == channel)
    if target:
        where.append(outbox.c.target == target)
    with engine.begin() as conn:
        return conn.execute(update(outbox).where(and_(*where)).values(
            status=PENDING, attempts=0, next_attempt_at=now, claimed_until=None, claimed_by=None)).rowcount


def dead_messages(engine: Engine, limit: int = 50) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(outbox.c.id, outbox.c.channel, outbox.c.target, outbox.c.source, outbox.c.attempts,
                   outbox.c.last_error, outbox.c.created_at)
            .where(outbox.c.status == DEAD).order_by(outbox.c.id.desc()).limit(limit)).mappings()]



def already_queued(conn: Connection, channel: str, target: str, message_ids: Sequence[str]) -> set[str]:
    """Which of ``message_ids`` are in the outbox already (in any state): a producer that
    repeats itself (a periodic scan) skips composing them again."""
    return _queued(conn, channel, target, message_ids)


def cancelled_among(conn: Connection, channel: str, target: str, message_ids: Sequence[str]) -> set[str]:
    """Which of ``message_ids`` were queued and then cancelled (:func:`forget`)."""
    return _queued(conn, channel, target, message_ids, status=CANCELLED)


def _queued(conn: Connection, channel: str, target: str, message_ids: Sequence[str],
            status: str | None = None) -> set[str]:
    found: set[str] = set()
    ids = list(message_ids)
    for start in range(0, len(ids), 500):
        query = select(outbox_keys.c.message_id).where(
            outbox_keys.c.channel == channel, outbox_keys.c.target == target,
            outbox_keys.c.message_id.in_(ids[start:start + 500]))
        if status is not None:
            query = query.join(outbox, outbox.c.id == outbox_keys.c.id).where(outbox.c.status == status)
        found.update(conn.execute(query).scalars())
    return found


# --- personal data: what the outbox holds about records, and forgetting it ----------------
@dataclass(frozen=True)
class HeldMessage:
    id: int
    channel: str
    target: str
    message_id: str
    source: str
    status: str
    created_at: float
    delivered_at: float | None


def messages_from(conn: Connection, sources: Sequence[str]) -> list[HeldMessage]:
    """Every message written for these records (``sources`` as the writers name them,
    e.g. "reflection 12"), whatever version or status, in queue order."""
    found: list[HeldMessage] = []
    names = sorted(set(sources))
    for start in range(0, len(names), 200):
        chunk = names[start:start + 200]
        found += [HeldMessage(*row) for row in conn.execute(
            select(outbox.c.id, outbox.c.channel, outbox.c.target, outbox.c.message_id, outbox.c.source,
                   outbox.c.status, outbox.c.created_at, outbox.c.delivered_at)
            .where(or_(*(outbox.c.source.like(name.replace("%", "") + " v%") for name in chunk))))]
    return sorted(found, key=lambda m: m.id)


def payloads(conn: Connection, row_ids: Sequence[int]) -> dict[int, str]:
    """The payloads still kept for these rows (as text)."""
    if not row_ids:
        return {}
    return {row_id: bytes(p).decode() if isinstance(p, (bytes, memoryview)) else p for row_id, p in conn.execute(
        select(outbox_payloads.c.id, outbox_payloads.c.payload).where(outbox_payloads.c.id.in_(list(row_ids))))}


def forget(conn: Connection, row_ids: Sequence[int]) -> None:
    """In the caller's transaction: the pending or dead ones among these rows will never
    be sent (cancelled), and no payload is kept for any of them; the rows stay, so the
    queue's history (what went where, when) is still there without the content."""
    ids = list(row_ids)
    if not ids:
        return
    conn.execute(update(outbox).where(outbox.c.id.in_(ids), outbox.c.status.in_([PENDING, DEAD]))
                 .values(status=CANCELLED, claimed_until=None, claimed_by=None))
    conn.execute(outbox_payloads.delete().where(outbox_payloads.c.id.in_(ids)))


def replace_payload(conn: Connection, row_id: int, payload: Any) -> None:
    """Change a queued message's content before it is sent (e.g. a void's actor after an erasure)."""
    conn.execute(update(outbox_payloads).where(outbox_payloads.c.id == row_id).values(
        payload=payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))))
