"""LTI Dynamic Registration 1.0, tool side.

An LMS admin pastes the tool's registration URL; the LMS opens it with
``openid_configuration`` (and usually ``registration_token``). The tool reads the
platform's configuration, shows the admin what it is about to register with, then posts
its client registration and keeps the ``client_id`` (and deployment id when the platform
gives one). Each step returns a value or a :class:`RegistrationFailure` with a reason an
admin can act on; nothing here stores anything, so a failure leaves nothing half-done.

Canvas cloud uses one issuer (``https://canvas.instructure.com``) for every customer:
each registration is a new client id under the same issuer, so the application keys
registrations by (issuer, client_id), never by issuer alone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Mapping, Sequence
from urllib.parse import urlsplit

import requests

from lti import claims
from lti.safe_fetch import FetchLimits, FetchRefused, Fetched, fetch
from lti.service_token import USER_AGENT

REQUIRED_CONFIGURATION_URLS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "registration_endpoint",
)
TOOL_SCOPES = (
    claims.AGS_SCOPE_LINEITEM,
    claims.AGS_SCOPE_LINEITEM_READONLY,
    claims.AGS_SCOPE_RESULT_READONLY,
    claims.AGS_SCOPE_SCORE,
    claims.NRPS_SCOPE_CONTEXTMEMBERSHIP_READONLY,
)
TOOL_CLAIMS = ("iss", "sub", "name", "given_name", "family_name", "email")
ERROR_CODE = re.compile(r"[a-z_]{1,64}")


class FailureKind(StrEnum):
    CONFIGURATION_UNREACHABLE = "configuration_unreachable"
    FETCH_REFUSED = "fetch_refused"
    CONFIGURATION_INVALID = "configuration_invalid"
    ISSUER_MISMATCH = "issuer_mismatch"
    REGISTRATION_UNREACHABLE = "registration_unreachable"
    REGISTRATION_REFUSED = "registration_refused"
    REGISTRATION_RESPONSE_INVALID = "registration_response_invalid"


@dataclass(frozen=True)
class RegistrationFailure:
    kind: FailureKind
    reason: str


@dataclass(frozen=True)
class PlatformConfiguration:
    """What the tool needs from the platform's OpenID configuration."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    product_family_code: str
    authorization_server: str | None = None
    scopes_supported: frozenset[str] = frozenset()
    messages_supported: tuple[str, ...] = ()

    @property
    def token_audience(self) -> str:
        """The ``aud`` of client assertions: the authorization server when it is a URL
        (Brightspace: ``https://api.brightspace.com/auth/token``), else the token endpoint.
        Canvas publishes a bare host there but checks ``aud`` against its token URL."""
        if self.authorization_server and _is_url(self.authorization_server):
            return self.authorization_server
        return self.token_endpoint


@dataclass(frozen=True)
class ToolDescription:
    """How coachbridge presents itself to a platform."""

    client_name: str
    initiate_login_uri: str
    redirect_uris: Sequence[str]
    jwks_uri: str
    target_link_uri: str
    deep_linking_uri: str
    logo_uri: str | None = None
    description: str | None = None
    scopes: Sequence[str] = TOOL_SCOPES
    custom_parameters: Mapping[str, str] = field(default_factory=dict)
    # Where each message appears and what it is called there. Canvas turns a message
    # without placements into a plain link_selection and keeps one message per placement.
    resource_link_label: str | None = None
    resource_link_placements: Sequence[str] = ()
    deep_linking_label: str | None = None
    deep_linking_placements: Sequence[str] = ()
    # Platform-specific keys of the tool configuration (e.g. Canvas's privacy level).
    configuration_extensions: Mapping[str, Any] = field(default_factory=dict)

    @property
    def domain(self) -> str:
        return urlsplit(self.target_link_uri).netloc


@dataclass(frozen=True)
class RegisteredClient:
    """The platform's answer: keep (issuer, client_id), and the deployment when given."""

    issuer: str
    client_id: str
    deployment_id: str | None
    # None when the platform's answer does not say which scopes it granted.
    granted_scopes: frozenset[str] | None
    platform: PlatformConfiguration


def fetch_platform_configuration(
    openid_configuration_url: str,
    registration_token: str | None = None,
    limits: FetchLimits = FetchLimits(),
) -> PlatformConfiguration | RegistrationFailure:
    """Reads and checks the configuration the registration URL was opened with. A failure
    names the URL and the status, never what the server sent (see lti/safe_fetch.py)."""
    try:
        response = _send("GET", openid_configuration_url, registration_token, limits)
    except FetchRefused as refused:
        return RegistrationFailure(
            FailureKind.FETCH_REFUSED,
            f"the platform configuration at {openid_configuration_url} was not read: {refused.reason}",
        )
    except requests.RequestException:
        return RegistrationFailure(
            FailureKind.CONFIGURATION_UNREACHABLE,
            f"the platform configuration at {openid_configuration_url} could not be reached",
        )
    if not response.ok:
        return RegistrationFailure(
            FailureKind.CONFIGURATION_UNREACHABLE,
            f"the platform configuration at {openid_configuration_url} answered {response.status}",
        )
    try:
        document = response.json()
    except ValueError:
        return RegistrationFailure(
            FailureKind.CONFIGURATION_INVALID,
            f"the platform configuration at {openid_configuration_url} is not JSON",
        )
    return parse_platform_configuration(openid_configuration_url, document)


def parse_platform_configuration(
    openid_configuration_url: str, document: Any
) -> PlatformConfiguration | RegistrationFailure:
    """Checks the fields the tool relies on, then that the configuration URL belongs to
    the issuer: otherwise any site could claim to be any platform."""
    if not isinstance(document, dict):
        return _invalid("it is not a JSON object")
    missing = [name for name in REQUIRED_CONFIGURATION_URLS if not _is_url(document.get(name))]
    if missing:
        return _invalid(f"missing or not a URL: {', '.join(missing)}")
    lti_configuration = document.get(claims.PLATFORM_CONFIGURATION)
    if not isinstance(lti_configuration, dict):
        return _invalid(f"no {claims.PLATFORM_CONFIGURATION} object")
    if not isinstance(lti_configuration.get("product_family_code"), str):
        return _invalid("no product_family_code in the LTI platform configuration")
    auth_methods = document.get("token_endpoint_auth_methods_supported")
    if auth_methods is not None and "private_key_jwt" not in auth_methods:
        return _invalid("the token endpoint does not accept private_key_jwt")
    signing_algorithms = document.get("id_token_signing_alg_values_supported")
    if signing_algorithms is not None and "RS256" not in signing_algorithms:
        return _invalid("the platform does not sign id_tokens with RS256")
    if not issuer_matches_configuration_url(document["issuer"], openid_configuration_url):
        return RegistrationFailure(
            FailureKind.ISSUER_MISMATCH,
            f"the configuration at {openid_configuration_url} names issuer "
            f"{document['issuer']}, which that URL does not belong to",
        )
    return PlatformConfiguration(
        issuer=document["issuer"],
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        registration_endpoint=document["registration_endpoint"],
        product_family_code=lti_configuration["product_family_code"],
        authorization_server=document.get("authorization_server") or None,
        scopes_supported=frozenset(document.get("scopes_supported") or ()),
        messages_supported=_message_types(lti_configuration.get("messages_supported")),
    )


def issuer_matches_configuration_url(issuer: str, openid_configuration_url: str) -> bool:
    """Same scheme, host and port, and the configuration URL's path starts with the
    issuer's path (``https://lms.example/moodle`` owns ``/moodle/...``, not ``/moodle2``)."""
    issuer_parts, url_parts = urlsplit(issuer), urlsplit(openid_configuration_url)
    if _origin(issuer_parts) != _origin(url_parts):
        return False
    issuer_path = issuer_parts.path.rstrip("/")
    return url_parts.path == issuer_path or url_parts.path.startswith(issuer_path + "/")


def client_registration_document(tool: ToolDescription) -> dict[str, Any]:
    """The OpenID client registration with the LTI tool configuration inside it."""
    messages = [_message(claims.RESOURCE_LINK_REQUEST, tool.target_link_uri,
                         tool.resource_link_label or tool.client_name, tool.resource_link_placements),
                _message(claims.DEEP_LINKING_REQUEST, tool.deep_linking_uri,
                         tool.deep_linking_label or tool.client_name, tool.deep_linking_placements)]
    tool_configuration: dict[str, Any] = {
        "domain": tool.domain,
        "target_link_uri": tool.target_link_uri,
        "claims": list(TOOL_CLAIMS),
        "messages": messages,
        **tool.configuration_extensions,
    }
    if tool.description:
        tool_configuration["description"] = tool.description
    if tool.custom_parameters:
        tool_configuration["custom_parameters"] = dict(tool.custom_parameters)
    document: dict[str, Any] = {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": tool.initiate_login_uri,
        "redirect_uris": list(tool.redirect_uris),
        "client_name": tool.client_name,
        "jwks_uri": tool.jwks_uri,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(tool.scopes),
        claims.TOOL_CONFIGURATION: tool_configuration,
    }
    if tool.logo_uri:
        document["logo_uri"] = tool.logo_uri
    return document


def _message(message_type: str, target_link_uri: str, label: str, placements: Sequence[str]) -> dict[str, Any]:
    message: dict[str, Any] = {"type": message_type, "target_link_uri": target_link_uri, "label": label}
    if placements:
        message["placements"] = list(placements)
    return message


def register_tool(
    platform: PlatformConfiguration,
    tool: ToolDescription,
    registration_token: str | None = None,
    limits: FetchLimits = FetchLimits(),
) -> RegisteredClient | RegistrationFailure:
    """Posts the client registration and reads the client id the platform assigned."""
    try:
        response = _send("POST", platform.registration_endpoint, registration_token, limits,
                         json_body=client_registration_document(tool))
    except FetchRefused as refused:
        return RegistrationFailure(
            FailureKind.FETCH_REFUSED,
            f"the registration endpoint {platform.registration_endpoint} was not used: {refused.reason}",
        )
    except requests.RequestException:
        return RegistrationFailure(
            FailureKind.REGISTRATION_UNREACHABLE,
            f"the registration endpoint {platform.registration_endpoint} could not be reached",
        )
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not response.ok:
        return RegistrationFailure(
            FailureKind.REGISTRATION_REFUSED,
            f"the platform refused the registration ({response.status}{_error_code(answer)})",
        )
    if not isinstance(answer, dict) or answer.get("client_id") in (None, ""):
        return RegistrationFailure(
            FailureKind.REGISTRATION_RESPONSE_INVALID,
            "the platform accepted the registration but sent back no client_id",
        )
    tool_configuration = answer.get(claims.TOOL_CONFIGURATION)
    deployment_id = (
        tool_configuration.get("deployment_id") if isinstance(tool_configuration, dict) else None
    )
    granted = answer.get("scope")
    return RegisteredClient(
        issuer=platform.issuer,
        client_id=str(answer["client_id"]),
        deployment_id=str(deployment_id) if deployment_id is not None else None,
        granted_scopes=frozenset(granted.split()) if isinstance(granted, str) else None,
        platform=platform,
    )


def _send(method: str, url: str, registration_token: str | None, limits: FetchLimits,
          json_body: Any = None) -> Fetched:
    """A call to the platform, authorized by the registration token when there is one."""
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if registration_token:
        headers["Authorization"] = f"Bearer {registration_token}"
    return fetch(method, url, limits, headers=headers, json_body=json_body)


def _error_code(answer: Any) -> str:
    """The OAuth error code of a refusal (RFC 7591, e.g. ``invalid_redirect_uri``): a code
    from a fixed vocabulary, unlike a description, which could carry any server's text."""
    code = answer.get("error") if isinstance(answer, dict) else None
    return f": {code}" if isinstance(code, str) and ERROR_CODE.fullmatch(code) else ""


def _message_types(messages_supported: Any) -> tuple[str, ...]:
    """Message types as objects with a ``type`` (the spec, Canvas, Brightspace) or as
    bare strings (Moodle publishes those)."""
    types = (
        message.get("type") if isinstance(message, dict) else message
        for message in messages_supported or ()
    )
    return tuple(kind for kind in types if isinstance(kind, str))


def _invalid(reason: str) -> RegistrationFailure:
    return RegistrationFailure(
        FailureKind.CONFIGURATION_INVALID, f"the platform configuration is unusable: {reason}"
    )


def _is_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("https", "http") and bool(parts.netloc)


def _origin(parts: Any) -> tuple[str, str, int | None]:
    default_port = {"https": 443, "http": 80}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default_port
