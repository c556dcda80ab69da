"""Service tokens in the database: one token per (registration, scope set) for every
process, and a lease so that processes starting together make one token request."""
from __future__ import annotations

import hashlib
import secrets
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from sqlalchemy import Engine, delete, select

from lti.service_token import CachedToken, TokenCacheKey

from .database import conflict_insert
from .key_cipher import KeyCipher, is_sealed
from .tables import service_token_locks, service_tokens

# Longer than a token request takes; a holder that died frees the key after this.
LEASE_SECONDS = 30.0
POLL_SECONDS = 0.05


def _row_key(key: TokenCacheKey) -> str:
    return hashlib.sha256(f"{key.issuer}\n{key.client_id}\n{key.scope}".encode()).hexdigest()


class SqlTokenCache:
    """Bearer tokens are secrets: sealed like the tool's keys when a cipher is configured."""

    def __init__(self, engine: Engine, cipher: KeyCipher | None = None,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> None:
        self.engine = engine
        self.cipher = cipher
        self.clock = clock
        self.sleep = sleep

    def get(self, key: TokenCacheKey) -> CachedToken | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(service_tokens.c.access_token, service_tokens.c.expires_at)
                               .where(service_tokens.c.cache_key == _row_key(key))).first()
        if row is None:
            return None
        token = row.access_token
        if is_sealed(token):
            if self.cipher is None:
                return None  # sealed by a configured process; this one fetches its own
            token = self.cipher.open(token).decode()
        return CachedToken(access_token=token, expires_at=row.expires_at)

    def put(self, key: TokenCacheKey, token: str, expires_at: float) -> None:
        stored = self.cipher.seal(token.encode()) if self.cipher else token
        statement = conflict_insert(self.engine, service_tokens).values(
            cache_key=_row_key(key), access_token=stored, expires_at=expires_at)
        with self.engine.begin() as conn:
            conn.execute(statement.on_conflict_do_update(
                index_elements=["cache_key"], set_={"access_token": stored, "expires_at": expires_at}))

    def _try_lease(self, row_key: str, holder: str) -> bool:
        now = self.clock()
        insert = conflict_insert(self.engine, service_token_locks).values(
            cache_key=row_key, holder=holder, lease_until=now + LEASE_SECONDS)
        statement = insert.on_conflict_do_update(
            index_elements=["cache_key"], set_={"holder": holder, "lease_until": now + LEASE_SECONDS},
            where=service_token_locks.c.lease_until < now,
        ).returning(service_token_locks.c.holder)
        with self.engine.begin() as conn:
            return conn.execute(statement).first() is not None

    @contextmanager
    def fetching(self, key: TokenCacheKey) -> Iterator[None]:
        """Held while this process asks the platform for a token; others wait here."""
        row_key, holder = _row_key(key), secrets.token_hex(16)
        while not self._try_lease(row_key, holder):
            self.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            with self.engine.begin() as conn:
                conn.execute(delete(service_token_locks).where(service_token_locks.c.cache_key == row_key,
                                                               service_token_locks.c.holder == holder))
