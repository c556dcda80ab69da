"""Registered platforms and their deployments."""
from __future__ import annotations

from sqlalchemy import Connection, select

from .database import conflict_insert
from .tables import deployments, platforms

# Built once: every page the tool serves names who may frame it.
_PLATFORM_PAGES = select(platforms.c.issuer, platforms.c.auth_login_url).where(platforms.c.active.is_(True))


def add_deployment(conn: Connection, platform_id: int, deployment_id: str, now: float) -> None:
    conn.execute(conflict_insert(conn, deployments)
                 .values(platform_id=platform_id, deployment_id=deployment_id, created_at=now)
                 .on_conflict_do_nothing())


def platform_page_urls(conn: Connection) -> list[str]:
    """Where the active platforms' pages live: their issuer and OIDC authorization URLs."""
    return [url for row in conn.execute(_PLATFORM_PAGES) for url in row]
