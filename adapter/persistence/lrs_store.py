"""LRS endpoints and per-platform privacy settings, as stored; secrets sealed at rest.

An :class:`LrsEndpoint` never holds its secret in the clear: pages and logs get the
endpoint, and only :func:`lrs_config` (what the worker and the connection test use)
unseals the password or client secret into an :class:`xapi.lrs_client.LrsConfig`.

``set_by_operator``: whether the tool operator saved the endpoint last (a platform admin's
edit clears it), which decides whether its connections may reach a private address.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from xapi.agents import IdentityFormat, PrivacySettings
from xapi.lrs_client import BasicAuth, LrsConfig
from xapi.oauth2 import OAuth2ClientCredentials

from .database import conflict_insert
from .key_cipher import KeyCipher, KeyEncryptionError, is_sealed
from .xapi_tables import lrs_endpoints, xapi_privacy

AUTH_KINDS = ("none", "basic", "oauth2")
SETTINGS_FIELDS = ("platform_id", "endpoint", "auth_kind", "username", "token_url", "client_id", "scope",
                   "xapi_version", "batch_size")


@dataclass(frozen=True)
class LrsEndpoint:
    """One LRS a platform's statements go to; ``has_secret`` instead of the secret."""

    id: int
    name: str
    platform_id: int
    endpoint: str
    auth_kind: str
    username: str
    token_url: str
    client_id: str
    scope: str
    xapi_version: str
    batch_size: int
    active: bool
    has_secret: bool
    sealed_secret: str
    set_by_operator: bool

    def __repr__(self) -> str:  # the sealed secret stays out of logs and tracebacks too
        return f"LrsEndpoint(id={self.id}, name={self.name!r}, endpoint={self.endpoint!r}, active={self.active})"


def _endpoint(row: Any) -> LrsEndpoint:
    return LrsEndpoint(id=row["id"], name=row["name"], platform_id=row["platform_id"], endpoint=row["endpoint"],
                       auth_kind=row["auth_kind"], username=row["username"], token_url=row["token_url"],
                       client_id=row["client_id"], scope=row["scope"], xapi_version=row["xapi_version"],
                       batch_size=row["batch_size"], active=row["active"], has_secret=bool(row["secret"]),
                       sealed_secret=row["secret"], set_by_operator=row["set_by_operator"])


def endpoints(conn: Connection, platform_id: int | None = None, active_only: bool = False) -> list[LrsEndpoint]:
    query = select(lrs_endpoints).order_by(lrs_endpoints.c.platform_id, lrs_endpoints.c.name)
    if platform_id is not None:
        query = query.where(lrs_endpoints.c.platform_id == platform_id)
    if active_only:
        query = query.where(lrs_endpoints.c.active.is_(True))
    return [_endpoint(row) for row in conn.execute(query).mappings()]


def get_endpoint(conn: Connection, endpoint_id: int) -> LrsEndpoint | None:
    row = conn.execute(select(lrs_endpoints).where(lrs_endpoints.c.id == endpoint_id)).mappings().first()
    return _endpoint(row) if row else None


def name_taken(conn: Connection, name: str) -> bool:
    return conn.execute(select(lrs_endpoints.c.id).where(lrs_endpoints.c.name == name)).first() is not None


def seal(secret: str, cipher: KeyCipher | None) -> str:
    return cipher.seal(secret.encode()) if cipher and secret else secret


def unseal(stored: str, cipher: KeyCipher | None) -> str:
    if not is_sealed(stored):
        return stored
    if cipher is None:
        raise KeyEncryptionError("the LRS secrets are encrypted: set COACHBRIDGE_KEY_ENCRYPTION_KEY")
    return cipher.open(stored).decode()


def add_endpoint(conn: Connection, name: str, settings: dict[str, Any], sealed_secret: str, now: float,
                 set_by_operator: bool = False) -> int:
    return conn.execute(insert(lrs_endpoints).values(
        name=name, **{k: settings[k] for k in SETTINGS_FIELDS}, secret=sealed_secret, active=True,
        created_at=now, updated_at=now, set_by_operator=set_by_operator).returning(lrs_endpoints.c.id)).scalar_one()


def update_endpoint(conn: Connection, endpoint_id: int, settings: dict[str, Any], sealed_secret: str | None,
                    now: float, set_by_operator: bool = False) -> None:
    """Change the settings; ``sealed_secret`` None keeps the stored secret."""
    values: dict[str, Any] = {k: settings[k] for k in SETTINGS_FIELDS}
    values["set_by_operator"] = set_by_operator
    if sealed_secret is not None:
        values["secret"] = sealed_secret
    conn.execute(update(lrs_endpoints).where(lrs_endpoints.c.id == endpoint_id).values(**values, updated_at=now))


def mark_set_by_operator(conn: Connection, endpoint_id: int, endpoint: str, token_url: str, now: float) -> bool:
    """Count the endpoint as the tool operator's if it still names these addresses (a
    platform admin may have changed them since the operator looked); whether it did."""
    return conn.execute(update(lrs_endpoints).where(
        lrs_endpoints.c.id == endpoint_id, lrs_endpoints.c.endpoint == endpoint, lrs_endpoints.c.token_url == token_url,
    ).values(set_by_operator=True, updated_at=now)).rowcount == 1


def set_endpoint_active(conn: Connection, endpoint_id: int, active: bool, now: float) -> bool:
    return conn.execute(update(lrs_endpoints).where(lrs_endpoints.c.id == endpoint_id)
                        .values(active=active, updated_at=now)).rowcount == 1


def lrs_config(endpoint: LrsEndpoint, cipher: KeyCipher | None) -> LrsConfig:
    """The client configuration, secret unsealed: for talking to the LRS, never for display."""
    auth: BasicAuth | OAuth2ClientCredentials | None = None
    if endpoint.auth_kind == "basic":
        auth = BasicAuth(endpoint.username, unseal(endpoint.sealed_secret, cipher))
    elif endpoint.auth_kind == "oauth2":
        auth = OAuth2ClientCredentials(token_url=endpoint.token_url, client_id=endpoint.client_id,
                                       client_secret=unseal(endpoint.sealed_secret, cipher),
                                       scope=endpoint.scope or None)
    return LrsConfig(name=endpoint.name, endpoint=endpoint.endpoint, auth=auth, xapi_version=endpoint.xapi_version,
                     batch_size=endpoint.batch_size)


def privacy_of(conn: Connection, platform_id: int) -> PrivacySettings:
    """The platform's choices; the defaults (account, no free text) until an admin sets them."""
    row = conn.execute(select(xapi_privacy).where(xapi_privacy.c.platform_id == platform_id)).mappings().first()
    if row is None:
        return PrivacySettings()
    return PrivacySettings(IdentityFormat(row["identity_format"]), bool(row["share_free_text"]))


def save_privacy(conn: Connection, platform_id: int, privacy: PrivacySettings, now: float) -> None:
    values = {"identity_format": privacy.identity.value, "share_free_text": privacy.share_free_text,
              "updated_at": now}
    conn.execute(conflict_insert(conn, xapi_privacy).values(platform_id=platform_id, **values)
                 .on_conflict_do_update(index_elements=["platform_id"], set_=values))
