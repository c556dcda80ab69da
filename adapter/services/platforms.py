"""Registering LMS platforms and their deployments with the tool."""
from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Engine

from adapter.persistence import platform_store


@dataclass(frozen=True)
class PlatformSpec:
    issuer: str
    client_id: str
    auth_login_url: str
    key_set_url: str
    auth_token_url: str = ""
    name: str = ""
    deployment_ids: tuple[str, ...] = ()
    token_audience: str = ""
    product_family_code: str = ""
    registered_by: str = "manual"
    accept_new_deployments: bool = False


def register_platform(engine: Engine, spec: PlatformSpec, now: float | None = None) -> int:
    """Add or update a registration (keyed by issuer and client id) with its deployments."""
    now = time.time() if now is None else now
    with engine.begin() as conn:
        platform_id = platform_store.save_platform(conn, spec.issuer, spec.client_id, {
            "name": spec.name or spec.issuer, "auth_login_url": spec.auth_login_url,
            "auth_token_url": spec.auth_token_url, "key_set_url": spec.key_set_url,
            "token_audience": spec.token_audience, "product_family_code": spec.product_family_code,
            "registered_by": spec.registered_by, "accept_new_deployments": spec.accept_new_deployments,
            "active": True}, now)
        for deployment_id in spec.deployment_ids:
            platform_store.add_deployment(conn, platform_id, deployment_id, now)
    return platform_id


def list_platforms(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return platform_store.all_platforms(conn)


def set_platform_active(engine: Engine, platform_id: int, active: bool) -> bool:
    """Disable (or re-enable) a registration; False when there is no such platform.

    A disabled platform's logins and launches are refused; its people and records stay.
    """
    with engine.begin() as conn:
        return platform_store.set_active(conn, platform_id, active)


def find_platform(engine: Engine, platform_id: int) -> dict | None:
    return next((p for p in list_platforms(engine) if p["id"] == platform_id), None)
