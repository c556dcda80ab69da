"""Server-side web sessions: the browser holds a random token, the database its hash."""
from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, update

from . import driver_sql
from .database import thread_connection
from .driver_rows import Columns
from .tables import admin_sign_in_links, web_sessions

# Every launch creates one (driver_sql.py says why as SQL text); every request with a
# session cookie loads it.
_INSERT_SESSION = driver_sql.both(
    "INSERT INTO web_sessions (token_hash, person_id, platform_id, context_pk, resource_link_pk, app_role,"
    " app_roles, launch, csrf_token, created_at, expires_at) VALUES (:token_hash, :person_id, :platform_id,"
    " :context_pk, :resource_link_pk, :app_role, :app_roles, :launch, :csrf_token, :created_at, :expires_at)")
_SESSION_COLUMNS = Columns(web_sessions, ("person_id", "platform_id", "context_pk", "resource_link_pk", "app_role",
                                           "app_roles", "launch", "csrf_token", "expires_at"))
_SESSION_BY_HASH = driver_sql.both(
    f"SELECT {_SESSION_COLUMNS.sql} FROM web_sessions WHERE token_hash = :token_hash AND expires_at > :now")


# The launch-values key of a language chosen in a session without a person (remember_locale).
CHOSEN_LOCALE = "chosen_locale"


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


_TOKEN_BYTES = 32  # a session token's and a CSRF token's randomness


def _urlsafe(random: bytes) -> str:
    """As ``secrets.token_urlsafe`` encodes its bytes."""
    return base64.urlsafe_b64encode(random).rstrip(b"=").decode("ascii")


@functools.lru_cache(maxsize=64)
def _roles_json(app_roles: tuple[str, ...]) -> str:
    """The ``app_roles`` column's text, as ``json.dumps`` writes the list: every launch writes
    one of a few lists (~1.3 µs hot a ``json.dumps``, most of it the encoder's setup)."""
    return json.dumps(list(app_roles))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(conn: Connection, *, now: float, lifetime: float, person_id: int | None = None,
                  platform_id: int | None = None, context_pk: int | None = None, resource_link_pk: int | None = None,
                  app_role: str, app_roles: list[str], launch: dict[str, Any]) -> tuple[str, WebSession]:
    """Store a new session; return the browser's token and the session as loaded later."""
    # Both tokens from one read of the system's random source (token_urlsafe(32) each, as before).
    random = os.urandom(2 * _TOKEN_BYTES)
    token, csrf_token = _urlsafe(random[:_TOKEN_BYTES]), _urlsafe(random[_TOKEN_BYTES:])
    session = WebSession(person_id, platform_id, context_pk, resource_link_pk, app_role, app_roles, launch,
                         csrf_token, now + lifetime)
    driver_sql.run(conn, _INSERT_SESSION, {
        "token_hash": token_hash(token), "person_id": person_id, "platform_id": platform_id, "context_pk": context_pk,
        "resource_link_pk": resource_link_pk, "app_role": app_role, "app_roles": _roles_json(tuple(app_roles)),
        "launch": json.dumps(launch), "csrf_token": csrf_token, "created_at": now, "expires_at": session.expires_at})
    return token, session


def create_session(conn: Connection, *, now: float, lifetime: float, **fields: Any) -> str:
    return start_session(conn, now=now, lifetime=lifetime, **fields)[0]


def load_session(engine: Engine, token: str, now: float) -> WebSession | None:
    """Every request with a session cookie asks: on SQLite on a kept connection (thread_connection),
    as SQL text on the driver (SQLAlchemy's statement, its transaction and rows cost ~3x the read)."""
    with thread_connection(engine) as conn:
        rows = _SESSION_COLUMNS.read(conn, _SESSION_BY_HASH, {"token_hash": token_hash(token), "now": now})
    return WebSession(**rows[0]) if rows else None


def end_session(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash(token)))


def add_sign_in_link(conn: Connection, token: str, now: float, lifetime: float) -> None:
    """Only the token's hash is stored, so the database cannot be read for a link."""
    conn.execute(insert(admin_sign_in_links).values(token_hash=token_hash(token), created_at=now,
                                                    expires_at=now + lifetime))


def use_sign_in_link(conn: Connection, token: str, now: float) -> bool:
    """Mark the link used; False when it was used already, has expired or was never issued."""
    links = admin_sign_in_links.c
    return conn.execute(update(admin_sign_in_links)
                        .where(links.token_hash == token_hash(token), links.used_at.is_(None), links.expires_at > now)
                        .values(used_at=now)).rowcount == 1


def move_session(conn: Connection, token: str, resource_link_pk: int, context_pk: int | None) -> None:
    """The session now concerns another resource link (a learner opening another activity)."""
    conn.execute(update(web_sessions).where(web_sessions.c.token_hash == token_hash(token))
                 .values(resource_link_pk=resource_link_pk, context_pk=context_pk))


def remember_locale(conn: Connection, token: str, session: WebSession, locale: str) -> None:
    """A language chosen in a session with no person behind it (a tool operator): kept with
    the session's launch values, for as long as the session lasts."""
    conn.execute(update(web_sessions).where(web_sessions.c.token_hash == token_hash(token))
                 .values(launch={**session.launch, CHOSEN_LOCALE: locale}))


def purge_expired_sessions(engine: Engine, now: float) -> int:
    """Forget sessions past their end (they already open nothing); how many."""
    with engine.begin() as conn:
        return conn.execute(delete(web_sessions).where(web_sessions.c.expires_at < now)).rowcount
