"""Registered platforms and their deployments."""
from __future__ import annotations

from sqlalchemy import Connection

from .database import conflict_insert
from .tables import deployments


def add_deployment(conn: Connection, platform_id: int, deployment_id: str, now: float) -> None:
    conn.execute(conflict_insert(conn, deployments)
                 .values(platform_id=platform_id, deployment_id=deployment_id, created_at=now)
                 .on_conflict_do_nothing())
