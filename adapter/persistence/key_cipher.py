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


class KeyCipher:
    def __init__(self, secret: str) -> None:
        if len(secret) < MIN_SECRET_LENGTH:
            raise KeyEncryptionError(f"COACHBRIDGE_KEY_ENCRYPTION_KEY must be at least {MIN_SECRET_LENGTH} characters")
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"coachbridge tool keys"
                       ).derive(secret.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def seal(self, pem: bytes) -> str:
        return SEALED_PREFIX + self._fernet.encrypt(pem).decode("ascii")

    def open(self, stored: str) -> bytes:
        try:
            return self._fernet.decrypt(stored.removeprefix(SEALED_PREFIX).encode("ascii"))
        except InvalidToken as exc:
            raise KeyEncryptionError("the tool keys were encrypted with another COACHBRIDGE_KEY_ENCRYPTION_KEY") from exc


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_PREFIX)
