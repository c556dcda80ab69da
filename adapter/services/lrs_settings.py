"""Use cases of the LRS settings (admin pages and CLI): check a form, save an endpoint,
test its connection, set a platform's privacy options; and the client the worker sends with.

A secret typed into a form is sealed before it is stored and never shown again: an edit
that leaves the secret blank keeps the stored one.

The form refuses a private, loopback or link-local address from a platform admin, but a
name's address may change after that check, so every connection to the LRS (statements,
OAuth2 tokens, the connection test) is checked again when it is made: to a private address
only for an endpoint the tool operator saved, or where the operator allows such addresses.
Those checked connections never go through a proxy from the environment (the proxy would
connect where the check cannot see; xapi/lrs_client.py): the same endpoints that may reach
a private address may use one.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine

from adapter.domain.admin_scope import AdminScope
from adapter.domain.commands import ConfigureLrs, SetPrivacy
from adapter.domain.rules import RuleViolation, whole_number
from adapter.domain.translatable import N_
from adapter.persistence import lrs_store
from adapter.persistence.delivery_view import waiting_reasons
from adapter.persistence.key_cipher import KeyCipher, KeyEncryptionError
from adapter.persistence.platform_store import platform_choices
from adapter.services.xapi_bridge import CHANNEL as XAPI
from lti.safe_fetch import PRIVATE, names_private_address, public_only_pools
from xapi.agents import IdentityFormat, PrivacySettings
from xapi.lrs_client import THROUGH_PROXY, ConnectionCheck, LrsClient
from xapi.outcomes import NOT_CONNECTED
from xapi.versions import SUPPORTED_VERSIONS as VERSIONS

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
MAX_BATCH = 1000
LABELS = {"platform_id": N_("Platform"), "name": N_("Name"), "endpoint": N_("xAPI endpoint"),
          "auth_kind": N_("Authentication"), "username": N_("Username"), "secret": N_("Password or client secret"),
          "token_url": N_("Token URL"), "client_id": N_("Client id"), "scope": N_("Scope"),
          "xapi_version": N_("xAPI version"), "batch_size": N_("Batch size")}
# How each way of signing in to an LRS is named on the admin pages (the stored value is a code).
AUTH_KIND_NAMES = {"none": N_("none"), "basic": N_("basic (username and password)"),
                   "oauth2": N_("OAuth2 client credentials")}


@dataclass(frozen=True)
class EndpointForm:
    """What an admin typed, checked: ``settings`` to store, or ``errors`` by field."""

    settings: dict[str, Any]
    name: str
    secret: str
    errors: dict[str, RuleViolation]
    set_by_operator: bool  # who checked it: see the module's last paragraph


def _is_web_address(value: str) -> bool:
    parts = urlsplit(value)
    # Credentials in the URL would be shown and logged with it: they go in their own fields.
    return parts.scheme in ("https", "http") and bool(parts.hostname) and not parts.username and not parts.fragment


def check_form(engine: Engine, scope: AdminScope, command: ConfigureLrs,
               existing: lrs_store.LrsEndpoint | None, allow_private_addresses: bool = False) -> EndpointForm:
    """``scope``: the platforms the asking admin may send (or move) an endpoint's statements for.
    A platform admin may not aim the tool at a loopback, private or link-local address (the
    tool's own network) unless the operator allows such addresses; a tool operator may."""
    value = {name: getattr(command, name).strip() for name in LABELS}
    value["secret"] = command.secret  # a password may start or end with a space
    errors: dict[str, RuleViolation] = {}

    def refuse(field: str, problem: str, **params: Any) -> None:
        errors[field] = RuleViolation(LABELS[field], problem, field, **params)

    with engine.connect() as conn:
        known_platforms = {p["id"] for p in platform_choices(conn, scope)}
        if existing is None:
            if not NAME.match(value["name"]):
                refuse("name", N_("%(field)s is required: letters, digits, dots, dashes or underscores (up to 100)."))
            elif lrs_store.name_taken(conn, value["name"]):
                refuse("name", N_("%(field)s is already used by another LRS endpoint."))
    platform_id, batch_size = whole_number(value["platform_id"]), whole_number(value["batch_size"])
    if platform_id not in known_platforms:
        refuse("platform_id", N_("Choose the platform whose records go to this LRS."))
    if not _is_web_address(value["endpoint"]):
        refuse("endpoint", N_("%(field)s must be a web address (https://…), without credentials."))
    if value["auth_kind"] not in lrs_store.AUTH_KINDS:
        refuse("auth_kind", N_("Choose how coachbridge signs in to the LRS."))
    has_secret = bool(value["secret"]) or (existing is not None and existing.has_secret
                                           and existing.auth_kind == value["auth_kind"])
    if value["auth_kind"] == "basic":
        if not value["username"]:
            refuse("username", N_("%(field)s is required for basic authentication."))
        if not has_secret:
            refuse("secret", N_("Password is required for basic authentication."))
    if value["auth_kind"] == "oauth2":
        if not _is_web_address(value["token_url"]):
            refuse("token_url", N_("%(field)s must be a web address (https://…) for OAuth2."))
        if not value["client_id"]:
            refuse("client_id", N_("%(field)s is required for OAuth2."))
        if not has_secret:
            refuse("secret", N_("Client secret is required for OAuth2."))
    if not scope.may_reach_private_addresses(allow_private_addresses):
        for field in ("endpoint", "token_url") if value["auth_kind"] == "oauth2" else ("endpoint",):
            if field not in errors and names_private_address(value[field]):
                refuse(field, N_("%(field)s is on a private, loopback or link-local address, which only "
                                 "the tool operator can set."))
    if value["xapi_version"] not in VERSIONS:
        refuse("xapi_version", N_("%(field)s must be %(versions)s."), versions=" or ".join(VERSIONS))
    if batch_size is None or not 1 <= batch_size <= MAX_BATCH:
        refuse("batch_size", N_("%(field)s must be a whole number from 1 to %(max)d."), max=MAX_BATCH)
    settings = {name: value[name] for name in lrs_store.SETTINGS_FIELDS}
    if not errors:
        settings["platform_id"], settings["batch_size"] = platform_id, batch_size
    return EndpointForm(settings=settings, name=value["name"], secret=value["secret"], errors=errors,
                        set_by_operator=scope.is_operator)


def save_endpoint(engine: Engine, checked: EndpointForm, cipher: KeyCipher | None,
                  existing: lrs_store.LrsEndpoint | None = None, now: float | None = None) -> int:
    """Store a checked form; with auth ``none`` any stored secret is dropped."""
    now = time.time() if now is None else now
    secret: str | None = lrs_store.seal(checked.secret, cipher) if checked.secret else None
    if checked.settings["auth_kind"] == "none":
        secret = ""
    with engine.begin() as conn:
        if existing is None:
            return lrs_store.add_endpoint(conn, checked.name, checked.settings, secret or "", now,
                                          checked.set_by_operator)
        lrs_store.update_endpoint(conn, existing.id, checked.settings, secret, now, checked.set_by_operator)
        return existing.id


def private_address_allowed_by(endpoint: lrs_store.LrsEndpoint, allow_private_addresses: bool) -> str | None:
    """Why ``endpoint`` may be reached at a private address: ``"operator"`` (the tool
    operator saved it last), ``"server"`` (the operator allows such addresses for all), or
    None: public addresses only."""
    if endpoint.set_by_operator:
        return "operator"
    return "server" if AdminScope.of_platform(endpoint.platform_id).may_reach_private_addresses(
        allow_private_addresses) else None


def refused_to_connect(last_error: str | None) -> bool:
    """Whether a queued statement's last failure was the tool declining to connect (a
    private address, or through a proxy), which the tool operator can allow. A row keeps
    only the failure's words, as xapi.outcomes.failure wrote them; a connection test says
    so itself (``ConnectionCheck.refused``)."""
    return bool(last_error) and any(f"{NOT_CONNECTED}{words}" in last_error for words in (PRIVATE, THROUGH_PROXY))


def lrs_client(endpoint: lrs_store.LrsEndpoint, cipher: KeyCipher | None, allow_private_addresses: bool,
               **options: Any) -> LrsClient:
    """The client for ``endpoint``, its connections fenced as the module says (``options``
    go to :class:`LrsClient`). KeyEncryptionError when its secret cannot be unsealed,
    ValueError when it cannot be set up (e.g. an unusable proxy setting)."""
    fence = None if private_address_allowed_by(endpoint, allow_private_addresses) else public_only_pools()
    return LrsClient(lrs_store.lrs_config(endpoint, cipher), pool_classes=fence, **options)


def refused_sends(conn: Connection) -> dict[str, str]:
    """Per LRS endpoint (by name) whose waiting statements were last refused a connection by
    the tool: why, in the words the delivery page shows."""
    return {target: why["last_error"] for (channel, target), why in waiting_reasons(conn).items()
            if channel == XAPI and refused_to_connect(why["last_error"])}


def trust_endpoint(engine: Engine, endpoint_id: int, endpoint: str, token_url: str) -> bool:
    """The tool operator vouches for an endpoint saved by a platform admin (or before the
    address check): it then counts as the operator's, reached at any address and through
    a proxy. Only while it names the addresses the operator checked; whether it did."""
    with engine.begin() as conn:
        return lrs_store.mark_set_by_operator(conn, endpoint_id, endpoint, token_url, time.time())


def check_connection(endpoint: lrs_store.LrsEndpoint, cipher: KeyCipher | None,
                     allow_private_addresses: bool = False) -> ConnectionCheck:
    """``GET about``, then one statement read with the stored credentials: no statement is sent."""
    try:
        client = lrs_client(endpoint, cipher, allow_private_addresses)
    except (KeyEncryptionError, ValueError) as error:  # ValueError: e.g. an unusable proxy setting
        return ConnectionCheck(ok=False, message=str(error))
    try:
        return client.check_connection()
    finally:
        client.close()


def save_privacy(engine: Engine, platform_id: int, command: SetPrivacy, now: float | None = None) -> str | None:
    """Store the platform's privacy options; the problem with them, if any."""
    try:
        identity = IdentityFormat(command.identity_format)
    except ValueError:
        return N_("Choose how people are identified in statements.")
    with engine.begin() as conn:
        if not platform_choices(conn, AdminScope.of_platform(platform_id)):
            return N_("No such platform.")
        lrs_store.save_privacy(conn, platform_id, PrivacySettings(identity, command.share_free_text),
                               time.time() if now is None else now)
    return None
