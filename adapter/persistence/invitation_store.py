"""Registration invitations as stored: the token's hash, never the token."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from .session_store import token_hash
from .tables import platforms, registration_invitations as invitations


def add_invitation(conn: Connection, token: str, note: str, now: float, expires_at: float) -> int:
    return conn.execute(insert(invitations).values(token_hash=token_hash(token), note=note, created_at=now,
                                                   expires_at=expires_at).returning(invitations.c.id)).scalar_one()


def _usable(token: str, now: float) -> list:
    return [invitations.c.token_hash == token_hash(token), invitations.c.used_at.is_(None),
            invitations.c.expires_at > now]


def usable_invitation(conn: Connection, token: str, now: float) -> int | None:
    """The invitation's id when the token names one neither used nor expired."""
    return conn.execute(select(invitations.c.id).where(*_usable(token, now))).scalar()


def spend_invitation(conn: Connection, token: str, now: float, platform_id: int) -> bool:
    """Mark it used by the registration it allowed; False when it was no longer usable."""
    return conn.execute(update(invitations).where(*_usable(token, now))
                        .values(used_at=now, platform_id=platform_id)).rowcount == 1


def invitation_rows(conn: Connection) -> list[dict[str, Any]]:
    """Every invitation, newest first, with the name of the platform that used it."""
    return [dict(row) for row in conn.execute(
        select(invitations.c.id, invitations.c.note, invitations.c.created_at, invitations.c.expires_at,
               invitations.c.used_at, platforms.c.name.label("platform_name"), invitations.c.platform_id)
        .outerjoin(platforms, platforms.c.id == invitations.c.platform_id)
        .order_by(invitations.c.id.desc())).mappings()]


def withdraw_invitation(conn: Connection, invitation_id: int, now: float) -> bool:
    """An unused invitation can be withdrawn: it expires now."""
    return conn.execute(update(invitations).where(invitations.c.id == invitation_id, invitations.c.used_at.is_(None),
                                                  invitations.c.expires_at > now)
                        .values(expires_at=now)).rowcount == 1
