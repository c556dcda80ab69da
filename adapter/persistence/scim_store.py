"""SCIM provisioning rows: bearer tokens (hashes only) and the identity provider's users."""
from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from .people_tables import scim_tokens, scim_users
from .tables import platforms


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(conn: Connection, platform_id: int, now: float) -> tuple[int, str]:
    """A new token for the platform: (its id, the token itself — shown once, never stored)."""
    token = secrets.token_urlsafe(32)
    token_id = conn.execute(insert(scim_tokens).values(platform_id=platform_id, token_hash=token_hash(token),
                                                       created_at=now).returning(scim_tokens.c.id)).scalar_one()
    return token_id, token


def platform_of_token(conn: Connection, token: str, now: float) -> int | None:
    """The platform a live token provisions; none once revoked or while the platform is disabled."""
    row = conn.execute(select(scim_tokens.c.id, scim_tokens.c.platform_id)
                       .join(platforms, platforms.c.id == scim_tokens.c.platform_id)
                       .where(scim_tokens.c.token_hash == token_hash(token), scim_tokens.c.revoked_at.is_(None),
                              platforms.c.active.is_(True))).first()
    if row is None:
        return None
    conn.execute(update(scim_tokens).where(scim_tokens.c.id == row.id).values(last_used_at=now))
    return row.platform_id


def revoke_token(conn: Connection, token_id: int, now: float, platform_id: int | None = None) -> bool:
    """Revoke one token (of ``platform_id``, when given); False if there is no such live token."""
    query = update(scim_tokens).where(scim_tokens.c.id == token_id, scim_tokens.c.revoked_at.is_(None))
    if platform_id is not None:
        query = query.where(scim_tokens.c.platform_id == platform_id)
    return conn.execute(query.values(revoked_at=now)).rowcount == 1


def tokens(conn: Connection, platform_id: int | None = None) -> list[dict[str, Any]]:
    query = select(scim_tokens.c.id, scim_tokens.c.platform_id, scim_tokens.c.created_at,
                   scim_tokens.c.last_used_at, scim_tokens.c.revoked_at).order_by(scim_tokens.c.id)
    if platform_id is not None:
        query = query.where(scim_tokens.c.platform_id == platform_id)
    return [dict(row) for row in conn.execute(query).mappings()]


def get_user(conn: Connection, platform_id: int, user_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(scim_users).where(scim_users.c.platform_id == platform_id,
                                                scim_users.c.id == user_id)).mappings().first()
    return dict(row) if row else None


def user_id_by_name(conn: Connection, platform_id: int, user_name_key: str) -> str | None:
    return conn.execute(select(scim_users.c.id).where(scim_users.c.platform_id == platform_id,
                                                      scim_users.c.user_name_key == user_name_key)).scalar()


def manager_of(conn: Connection, platform_id: int, user_id: str) -> str | None:
    return conn.execute(select(scim_users.c.manager_id).where(scim_users.c.platform_id == platform_id,
                                                              scim_users.c.id == user_id)).scalar()


def reports_of(conn: Connection, platform_id: int, user_id: str) -> list[str]:
    return list(conn.execute(select(scim_users.c.id).where(scim_users.c.platform_id == platform_id,
                                                           scim_users.c.manager_id == user_id)).scalars())


def save_user(conn: Connection, values: dict[str, Any]) -> None:
    """Insert or replace the row ``values["id"]`` (the caller counts the version)."""
    if conn.execute(select(scim_users.c.id).where(scim_users.c.id == values["id"])).first() is None:
        conn.execute(insert(scim_users).values(**values))
    else:
        conn.execute(update(scim_users).where(scim_users.c.id == values["id"]).values(**values))


def delete_user(conn: Connection, platform_id: int, user_id: str) -> None:
    conn.execute(update(scim_users).where(scim_users.c.platform_id == platform_id,
                                          scim_users.c.manager_id == user_id).values(manager_id=None))
    conn.execute(delete(scim_users).where(scim_users.c.platform_id == platform_id, scim_users.c.id == user_id))


def page_of_users(conn: Connection, platform_id: int, offset: int, limit: int, *, user_name_key: str | None = None,
                  external_id: str | None = None) -> tuple[int, list[dict[str, Any]]]:
    """(how many match, the rows of one page), oldest first."""
    conditions = [scim_users.c.platform_id == platform_id]
    if user_name_key is not None:
        conditions.append(scim_users.c.user_name_key == user_name_key)
    if external_id is not None:
        conditions.append(scim_users.c.external_id == external_id)
    total = conn.execute(select(func.count()).select_from(scim_users).where(*conditions)).scalar_one()
    rows = conn.execute(select(scim_users).where(*conditions).order_by(scim_users.c.created_at, scim_users.c.id)
                        .offset(offset).limit(limit)).mappings().all() if limit else []
    return total, [dict(row) for row in rows]


def all_users(conn: Connection, platform_id: int) -> list[dict[str, Any]]:
    return page_of_users(conn, platform_id, 0, 10**9)[1]
