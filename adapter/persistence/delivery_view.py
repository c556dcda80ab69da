"""What the delivery page adds to the queue counts: why messages still wait, and the names
behind the queues' targets (an AGS queue is named ``platform:N`` in the outbox)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from .tables import outbox, platforms

PENDING = "pending"


def waiting_reasons(conn: Connection) -> dict[tuple[str, str], dict[str, Any]]:
    """Per queue with pending messages already tried: the last error among them and when
    the next attempt is due."""
    tried = select(outbox.c.channel, outbox.c.target, func.max(outbox.c.id).label("last_id"),
                   func.min(outbox.c.next_attempt_at).label("next_at")) \
        .where(outbox.c.status == PENDING, outbox.c.attempts > 0) \
        .group_by(outbox.c.channel, outbox.c.target).subquery()
    rows = conn.execute(select(tried.c.channel, tried.c.target, tried.c.next_at, outbox.c.last_error)
                        .join(outbox, outbox.c.id == tried.c.last_id)).all()
    return {(r.channel, r.target): {"last_error": r.last_error, "next_at": r.next_at} for r in rows}


def target_names(conn: Connection) -> dict[str, str]:
    """``platform:N`` → the platform's name (LRS queues are named after their endpoint already)."""
    return {f"platform:{row.id}": row.name for row in conn.execute(select(platforms.c.id, platforms.c.name))}
