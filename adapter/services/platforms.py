"""Registering LMS platforms and their deployments with the tool.

A registration is created once and never replaced by registering its issuer and client
id again: that would let whoever can register take over another LMS's launches.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from adapter.domain.admin_scope import AdminScope
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
    # Open registration: stored, but nothing it sends is trusted until an operator approves it.
    pending: bool = False


class PlatformExists(ValueError):
    """An LMS with this issuer and client id is already registered."""

    def __init__(self, platform_id: int | None):
        super().__init__("an LMS with this issuer and client id is already registered")
        self.platform_id = platform_id


def register_platform(engine: Engine, spec: PlatformSpec, now: float | None = None) -> int:
    """Add a registration (unique by issuer and client id) with its deployments."""
    now = time.time() if now is None else now
    try:
        with engine.begin() as conn:
            return add_platform(conn, spec, now)
    except IntegrityError as raced:  # registered by someone else between the check and the insert
        raise PlatformExists(None) from raced


def add_platform(conn: Connection, spec: PlatformSpec, now: float) -> int:
    """``register_platform`` inside a caller's transaction (which must turn an
    IntegrityError from a concurrent registration into PlatformExists)."""
    existing = platform_store.platform_with(conn, spec.issuer, spec.client_id)
    if existing is not None:
        raise PlatformExists(existing)
    platform_id = platform_store.insert_platform(conn, {
        "issuer": spec.issuer, "client_id": spec.client_id, "name": spec.name or spec.issuer,
        "auth_login_url": spec.auth_login_url, "auth_token_url": spec.auth_token_url,
        "key_set_url": spec.key_set_url, "token_audience": spec.token_audience,
        "product_family_code": spec.product_family_code, "registered_by": spec.registered_by,
        "accept_new_deployments": spec.accept_new_deployments, "active": not spec.pending,
        "pending": spec.pending, "created_at": now})
    for deployment_id in spec.deployment_ids:
        platform_store.add_deployment(conn, platform_id, deployment_id, now)
    return platform_id


def list_platforms(engine: Engine, scope: AdminScope) -> list[dict]:
    with engine.connect() as conn:
        return platform_store.platform_rows(conn, scope)


def set_platform_active(engine: Engine, platform_id: int, active: bool) -> bool:
    """Disable, re-enable or approve a registration (a tool operator's act); False when
    there is no such platform. A disabled platform's logins and launches are refused; its
    people and records stay."""
    with engine.begin() as conn:
        return platform_store.set_active(conn, platform_id, active)


def find_platform(engine: Engine, platform_id: int, scope: AdminScope) -> dict | None:
    return next((p for p in list_platforms(engine, scope) if p["id"] == platform_id), None)
