"""Admin access before any LMS exists: one-time, expiring sign-in links from the CLI."""
from __future__ import annotations

import secrets

from sqlalchemy import Engine, insert, update

from adapter.persistence.session_store import create_session, token_hash
from adapter.persistence.tables import admin_sign_in_links

ADMIN_LINK_LIFETIME = 15 * 60
# How a tool operator's session is marked (a launch never sets this key).
OPERATOR_SIGN_IN = "admin_link"


def issue_admin_link(engine: Engine, now: float, lifetime: float = ADMIN_LINK_LIFETIME) -> str:
    """A fresh token; only its hash is stored, so the database cannot be read for a link."""
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(insert(admin_sign_in_links).values(token_hash=token_hash(token), created_at=now,
                                                        expires_at=now + lifetime))
    return token


def redeem_admin_link(engine: Engine, token: str, now: float, session_lifetime: float) -> str | None:
    """Use the link once: a new admin session token, or None when used, expired or unknown."""
    with engine.begin() as conn:
        used = conn.execute(
            update(admin_sign_in_links)
            .where(admin_sign_in_links.c.token_hash == token_hash(token), admin_sign_in_links.c.used_at.is_(None),
                   admin_sign_in_links.c.expires_at > now)
            .values(used_at=now)
        ).rowcount
        if used != 1:
            return None
        return create_session(conn, now=now, lifetime=session_lifetime, app_role="admin", app_roles=["admin"],
                              launch={"signed_in_by": OPERATOR_SIGN_IN})
