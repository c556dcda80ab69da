"""The secret that seals login states (lti.login_state): the same in every worker and
every process of an instance, never shown or logged.

Derived (HKDF) from ``COACHBRIDGE_KEY_ENCRYPTION_KEY`` when it is set (always in
production, on every machine of the instance); without it (development), from a random
secret kept in the instance folder (``login-state.key``, made by the first process that
needs it). Changing it makes the logins started before the change fail as "not started by
the tool": the user starts the launch again from the course.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from adapter.config import Settings

from .key_cipher import MIN_SECRET_LENGTH, derive_key, new_secret

_PURPOSE = b"coachbridge login state"
INSTANCE_SECRET_FILE = "login-state.key"


def login_state_secret(settings: Settings) -> bytes:
    if settings.key_encryption_key:
        return derive_key(settings.key_encryption_key, _PURPOSE)
    return derive_key(_kept_secret(settings.instance_path / INSTANCE_SECRET_FILE), _PURPOSE)


def _kept_secret(path: Path) -> str:
    """The secret in ``path``, made if missing: written aside, then linked into place, so
    of processes starting together the first one's wins and none reads a half-written file."""
    if not path.exists():
        _make_secret(path)
    secret = path.read_text().strip()
    if len(secret) < MIN_SECRET_LENGTH:
        raise RuntimeError(f"{path} holds no usable secret: delete it and the tool makes a new one")
    return secret


def _make_secret(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    aside = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(new_secret())
    try:
        os.link(aside, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(aside)
