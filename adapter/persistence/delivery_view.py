"""What the delivery page adds to the queue counts: why messages still wait."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from .tables import outbox

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
