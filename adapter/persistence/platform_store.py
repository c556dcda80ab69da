"""Registered platforms and their deployments."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from .database import conflict_insert
from .tables import deployments, platforms
from .upsert import upsert


def save_platform(conn: Connection, issuer: str, client_id: str, values: dict[str, Any], now: float) -> int:
    """Add or update the registration keyed by issuer and client id; its id."""
    return upsert(conn, platforms, {"issuer": issuer, "client_id": client_id}, values, insert_only={"created_at": now})


def add_deployment(conn: Connection, platform_id: int, deployment_id: str, now: float) -> None:
    conn.execute(conflict_insert(conn, deployments)
                 .values(platform_id=platform_id, deployment_id=deployment_id, created_at=now)
                 .on_conflict_do_nothing())


def all_platforms(conn: Connection) -> list[dict[str, Any]]:
    """Every registration, by id, with its ``deployment_ids``."""
    rows = conn.execute(select(platforms).order_by(platforms.c.id)).mappings().all()
    by_platform: dict[int, list[str]] = {}
    for platform_id, deployment_id in conn.execute(select(deployments.c.platform_id, deployments.c.deployment_id)):
        by_platform.setdefault(platform_id, []).append(deployment_id)
    return [{**row, "deployment_ids": by_platform.get(row["id"], [])} for row in rows]


def get_platform(conn: Connection, platform_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(platforms).where(platforms.c.id == platform_id)).mappings().first()
    return dict(row) if row else None


def platform_exists(conn: Connection, platform_id: int) -> bool:
    return conn.execute(select(platforms.c.id).where(platforms.c.id == platform_id)).first() is not None


def platform_names(conn: Connection) -> dict[int, str]:
    return dict(conn.execute(select(platforms.c.id, platforms.c.name)).all())


def set_active(conn: Connection, platform_id: int, active: bool) -> bool:
    """False when there is no such platform."""
    return conn.execute(update(platforms).where(platforms.c.id == platform_id).values(active=active)).rowcount == 1
