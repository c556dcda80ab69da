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
from operator import itemgetter
from datetime import datetime, timezone
from typing import Any, Callable, NamedTuple, Sequence

from sqlalchemy import Connection, Engine, Text, and_, bindparam, cast, func, literal_column, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .tables import outbox, outbox_payloads

CLAIM_LEASE_SECONDS = 120.0
PENDING, DELIVERED, DEAD = "pending", "delivered", "dead"
CANCELLED = "cancelled"  # never to be sent: its person was erased (see forget)


class OutboxMessage(NamedTuple):
    """One row as a worker sees it (satisfies xapi.outbox.OutboxRow); a tuple, as a claim
    makes hundreds of them."""

    id: int
    target: str
    statement_id: str
    statement: str | bytes  # the payload, serialized JSON (UTF-8 bytes as read on SQLite)
    attempts: int
    due_at: float  # next_attempt_at, epoch seconds

    @property
    def next_attempt_at(self) -> datetime:
        return datetime.fromtimestamp(self.due_at, timezone.utc)

    @property
    def payload(self) -> Any:
        return json.loads(self.statement)


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
    two executemany statements built once: the outbox rows, then each new row's payload
    under the same id. A message already queued (channel, target, message_id) is kept
    once, its first payload with it."""
    if rows:
        for sql, params in _statements(conn)["enqueue"]:
            conn.exec_driver_sql(sql, list(map(params, rows)))


# What a claim and the settlements run, built once per dialect: building an UPDATE or an
# INSERT costs far more than executing it. ``status = 'pending'`` is literal so that the
# partial index of pending rows (ix_outbox_pending) applies on SQLite and PostgreSQL.
_PENDING = literal_column("'pending'")
_BUILT: dict[str, dict[str, Any]] = {}


def _statements(conn: Connection) -> dict[str, Any]:
    built = _BUILT.get(conn.dialect.name)
    if built is None:
        built = _BUILT[conn.dialect.name] = _build(postgresql if conn.dialect.name == "postgresql" else sqlite)
    return built


def _build(dialect) -> dict[str, Any]:
    c = outbox.c
    queue = dialect.insert(outbox).values(
        channel=bindparam("channel"), target=bindparam("target"), message_id=bindparam("message_id"),
        source=bindparam("source"), next_attempt_at=bindparam("next_attempt_at"),
        created_at=bindparam("created_at")).on_conflict_do_nothing()
    # The payload goes in only if its outbox row is the one just queued (a repeat finds
    # its id taken and does nothing).
    payloads = dialect.insert(outbox_payloads).from_select(
        ["id", "payload"],
        select(c.id, cast(bindparam("payload"), Text))
        .where(c.channel == bindparam("channel"), c.target == bindparam("target"),
               c.message_id == bindparam("message_id"))).on_conflict_do_nothing()
    ids = _DRIVER_IDS[dialect.__name__.rsplit(".", 1)[-1]]
    due = (
        "SELECT id FROM outbox WHERE channel = {channel} AND target = {target} AND status = 'pending'"
        " AND next_attempt_at <= {now} AND (claimed_until IS NULL OR claimed_until < {now})"
        " ORDER BY id LIMIT {limit}" + (" FOR UPDATE SKIP LOCKED" if dialect is postgresql else ""))
    # On PostgreSQL ``id IN (due)`` is planned as a hash join over a scan of the whole
    # table; ``id = ANY(ARRAY(due))`` looks the claimed ids up in the primary key.
    claim = ("UPDATE outbox SET claimed_until = {until}, claimed_by = {worker} WHERE "
             + (f"id = ANY(ARRAY({due}))" if dialect is postgresql else f"id IN ({due})")
             + " RETURNING id, target, message_id, attempts, next_attempt_at")
    if dialect is postgresql:  # one round trip: claim and read the payloads
        claim = ("WITH claimed AS (" + claim + ") SELECT claimed.id, claimed.target, claimed.message_id,"
                 " claimed.attempts, claimed.next_attempt_at, outbox_payloads.payload FROM claimed"
                 " LEFT JOIN outbox_payloads ON outbox_payloads.id = claimed.id")
    settle = "UPDATE outbox SET {values}, claimed_until = NULL, claimed_by = NULL WHERE " + ids + " AND status = 'pending'"
    driver = {
        "claim": claim,
        # As UTF-8 bytes: no decoding into str, and they go into a request body as they are.
        "read": "SELECT id, CAST(payload AS BLOB) FROM outbox_payloads WHERE " + ids,
        "delivered": settle.replace("{values}", "status = 'delivered', delivered_at = {at}, last_error = ''"),
        "retry": settle.replace("{values}", "next_attempt_at = {at}, attempts = {attempts}, last_error = {reason}"),
        "dead": settle.replace("{values}", "status = 'dead', last_error = {reason}"),
    }
    style = "%({})s" if dialect is postgresql else ":{}"
    names = ("channel", "target", "now", "limit", "until", "worker", "ids", "at", "attempts", "reason")
    return {
        "enqueue": [_driver_sql(queue, dialect), _driver_sql(payloads, dialect)],
        **{kind: sql.format(**{name: style.format(name) for name in names}) for kind, sql in driver.items()},
        "targets": select(c.target).distinct().where(
            c.channel == bindparam("b_channel"), c.status == _PENDING, c.next_attempt_at <= bindparam("b_now"),
            or_(c.claimed_until.is_(None), c.claimed_until < bindparam("b_now"))),
    }


# Claims and settlements go to the driver as fixed SQL (built once, cached by the driver):
# the ids of a batch are one parameter, a JSON array on SQLite and an array on PostgreSQL,
# instead of an expanding IN list that SQLAlchemy renders anew for every batch.
_DRIVER_IDS = {"sqlite": "id IN (SELECT value FROM json_each({ids}))",
               "postgresql": "id = ANY(CAST({ids} AS INTEGER[]))"}


def _run(conn: Connection, sql: str, params: dict[str, Any]) -> list[Any]:
    """Execute on the DBAPI cursor in ``conn``'s transaction (what exec_driver_sql does,
    ~40 µs a statement cheaper); the rows, if it returns any."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []
    finally:
        cursor.close()


def _ids_param(conn: Connection, row_ids: Sequence[int]) -> Any:
    ids = [int(i) for i in row_ids]
    return ids if conn.dialect.name == "postgresql" else json.dumps(ids)


def _driver_sql(statement: Any, dialect) -> tuple[str, Callable[[dict[str, Any]], Any]]:
    """``statement`` compiled once to the driver's SQL, and how to turn a row dict into its
    parameters: executemany through SQLAlchemy processes every row's parameters in Python
    (~10 µs a row and statement), the driver takes them as they are."""
    compiled = statement.compile(dialect=dialect.dialect())
    if compiled.positional:
        names = list(compiled.positiontup)
        getter = itemgetter(*names)
        return compiled.string, (lambda row: (getter(row),)) if len(names) == 1 else getter
    names = list(compiled.binds)
    return compiled.string, lambda row: {name: row[name] for name in names}


def _epoch(moment: datetime) -> float:
    return moment.timestamp()


class SqlOutbox:
    """One channel's rows; implements xapi.outbox.Outbox.

    A claim is one transaction (mark the batch claimed, read its payloads), and so is
    each settlement; the rows it updates are narrow (the payloads live apart)."""

    def __init__(self, engine: Engine, channel: str, lease: float = CLAIM_LEASE_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.channel = channel
        self.lease = lease
        self.clock = clock
        self.worker = secrets.token_hex(8)

    def claim_due(self, target: str, limit: int, now: datetime,
                  delivered: Sequence[int] = ()) -> Sequence[OutboxMessage]:
        at = _epoch(now)
        with self.engine.begin() as conn:
            built = _statements(conn)
            if delivered:
                _run(conn, built["delivered"], {"ids": _ids_param(conn, delivered), "at": self.clock()})
            rows = _run(conn, built["claim"], {
                "channel": self.channel, "target": target, "now": at, "limit": limit,
                "until": at + self.lease, "worker": self.worker})
            if not rows:
                return []
            if conn.dialect.name != "postgresql":  # PostgreSQL read them with the claim
                payloads = dict(_run(conn, built["read"], {"ids": _ids_param(conn, [r[0] for r in rows])}))
                rows = [(*row, payloads.get(row[0])) for row in rows]
        rows.sort(key=itemgetter(0))
        messages = [OutboxMessage(row_id, row_target, message_id, payload, attempts, due)
                    for row_id, row_target, message_id, attempts, due, payload in rows]
        for message in messages:
            if message.statement is None:
                raise LookupError(f"outbox row {message.id} has no payload")
        return messages

    def _settle(self, kind: str, row_ids: Sequence[int], **values: Any) -> None:
        if not row_ids:
            return
        with self.engine.begin() as conn:
            _run(conn, _statements(conn)[kind], {"ids": _ids_param(conn, row_ids), **values})

    def mark_delivered(self, row_ids: Sequence[int]) -> None:
        self._settle("delivered", row_ids, at=self.clock())

    def schedule_retry(self, row_ids: Sequence[int], at: datetime, attempts: int, reason: str) -> None:
        self._settle("retry", row_ids, at=_epoch(at), attempts=attempts, reason=reason[:2000])

    def mark_dead(self, row_id: int, reason: str) -> None:
        self._settle("dead", [row_id], reason=reason[:2000])

    def targets_with_due(self, now: float) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(_statements(conn)["targets"], {"b_channel": self.channel, "b_now": now})
                        .scalars())


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
    found: set[str] = set()
    ids = list(message_ids)
    for start in range(0, len(ids), 500):
        found.update(conn.execute(select(outbox.c.message_id).where(
            outbox.c.channel == channel, outbox.c.target == target,
            outbox.c.message_id.in_(ids[start:start + 500]))).scalars())
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
