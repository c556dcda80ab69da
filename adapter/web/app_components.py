"""What the request handlers share, built once per process, and how a handler reaches it."""
from __future__ import annotations

import time
from contextlib import AbstractContextManager
from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

from adapter.bootstrap import Parts
from adapter.config import Settings
from adapter.domain.roles import RoleMap
from adapter.persistence.database import thread_connection
from adapter.persistence.key_cipher import KeyCipher
from adapter.persistence.instance_secrets import login_state_secret
from adapter.persistence.key_store import ToolKeyStore
from adapter.persistence.lti_stores import SqlKeySetCache, SqlLoginStore, SqlRegistrationStore
from lti.jwks import PlatformKeys
from lti.launch_validation import LaunchValidator
from lti.login_state import LoginStates
from lti.safe_fetch import FencedSession, FetchLimits

EXTENSION = "coachbridge"
KEY_SET_MAX_BYTES = 256 * 1024  # a key set with a dozen rotated keys is ~20 KB


@dataclass
class Components:
    """What the request handlers share: built once per process."""

    parts: Parts
    registrations: SqlRegistrationStore
    logins: SqlLoginStore
    login_states: LoginStates
    tool_keys: ToolKeyStore
    validator: LaunchValidator

    @property
    def settings(self) -> Settings:
        return self.parts.settings

    @property
    def engine(self) -> Engine:
        return self.parts.engine

    @property
    def cipher(self) -> KeyCipher | None:
        return self.parts.cipher

    @property
    def role_map(self) -> RoleMap:
        return self.parts.role_map


def components() -> Components:
    return current_app._get_current_object().extensions[EXTENSION]  # ~1 µs less than through the proxy


def page_connection() -> AbstractContextManager[Connection]:
    """A connection to read a page's data on: the request's own. A launch renders its landing
    page on the connection that recorded it; otherwise the request's first read takes one —
    on a SQLite file a kept connection (database.thread_connection), on PostgreSQL
    one from the pool — and every later read of the request uses it until the request ends
    (release_page_connection): one checkout and return per request instead of one per read
    (a page with a session read on four or five, ~60 µs each in place on SQLite, more with
    PostgreSQL's BEGIN and ROLLBACK round trips)."""
    held = g.get("db_connection")
    if held is None:
        lease = thread_connection(components().engine)
        held = g.db_connection = lease.__enter__()
        g.db_lease = lease
    return _RequestConnection(held)


class _RequestConnection:
    """The request's connection for one ``with``. A database error in it ends the request's use
    of the connection (rolled back, handed back) and the next read takes another: on PostgreSQL
    a failed statement leaves the transaction unusable, and the error page still reads (who is
    asking, the language), as it did when each read had a connection of its own."""

    __slots__ = ("conn",)

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def __enter__(self) -> Connection:
        return self.conn

    def __exit__(self, kind, error, _traceback) -> None:
        if kind is not None and issubclass(kind, SQLAlchemyError):
            release_page_connection(error)


def release_page_connection(error: BaseException | None = None) -> None:
    """At the end of a request (and of an app context): the request's connection handed back as
    the pool takes one back — a transaction left open rolled back (on SQLite the write lock free).
    Runs twice per request (request and app context): ``g`` taken from its proxy once."""
    state = g._get_current_object()
    state.pop("db_connection", None)
    lease = state.pop("db_lease", None)
    if lease is not None:
        lease.__exit__(type(error) if error is not None else None, error, None)


def web_components(parts: Parts) -> Components:
    registrations, logins = SqlRegistrationStore(parts.engine), SqlLoginStore(parts.engine)
    login_states = LoginStates(login_state_secret(parts.settings))
    # A key set is fetched from the URL its registration names, fenced like every such fetch.
    key_sets = FencedSession(FetchLimits(allow_private_addresses=parts.settings.allow_private_addresses,
                                         max_bytes=KEY_SET_MAX_BYTES))
    validator = LaunchValidator(registrations, logins, PlatformKeys(SqlKeySetCache(parts.engine), key_sets),
                                login_states, clock=time.time)
    return Components(parts=parts, registrations=registrations, logins=logins, login_states=login_states,
                      tool_keys=ToolKeyStore(parts.engine, parts.cipher), validator=validator)
