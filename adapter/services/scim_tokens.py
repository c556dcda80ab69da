"""SCIM bearer tokens: one or more per platform, created and revoked by an operator or the
platform's admin, audited. The token is shown once; only its hash is stored."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine

from adapter.persistence import scim_store
from adapter.persistence.coaching_store import audit
from adapter.persistence.platform_store import platform_exists


class UnknownPlatform(LookupError):
    pass


def create_token(engine: Engine, platform_id: int, actor_id: int | None, now: float) -> tuple[int, str]:
    with engine.begin() as conn:
        if not platform_exists(conn, platform_id):
            raise UnknownPlatform(f"no platform {platform_id}")
        token_id, token = scim_store.create_token(conn, platform_id, now)
        audit(conn, at=now, actor_id=actor_id, platform_id=platform_id, action="scim_token.created",
              record_type="scim_token", record_id=token_id)
    return token_id, token


def revoke_token(engine: Engine, token_id: int, actor_id: int | None, now: float,
                 platform_id: int | None = None) -> bool:
    """Revoke a live token (only of ``platform_id`` when given: a platform admin's own)."""
    with engine.begin() as conn:
        tokens = {t["id"]: t for t in scim_store.tokens(conn, platform_id)}
        if token_id not in tokens or not scim_store.revoke_token(conn, token_id, now, platform_id):
            return False
        audit(conn, at=now, actor_id=actor_id, platform_id=tokens[token_id]["platform_id"],
              action="scim_token.revoked", record_type="scim_token", record_id=token_id)
    return True


def platform_for_token(engine: Engine, token: str, now: float) -> int | None:
    """The platform a presented bearer token provisions (None: unknown, revoked, or the platform disabled)."""
    with engine.begin() as conn:
        return scim_store.platform_of_token(conn, token, now)


def list_tokens(engine: Engine, platform_id: int | None = None) -> list[dict[str, Any]]:
    """Ids, platforms and dates (the tokens themselves are not stored)."""
    with engine.connect() as conn:
        rows = scim_store.tokens(conn, platform_id)
    for row in rows:
        row.update(created_on=_day(row["created_at"]), last_used_on=_day(row["last_used_at"]))
    return rows


def _day(at: float | None) -> str:
    return datetime.fromtimestamp(at, tz=timezone.utc).date().isoformat() if at else ""
