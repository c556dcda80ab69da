"""The reports API's tokens: created by an admin within their scope, stored as hashes, revocable."""
from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Connection, insert, select, update

from adapter.domain.admin_scope import AdminScope

from .breakdown_tables import report_api_tokens as t
from .scim_store import token_hash
from .tables import platforms

PREFIX = "cbr_"  # says what a leaked token is for


def create_token(conn: Connection, scope: AdminScope, name: str, now: float) -> tuple[int, str]:
    """(its id, the token itself — shown once, never stored)."""
    token = PREFIX + secrets.token_urlsafe(32)
    token_id = conn.execute(insert(t).values(platform_id=scope.platform_id, name=name, token_hash=token_hash(token),
                                             created_at=now).returning(t.c.id)).scalar_one()
    return token_id, token


def scope_of_token(conn: Connection, token: str, now: float) -> tuple[int, AdminScope] | None:
    """(token id, the scope it reads) for a live token; none once revoked or while its platform is disabled."""
    row = conn.execute(select(t.c.id, t.c.platform_id, platforms.c.active).outerjoin(platforms, platforms.c.id ==
                                                                                    t.c.platform_id)
                       .where(t.c.token_hash == token_hash(token), t.c.revoked_at.is_(None))).first()
    if row is None or (row.platform_id is not None and not row.active):
        return None
    conn.execute(update(t).where(t.c.id == row.id).values(last_used_at=now))
    scope = AdminScope.operator() if row.platform_id is None else AdminScope.of_platform(row.platform_id)
    return row.id, scope


def _owned_by(scope: AdminScope):
    return t.c.platform_id.is_(None) if scope.is_operator else t.c.platform_id == scope.platform_id


def revoke_token(conn: Connection, scope: AdminScope, token_id: int, now: float) -> bool:
    """False when there is no such live token within ``scope`` (an operator's tokens are only an operator's)."""
    return conn.execute(update(t).where(t.c.id == token_id, t.c.revoked_at.is_(None), _owned_by(scope))
                        .values(revoked_at=now)).rowcount == 1


def tokens(conn: Connection, scope: AdminScope) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(
        select(t.c.id, t.c.name, t.c.platform_id, t.c.created_at, t.c.last_used_at, t.c.revoked_at)
        .where(_owned_by(scope)).order_by(t.c.id)).mappings()]
