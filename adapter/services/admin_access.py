"""Admin access before any LMS exists: one-time, expiring sign-in links from the CLI."""
from __future__ import annotations

import secrets

from sqlalchemy import Engine

from adapter.persistence.session_store import add_sign_in_link, create_session, use_sign_in_link

ADMIN_LINK_LIFETIME = 15 * 60
# How a tool operator's session is marked (a launch never sets this key).
OPERATOR_SIGN_IN = "admin_link"


def issue_admin_link(engine: Engine, now: float, lifetime: float = ADMIN_LINK_LIFETIME) -> str:
    """A fresh token (the database keeps only its hash)."""
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        add_sign_in_link(conn, token, now, lifetime)
    return token


def redeem_admin_link(engine: Engine, token: str, now: float, session_lifetime: float) -> str | None:
    """Use the link once: a new admin session token, or None when used, expired or unknown."""
    with engine.begin() as conn:
        if not use_sign_in_link(conn, token, now):
            return None
        return create_session(conn, now=now, lifetime=session_lifetime, app_role="admin", app_roles=["admin"],
                              launch={"signed_in_by": OPERATOR_SIGN_IN})
