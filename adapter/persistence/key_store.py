"""The tool's own signing keys, kept in the database so every worker signs alike."""
from __future__ import annotations

import time

from sqlalchemy import Engine, insert, or_, select, update

from lti.keys import SigningKey

from .key_cipher import KeyCipher, KeyEncryptionError, is_sealed
from .tables import tool_keys

# How long a retired key stays published: longer than any token signed with it lives
# (deep-linking responses and client assertions live minutes) plus platform JWKS caches.
RETIRED_KEY_PUBLISHED_FOR = 7 * 24 * 3600


class ToolKeyStore:
    """Private keys are sealed with ``cipher`` when one is configured (always in production)."""

    def __init__(self, engine: Engine, cipher: KeyCipher | None = None) -> None:
        self.engine = engine
        self.cipher = cipher
        self._loaded: dict[str, SigningKey] = {}

    def _key(self, kid: str, stored: str) -> SigningKey:
        key = self._loaded.get(kid)
        if key is None:
            key = self._loaded[kid] = SigningKey.from_pem(self._unseal(stored))
        return key

    def _unseal(self, stored: str) -> bytes:
        if not is_sealed(stored):
            return stored.encode()
        if self.cipher is None:
            raise KeyEncryptionError("the tool keys are encrypted: set COACHBRIDGE_KEY_ENCRYPTION_KEY")
        return self.cipher.open(stored)

    def _seal(self, pem: bytes) -> str:
        return self.cipher.seal(pem) if self.cipher else pem.decode()

    def seal_plaintext_keys(self) -> int:
        """Encrypt keys stored before an encryption secret was configured; how many."""
        if self.cipher is None:
            return 0
        with self.engine.begin() as conn:
            rows = conn.execute(select(tool_keys.c.id, tool_keys.c.private_pem)).all()
            plain = [row for row in rows if not is_sealed(row.private_pem)]
            for row in plain:
                conn.execute(update(tool_keys).where(tool_keys.c.id == row.id)
                             .values(private_pem=self._seal(row.private_pem.encode())))
        return len(plain)

    def current(self) -> SigningKey:
        """The signing key: the newest one not retired, created on first use."""
        with self.engine.connect() as conn:
            row = conn.execute(select(tool_keys.c.kid, tool_keys.c.private_pem)
                               .where(tool_keys.c.retired_at.is_(None))
                               .order_by(tool_keys.c.created_at.desc(), tool_keys.c.id.desc())).first()
        if row is None:
            return self.rotate()
        return self._key(row.kid, row.private_pem)

    def published(self, now: float | None = None) -> list[SigningKey]:
        """Every key a platform may still need to check a signature with.

        A fresh instance has no key until one is needed; a platform may read (and cache)
        the key set before that, so publishing creates the first key too.
        """
        now = time.time() if now is None else now
        with self.engine.connect() as conn:
            rows = conn.execute(select(tool_keys.c.kid, tool_keys.c.private_pem)
                                .where(or_(tool_keys.c.retired_at.is_(None), tool_keys.c.published_until > now))
                                .order_by(tool_keys.c.created_at.desc(), tool_keys.c.id.desc())).all()
        if not rows:
            return [self.current()]
        return [self._key(r.kid, r.private_pem) for r in rows]

    def rotate(self, now: float | None = None) -> SigningKey:
        """A new signing key; the old ones retire but stay published for a while."""
        now = time.time() if now is None else now
        key = SigningKey.generate()
        with self.engine.begin() as conn:
            conn.execute(update(tool_keys).where(tool_keys.c.retired_at.is_(None))
                         .values(retired_at=now, published_until=now + RETIRED_KEY_PUBLISHED_FOR))
            conn.execute(insert(tool_keys).values(kid=key.kid, private_pem=self._seal(key.private_pem()),
                                                  created_at=now))
        self._loaded[key.kid] = key
        return key
