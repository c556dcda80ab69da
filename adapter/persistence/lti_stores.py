"""The storage interfaces of lti/ on the database, so the logins used (and their nonces)
and platform keys are shared by every web worker on every machine.

Every launch reads its registration twice (login and id_token POST), and every page
names the platforms that may frame it, so registrations found and the platforms' page
addresses are kept in process memory for :data:`REGISTRATION_TTL` seconds; a write to
``platforms`` or ``deployments`` through this process's engine drops them at once
(platform_store.registrations_changed), other processes see it within the TTL. Unknown
registrations are never cached, and nothing about logins used is: that decision is always
the database's.
"""
from __future__ import annotations

import threading
import time
import weakref
from contextlib import AbstractContextManager, nullcontext
from typing import Callable

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from lti.login_state import nonce_login_id
from lti.storage import CachedKeySet, PendingLogin, Registration

from . import driver_sql
from .database import one_statement
from .platform_store import REGISTRATION_CACHES, platform_page_urls
from .tables import deployments, key_set_cache, platforms, used_logins

REGISTRATION_TTL = 5.0


class SqlRegistrationStore:
    def __init__(self, engine: Engine, ttl: float = REGISTRATION_TTL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = engine
        self.ttl = ttl
        self.clock = clock
        self._cached: dict[tuple, tuple[float, list[Registration]]] = {}
        self._lock = threading.Lock()
        # Told of writes by the write functions themselves: a listener on the engine ran on
        # every statement, and any listener puts all of SQLAlchemy's execution on its path
        # with events (a manager's or admin's page ~0.1-0.3 ms in place).
        engine.__dict__.setdefault(REGISTRATION_CACHES, weakref.WeakSet()).add(self)

    def forget(self) -> None:
        """Drop every cached registration (called on writes to the registration tables)."""
        with self._lock:
            self._cached.clear()

    def _cached_load(self, key: tuple, load: Callable[[], list]) -> list:
        """``load`` runs only on a miss (even building its query costs more than the lookup)."""
        now = self.clock()
        hit = self._cached.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        found = load()
        if found:
            with self._lock:
                self._cached[key] = (now + self.ttl, found)
        return found

    def _load(self, where) -> list[Registration]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(platforms).where(where)).mappings().all()
            if not rows:
                return []
            deployed = conn.execute(
                select(deployments.c.platform_id, deployments.c.deployment_id)
                .where(deployments.c.platform_id.in_([r["id"] for r in rows]))
            ).all()
        by_platform: dict[int, set[str]] = {}
        for platform_id, deployment_id in deployed:
            by_platform.setdefault(platform_id, set()).add(deployment_id)
        return [
            Registration(
                issuer=r["issuer"], client_id=r["client_id"], auth_login_url=r["auth_login_url"],
                key_set_url=r["key_set_url"], auth_token_url=r["auth_token_url"],
                deployment_ids=frozenset(by_platform.get(r["id"], ())), active=r["active"], ref=r["id"],
                accept_new_deployments=r["accept_new_deployments"], token_audience=r["token_audience"],
            )
            for r in rows
        ]

    def find_registration(self, issuer: str, client_id: str) -> Registration | None:
        found = self._cached_load(("client", issuer, client_id),
                                  lambda: self._load((platforms.c.issuer == issuer)
                                                     & (platforms.c.client_id == client_id)))
        return found[0] if found else None

    def registrations_for_issuer(self, issuer: str) -> list[Registration]:
        return list(self._cached_load(("issuer", issuer), lambda: self._load(platforms.c.issuer == issuer)))

    def page_urls(self) -> list[str]:
        """Where the active, approved platforms' pages live (the pages' frame-ancestors)."""
        def load() -> list[str]:
            with self.engine.connect() as conn:
                return platform_page_urls(conn)
        return list(self._cached_load(("pages",), load))


# Every launch runs the INSERT (driver_sql.py says why as SQL text); a refused one also the
# SELECT. A row is a used login under its login id, the one thing a launch writes about it.
_CONSUME_LOGIN = driver_sql.both(
    "INSERT INTO used_logins (login_id, expires_at) VALUES (:login_id, :expires_at) ON CONFLICT DO NOTHING")
_LOGIN_USED = driver_sql.both("SELECT 1 FROM used_logins WHERE login_id = :login_id")


class SqlLoginStore:
    """The logins used; a row stays until its login expired an hour ago, so a replay is
    recognised. The login itself travels in its state (lti.login_state): starting one writes nothing."""

    def __init__(self, engine: Engine, conn: Connection | None = None) -> None:
        self.engine = engine
        self.conn = conn

    def within(self, conn: Connection) -> SqlLoginStore:
        """The same store working in ``conn``'s transaction: a launch consumes its login in
        the transaction that opens its session, so both happen or neither does."""
        return SqlLoginStore(self.engine, conn)

    def _connection(self, write: bool) -> AbstractContextManager[Connection]:
        """Each write here is one statement: its own transaction when no caller's is given."""
        if self.conn is not None:
            return nullcontext(self.conn)
        return one_statement(self.engine) if write else self.engine.connect()

    def consume_login(self, login: PendingLogin, now: float) -> bool:
        # One insert that does nothing if the login is there: whichever worker's lands first wins.
        params = {"login_id": login.login_id, "expires_at": login.expires_at}
        with self._connection(write=True) as conn:
            return driver_sql.run_count(conn, _CONSUME_LOGIN, params) == 1

    def login_used(self, login_id: str) -> bool:
        with self._connection(write=False) as conn:
            return bool(driver_sql.run(conn, _LOGIN_USED, {"login_id": login_id}))

    def nonce_used(self, nonce: str) -> bool:
        """A nonce is used with its login, the one it was derived from."""
        return self.login_used(nonce_login_id(nonce))

    def purge_expired(self, now: float, keep_for: float = 3600.0) -> int:
        """Forget logins long expired; kept an hour so a late replay still reads as a replay."""
        with self.engine.begin() as conn:
            return conn.execute(delete(used_logins).where(used_logins.c.expires_at < now - keep_for)).rowcount


class SqlKeySetCache:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def load_key_set(self, url: str) -> CachedKeySet | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(key_set_cache).where(key_set_cache.c.url == url)).mappings().first()
        if row is None:
            return None
        return CachedKeySet(keys=row["keys"], fetched_at=row["fetched_at"], fresh_until=row["fresh_until"])

    def store_key_set(self, url: str, key_set: CachedKeySet) -> None:
        values = dict(keys=key_set.keys, fetched_at=key_set.fetched_at, fresh_until=key_set.fresh_until)
        with self.engine.begin() as conn:
            if conn.execute(update(key_set_cache).where(key_set_cache.c.url == url).values(**values)).rowcount:
                return
            try:
                with conn.begin_nested():
                    conn.execute(insert(key_set_cache).values(url=url, **values))
            except IntegrityError:
                conn.execute(update(key_set_cache).where(key_set_cache.c.url == url).values(**values))
