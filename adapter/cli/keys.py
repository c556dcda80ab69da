"""``coachbridge keys``: the tool's signing keys, and the secret that seals them at rest."""
from __future__ import annotations

from adapter.config import Settings
from adapter.persistence.key_cipher import new_secret
from adapter.persistence.key_store import ToolKeyStore

from .common import app_parts, command_group


def add_commands(sub) -> None:
    keys = command_group(sub, "keys", "the tool's signing keys")
    keys.add_parser("rotate", help="start signing with a new key").set_defaults(func=rotate)
    keys.add_parser("list", help="the published key ids").set_defaults(func=list_keys)
    keys.add_parser("new-encryption-key", help="print a secret for COACHBRIDGE_KEY_ENCRYPTION_KEY"
                    ).set_defaults(func=new_encryption_key)


def key_store(settings: Settings) -> ToolKeyStore:
    parts = app_parts(settings)
    return ToolKeyStore(parts.engine, parts.cipher)


def rotate(args, settings: Settings) -> int:
    key = key_store(settings).rotate()
    print(f"new signing key {key.kid}; previous keys stay published for 7 days")
    return 0


def list_keys(args, settings: Settings) -> int:
    for key in key_store(settings).published():
        print(key.kid)
    return 0


def new_encryption_key(args, settings: Settings) -> int:
    print(new_secret())
    return 0
