"""Registering LMS platforms and their deployments with the tool."""
from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from adapter.persistence.tables import deployments, platforms
from adapter.persistence.upsert import upsert


@dataclass(frozen=True)
class PlatformSpec:
    issuer: str
    client_id: str
    auth_login_url: str
    key_set_url: str
    auth_token_url: str = ""
    name: str = ""
    deployment_ids: tuple[str, ...] = ()


def register_platform(engine: Engine, spec: PlatformSpec, now: float | None = None) -> int:
    """Add or update a registration (keyed by issuer and client id) with its deployments."""
    now = time.time() if now is None else now
    with engine.begin() as conn:
        platform_id = upsert(conn, platforms, {"issuer": spec.issuer, "client_id": spec.client_id},
                             {"name": spec.name or spec.issuer, "auth_login_url": spec.auth_login_url,
                              "auth_token_url": spec.auth_token_url, "key_set_url": spec.key_set_url,
                              "active": True}, insert_only={"created_at": now})
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        for deployment_id in spec.deployment_ids:
            conn.execute(dialect.insert(deployments)
                         .values(platform_id=platform_id, deployment_id=deployment_id, created_at=now)
                         .on_conflict_do_nothing())
    return platform_id


def list_platforms(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(platforms).order_by(platforms.c.id)).mappings().all()
        deployed = conn.execute(select(deployments.c.platform_id, deployments.c.deployment_id)).all()
    by_platform: dict[int, list[str]] = {}
    for platform_id, deployment_id in deployed:
        by_platform.setdefault(platform_id, []).append(deployment_id)
    return [{**row, "deployment_ids": by_platform.get(row["id"], [])} for row in rows]
