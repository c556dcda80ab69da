"""What the LTI code needs from storage, as small interfaces.

The application implements these on its database so that a login consumed by one web
worker is consumed for every worker, and a nonce used anywhere is used everywhere.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Registration:
    """One client registration of the tool in a platform: keyed by (issuer, client_id)."""

    issuer: str
    client_id: str
    auth_login_url: str
    key_set_url: str
    auth_token_url: str = ""
    deployment_ids: frozenset[str] = field(default_factory=frozenset)
    active: bool = True
    # Set for a dynamic registration whose platform named no deployment: deployments are
    # then learnt from launches that pass every other check (signature included).
    accept_new_deployments: bool = False
    token_audience: str = ""
    ref: Any = None  # the application's own key for this registration


@dataclass(frozen=True)
class PendingLogin:
    """A login this tool started: the state and nonce it issued and who may finish it.
    It travels in its state (:mod:`lti.login_state`); ``login_id`` names it once used."""

    state: str
    login_id: str
    nonce: str
    issuer: str
    client_id: str
    browser_binding: str
    expires_at: float


@dataclass(frozen=True)
class CachedKeySet:
    keys: dict[str, dict[str, Any]]  # kid -> JWK
    fetched_at: float
    fresh_until: float


class RegistrationStore(Protocol):
    def find_registration(self, issuer: str, client_id: str) -> Registration | None: ...

    def registrations_for_issuer(self, issuer: str) -> list[Registration]: ...


class LoginStore(Protocol):
    """The logins used, each kept until well after it expires so a replay reads as one."""

    def consume_login(self, login: PendingLogin, now: float) -> bool:
        """Record the login used; True only for the one caller that got there first."""
        ...

    def login_used(self, login_id: str) -> bool: ...

    def nonce_used(self, nonce: str) -> bool: ...


class KeySetCache(Protocol):
    def load_key_set(self, url: str) -> CachedKeySet | None: ...

    def store_key_set(self, url: str, key_set: CachedKeySet) -> None: ...
