"""The outbox on the database: rows written with their records, claimed by workers.

Claims are leases (``claimed_until``): a worker killed mid-batch holds nothing once its
lease lapses, so the rows are delivered by the next worker — at least once, and the far
end makes repeats harmless (deterministic statement ids; AGS last-write-wins). On
PostgreSQL, concurrent workers skip each other's rows with ``FOR UPDATE SKIP LOCKED``;
SQLite serialises writers, so its single UPDATE … RETURNING claim is atomic already.
"""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Sequence

from sqlalchemy import Connection, Engine, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .tables import outbox

CLAIM_LEASE_SECONDS = 120.0
PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"


@dataclass(frozen=True)
class OutboxMessage:
    """One row as a worker sees it (satisfies xapi.outbox.OutboxRow)."""

    id: int
    target: str
    statement_id: str
    statement: str  # the payload, serialized JSON
    attempts: int
    next_attempt_at: datetime

    @property
    def payload(self) -> Any:
        return json.loads(self.statement)


def enqueue(conn: Connection, channel: str, target: str, message_id: str, payload: Any, now: float,
            source: str = "") -> None:
    """Add a message in the caller's transaction; the same message twice is kept once."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(outbox).values(
        channel=channel, target=target, message_id=message_id, source=source[:100],
        payload=payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":")),
        next_attempt_at=now, created_at=now,
    ).on_conflict_do_nothing())


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


class SqlOutbox:
    """One channel's rows; implements xapi.outbox.Outbox."""

    def __init__(self, engine: Engine, channel: str, lease: float = CLAIM_LEASE_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.channel = channel
        self.lease = lease
        self.clock = clock
        self.worker = secrets.token_hex(8)

    def claim_due(self, target: str, limit: int, now: datetime) -> Sequence[OutboxMessage]:
        at = _epoch(now)
        due = (select(outbox.c.id)
               .where(outbox.c.channel == self.channel, outbox.c.target == target, outbox.c.status == PENDING,
                      outbox.c.next_attempt_at <= at,
                      or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < at))
               .order_by(outbox.c.id).limit(limit).with_for_update(skip_locked=True))
        claim = (update(outbox).where(outbox.c.id.in_(due.scalar_subquery()))
                 .values(claimed_until=at + self.lease, claimed_by=self.worker)
                 .returning(outbox.c.id, outbox.c.target, outbox.c.message_id, outbox.c.payload,
                            outbox.c.attempts, outbox.c.next_attempt_at))
        with self.engine.begin() as conn:
            rows = conn.execute(claim).all()
        return sorted((OutboxMessage(id=r.id, target=r.target, statement_id=r.message_id, statement=r.payload,
                                     attempts=r.attempts,
                                     next_attempt_at=datetime.fromtimestamp(r.next_attempt_at, timezone.utc))
                       for r in rows), key=lambda m: m.id)

    def _settle(self, row_ids: Sequence[int], **values: Any) -> None:
        if not row_ids:
            return
        with self.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id.in_(list(row_ids)), outbox.c.status == PENDING)
                         .values(claimed_until=None, claimed_by=None, **values))

    def mark_delivered(self, row_ids: Sequence[int]) -> None:
        self._settle(row_ids, status=DELIVERED, delivered_at=self.clock(), last_error="")

    def schedule_retry(self, row_ids: Sequence[int], at: datetime, attempts: int, reason: str) -> None:
        self._settle(row_ids, next_attempt_at=_epoch(at), attempts=attempts, last_error=reason[:2000])

    def mark_dead(self, row_id: int, reason: str) -> None:
        self._settle([row_id], status=DEAD, last_error=reason[:2000])

    def targets_with_due(self, now: float) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(
                select(outbox.c.target).distinct()
                .where(outbox.c.channel == self.channel, outbox.c.status == PENDING, outbox.c.next_attempt_at <= now,
                       or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now))).scalars())


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
