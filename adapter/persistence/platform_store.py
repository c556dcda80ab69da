"""Registered platforms and their deployments; every read for an admin takes their scope."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from adapter.domain.admin_scope import AdminScope

from .database import conflict_insert
from .scoping import within
from .tables import deployments, platforms

# Built once: every page the tool serves names who may frame it (nothing a pending platform sent is trusted).
_PLATFORM_PAGES = select(platforms.c.issuer, platforms.c.auth_login_url).where(platforms.c.active.is_(True),
                                                                               platforms.c.pending.is_(False))


# Where SqlRegistrationStore keeps itself on its engine (a weak set: a store lives as its app does).
REGISTRATION_CACHES = "registration_caches"


def registrations_changed(conn: Connection) -> None:
    """Every write to ``platforms`` or ``deployments`` calls this: the registration caches kept
    on this engine (lti_stores.SqlRegistrationStore) drop what they hold. A test fails if a
    statement writing to either table is in a function that does not call it."""
    for cache in conn.engine.__dict__.get(REGISTRATION_CACHES, ()):
        cache.forget()


def add_deployment(conn: Connection, platform_id: int, deployment_id: str, now: float) -> None:
    conn.execute(conflict_insert(conn, deployments)
                 .values(platform_id=platform_id, deployment_id=deployment_id, created_at=now)
                 .on_conflict_do_nothing())
    registrations_changed(conn)


def platform_with(conn: Connection, issuer: str, client_id: str) -> int | None:
    return conn.execute(select(platforms.c.id).where(platforms.c.issuer == issuer,
                                                     platforms.c.client_id == client_id)).scalar()


def insert_platform(conn: Connection, values: dict[str, Any]) -> int:
    platform_id = conn.execute(insert(platforms).values(**values).returning(platforms.c.id)).scalar_one()
    registrations_changed(conn)
    return platform_id


def platform_rows(conn: Connection, scope: AdminScope) -> list[dict[str, Any]]:
    """The platforms this admin may see, each with its deployment ids."""
    rows = conn.execute(select(platforms).where(within(scope, platforms.c.id)).order_by(platforms.c.id)).mappings()
    rows = [dict(row) for row in rows]
    deployed = conn.execute(select(deployments.c.platform_id, deployments.c.deployment_id)
                            .where(within(scope, deployments.c.platform_id)).order_by(deployments.c.id)).all()
    by_platform: dict[int, list[str]] = {}
    for platform_id, deployment_id in deployed:
        by_platform.setdefault(platform_id, []).append(deployment_id)
    return [{**row, "deployment_ids": by_platform.get(row["id"], [])} for row in rows]


def platform_choices(conn: Connection, scope: AdminScope) -> list[dict[str, Any]]:
    """What an admin's forms offer to pick from: id, name and issuer, by name."""
    return [dict(row) for row in conn.execute(
        select(platforms.c.id, platforms.c.name, platforms.c.issuer)
        .where(within(scope, platforms.c.id)).order_by(platforms.c.name, platforms.c.id)).mappings()]


def is_active(conn: Connection, platform_id: int) -> bool:
    return bool(conn.execute(select(platforms.c.active).where(platforms.c.id == platform_id)).scalar())


def set_active(conn: Connection, platform_id: int, active: bool) -> bool:
    """Enabling a platform also approves it when it was waiting (open registration)."""
    values: dict[str, Any] = {"active": active}
    if active:
        values["pending"] = False
    changed = conn.execute(update(platforms).where(platforms.c.id == platform_id).values(**values)).rowcount == 1
    registrations_changed(conn)
    return changed


def get_platform(conn: Connection, platform_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(platforms).where(platforms.c.id == platform_id)).mappings().first()
    return dict(row) if row else None


def platform_exists(conn: Connection, platform_id: int) -> bool:
    return conn.execute(select(platforms.c.id).where(platforms.c.id == platform_id)).first() is not None


def platform_names(conn: Connection) -> dict[int, str]:
    return dict(conn.execute(select(platforms.c.id, platforms.c.name)).all())


def platform_page_urls(conn: Connection) -> list[str]:
    """Where the active, approved platforms' pages live: their issuer and OIDC authorization URLs."""
    return [url for row in conn.execute(_PLATFORM_PAGES) for url in row]
