"""Server-side web sessions: the browser holds a random token, the database its hash."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select

from .tables import web_sessions


@dataclass(frozen=True)
class WebSession:
    person_id: int | None
    platform_id: int | None
    context_pk: int | None
    resource_link_pk: int | None
    app_role: str
    app_roles: list[str]
    launch: dict[str, Any]
    csrf_token: str
    expires_at: float


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(conn: Connection, *, now: float, lifetime: float, **fields: Any) -> str:
    token = secrets.token_urlsafe(32)
    conn.execute(insert(web_sessions).values(
        token_hash=token_hash(token), csrf_token=secrets.token_urlsafe(32), created_at=now,
        expires_at=now + lifetime, **fields,
    ))
    return token


def load_session(engine: Engine, token: str, now: float) -> WebSession | None:
    with engine.connect() as conn:
        row = conn.execute(select(web_sessions).where(web_sessions.c.token_hash == token_hash(token),
                                                      web_sessions.c.expires_at > now)).mappings().first()
    if row is None:
        return None
    return WebSession(**{k: row[k] for k in WebSession.__dataclass_fields__})


def end_session(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash(token)))
