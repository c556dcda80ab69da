"""Encryption at rest for the tool's private keys.

The secret comes from ``COACHBRIDGE_KEY_ENCRYPTION_KEY``; a database dump without it
holds no usable private key. Any high-entropy string of 32+ characters works (for
instance ``coachbridge keys new-encryption-key``): it is stretched with HKDF into a
Fernet key (AES-128-CBC + HMAC-SHA256).
"""
from __future__ import annotations

import base64
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEALED_PREFIX = "fernet:"
MIN_SECRET_LENGTH = 32


class KeyEncryptionError(RuntimeError):
    """The stored keys and the configured secret do not fit together."""


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def derive_key(secret: str, purpose: bytes) -> bytes:
    """32 bytes for one ``purpose`` from ``secret`` (HKDF-SHA256): one secret, independent keys."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(secret.encode())


class KeyCipher:
    def __init__(self, secret: str) -> None:
        if len(secret) < MIN_SECRET_LENGTH:
            raise KeyEncryptionError(f"COACHBRIDGE_KEY_ENCRYPTION_KEY must be at least {MIN_SECRET_LENGTH} characters")
        self._fernet = Fernet(base64.urlsafe_b64encode(derive_key(secret, b"coachbridge tool keys")))

    def seal(self, pem: bytes) -> str:
        return SEALED_PREFIX + self._fernet.encrypt(pem).decode("ascii")

    def open(self, stored: str) -> bytes:
        try:
            return self._fernet.decrypt(stored.removeprefix(SEALED_PREFIX).encode("ascii"))
        except InvalidToken as exc:
            raise KeyEncryptionError("the tool keys were encrypted with another COACHBRIDGE_KEY_ENCRYPTION_KEY") from exc


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_PREFIX)
