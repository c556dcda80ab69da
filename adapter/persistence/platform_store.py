"""Registered platforms and their deployments."""
from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql, sqlite

from .tables import deployments


def add_deployment(conn: Connection, platform_id: int, deployment_id: str, now: float) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(deployments)
                 .values(platform_id=platform_id, deployment_id=deployment_id, created_at=now)
                 .on_conflict_do_nothing())
