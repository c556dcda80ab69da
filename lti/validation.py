"""id_token validation: one small, named check per rule.

Each check returns ``None`` when the rule holds or a :class:`Rejection` naming the rule.
:meth:`LaunchValidator.validate` runs them in an order where the cheap, unauthenticated
checks come first and the state is consumed last, only for a token that passed
everything else — so a forged token can never burn a real user's login.
"""
from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import jwt

from . import claims as c
from .client_storage import is_storage_state
from .errors import N_, Rejection, bad_request, forbidden, unauthorized
from .jwks import KeySetUnavailable, PlatformKeys
from .oidc import browser_binding
from .storage import LoginStore, PendingLogin, Registration, RegistrationStore

MAX_TOKEN_BYTES = 64 * 1024
ALLOWED_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})
SUPPORTED_MESSAGE_TYPES = frozenset({c.RESOURCE_LINK_REQUEST, c.DEEP_LINKING_REQUEST})
DEFAULT_LEEWAY = 60


@dataclass
class LaunchAttempt:
    """Everything known about one launch request while it is being checked."""

    id_token: str
    state: str
    browser_id: str | None
    now: float
    leeway: int
    storage_value: str | None = None  # read back from the platform frame (client-side storage)
    header: dict[str, Any] = field(default_factory=dict)
    claims: dict[str, Any] = field(default_factory=dict)
    login: PendingLogin | None = None
    registration: Registration | None = None


@dataclass(frozen=True)
class ValidLaunch:
    """A launch that passed every rule: its claims and the registration it came through."""

    claims: dict[str, Any]
    registration: Registration

    @property
    def message_type(self) -> str:
        return self.claims[c.MESSAGE_TYPE]

    @property
    def deployment_id(self) -> str:
        return self.claims[c.DEPLOYMENT_ID]

    @property
    def subject(self) -> str:
        return self.claims.get("sub", "")

    @property
    def roles(self) -> list[str]:
        return list(self.claims.get(c.ROLES) or [])

    def claim(self, name: str) -> Any:
        value = self.claims.get(name)
        return value if isinstance(value, dict) else {}


def _b64_json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


def _strict_base64url(segment: str) -> bytes:
    """A JWS segment as RFC 7515 and PyJWT want it: the URL-safe alphabet only, at most
    two ``=`` of padding, and the canonical encoding (no stray trailing bits)."""
    stripped = segment.rstrip("=")
    padding = len(segment) - len(stripped)
    if padding > 2 or (padding and len(segment) % 4) or len(stripped) % 4 == 1 or not _BASE64URL.fullmatch(stripped):
        raise ValueError("not base64url")
    decoded = base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    if base64.urlsafe_b64encode(decoded).rstrip(b"=") != stripped.encode("ascii"):
        raise ValueError("not the canonical base64url encoding")
    return decoded


def signature_verifies(id_token: str, header: dict[str, Any], key: Any) -> bool:
    """The JWS signature check of ``jwt.decode`` (PyJWT's algorithm objects), without its
    per-character Python scan of the token: every segment strictly base64url, no
    unencoded (``b64: false``) payload, no critical header extension, and the signature
    valid for ``header.alg`` (already on the allow-list) with the platform's key."""
    try:
        header_segment, payload_segment, signature_segment = id_token.split(".")
        _strict_base64url(header_segment)
        _strict_base64url(payload_segment)
        signature = _strict_base64url(signature_segment)
        if "crit" in header or header.get("b64", True) is not True:
            return False
        algorithm = jwt.get_algorithm_by_name(header["alg"])
        return bool(algorithm.verify(f"{header_segment}.{payload_segment}".encode("ascii"),
                                     algorithm.prepare_key(key), signature))
    except (ValueError, TypeError, binascii.Error, UnicodeError, NotImplementedError, jwt.PyJWTError):
        return False


# --- request shape ------------------------------------------------------------------

def check_state_present(a: LaunchAttempt) -> Rejection | None:
    if not a.state:
        return bad_request("state_missing", N_("The launch arrived without its state."))
    return None


def check_token_present(a: LaunchAttempt) -> Rejection | None:
    if not a.id_token:
        return bad_request("id_token_missing", N_("The launch arrived without an id_token."))
    return None


def check_token_size(a: LaunchAttempt) -> Rejection | None:
    if len(a.id_token) > MAX_TOKEN_BYTES:
        return bad_request("id_token_too_large", N_("The id_token is larger than any real launch needs."))
    return None


def check_jwt_format(a: LaunchAttempt) -> Rejection | None:
    parts = a.id_token.split(".")
    try:
        if len(parts) != 3:
            raise ValueError("a JWT has three parts")
        header, payload = _b64_json(parts[0]), _b64_json(parts[1])
        if not isinstance(header, dict) or not isinstance(payload, dict):
            raise ValueError("header and payload must be JSON objects")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return bad_request("id_token_malformed", N_("The id_token is not a JSON Web Token."))
    a.header, a.claims = header, payload
    return None


def check_algorithm_allowed(a: LaunchAttempt) -> Rejection | None:
    if a.header.get("alg") not in ALLOWED_ALGORITHMS:
        return unauthorized("alg_not_allowed", N_("The id_token is signed with an algorithm the tool does not accept."))
    return None


def check_kid_present(a: LaunchAttempt) -> Rejection | None:
    if not isinstance(a.header.get("kid"), str) or not a.header["kid"]:
        return unauthorized("kid_missing", N_("The id_token does not say which platform key signed it."))
    return None


# --- the login this launch finishes -----------------------------------------------------

def check_login_known(a: LaunchAttempt) -> Rejection | None:
    if a.login is None:
        return unauthorized("state_unknown", N_("This launch was not started by the tool."))
    return None


def check_login_unused(a: LaunchAttempt) -> Rejection | None:
    assert a.login is not None
    if a.login.consumed:
        return bad_request("launch_already_used",
                           N_("This launch was already used. Please launch again from your course."))
    return None


def check_login_unexpired(a: LaunchAttempt) -> Rejection | None:
    assert a.login is not None
    if a.login.expires_at <= a.now:
        return unauthorized("state_expired", N_("This launch took too long. Please launch again from your course."))
    return None


def check_state_bound_to_browser(a: LaunchAttempt) -> Rejection | None:
    """The browser that finishes the launch proves it started it: with the cookie, or for
    a login bound through platform storage (its state says so) with the value it stored
    in the platform frame. Only the channel the login chose counts."""
    assert a.login is not None
    if is_storage_state(a.state):
        proof = a.storage_value
        if not proof:
            return unauthorized("state_storage_missing",
                                N_("The LMS did not hand back the value this launch stored in it."))
    else:
        proof = a.browser_id
        if not proof:
            return unauthorized("state_cookie_missing",
                                N_("The browser that started this launch did not send its state cookie."))
    if not hmac.compare_digest(browser_binding(proof), a.login.browser_binding):
        return unauthorized("state_mismatch", N_("This launch was started in another browser."))
    return None


def check_registration_active(a: LaunchAttempt) -> Rejection | None:
    if a.registration is None:
        return forbidden("registration_unknown", N_("This LMS registration no longer exists."))
    if not a.registration.active:
        return forbidden("registration_disabled", N_("This LMS registration is disabled."))
    return None


# --- issuer and audience ----------------------------------------------------------------

def check_issuer(a: LaunchAttempt) -> Rejection | None:
    assert a.registration is not None
    if a.claims.get("iss") != a.registration.issuer:
        return unauthorized("iss_mismatch", N_("The id_token comes from another issuer than the login."))
    return None


def _audiences(a: LaunchAttempt) -> list[Any]:
    aud = a.claims.get("aud")
    return aud if isinstance(aud, list) else [aud]


def check_audience(a: LaunchAttempt) -> Rejection | None:
    assert a.registration is not None
    if a.registration.client_id not in _audiences(a):
        return unauthorized("aud_mismatch", N_("The id_token is meant for another client."))
    return None


def check_azp_when_several_audiences(a: LaunchAttempt) -> Rejection | None:
    if len(_audiences(a)) > 1 and "azp" not in a.claims:
        return unauthorized("azp_missing", N_("The id_token has several audiences but no authorized party."))
    return None


def check_azp_matches(a: LaunchAttempt) -> Rejection | None:
    assert a.registration is not None
    if "azp" in a.claims and a.claims["azp"] != a.registration.client_id:
        return unauthorized("azp_mismatch", N_("The id_token's authorized party is another client."))
    return None


# --- time -------------------------------------------------------------------------------

def _numeric(a: LaunchAttempt, name: str) -> float | None:
    value = a.claims.get(name)
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def check_not_expired(a: LaunchAttempt) -> Rejection | None:
    exp = _numeric(a, "exp")
    if exp is None:
        return unauthorized("exp_missing", N_("The id_token has no expiry."))
    if exp + a.leeway < a.now:
        return unauthorized("token_expired", N_("The id_token has expired. Please launch again from your course."))
    return None


def check_issued_in_past(a: LaunchAttempt) -> Rejection | None:
    iat = _numeric(a, "iat")
    if iat is None:
        return unauthorized("iat_missing", N_("The id_token has no issue time."))
    if iat - a.leeway > a.now:
        return unauthorized("iat_in_future", N_("The id_token claims to be issued in the future."))
    return None


def check_not_before(a: LaunchAttempt) -> Rejection | None:
    nbf = _numeric(a, "nbf")
    if nbf is not None and nbf - a.leeway > a.now:
        return unauthorized("token_not_yet_valid", N_("The id_token is not valid yet."))
    return None


# --- LTI message ------------------------------------------------------------------------

def check_is_lti_message(a: LaunchAttempt) -> Rejection | None:
    if c.VERSION not in a.claims and c.MESSAGE_TYPE not in a.claims:
        return bad_request("not_lti_message", N_("The token is a JWT but not an LTI message."))
    return None


def check_lti_version(a: LaunchAttempt) -> Rejection | None:
    if c.VERSION not in a.claims:
        return bad_request("lti_version_missing", N_("The launch does not say which LTI version it uses."))
    if a.claims[c.VERSION] != c.LTI_VERSION:
        return bad_request("lti_version_unsupported", N_("The launch uses an LTI version other than 1.3.0."))
    return None


def check_message_type(a: LaunchAttempt) -> Rejection | None:
    if not a.claims.get(c.MESSAGE_TYPE):
        return bad_request("message_type_missing", N_("The launch does not say what kind of message it is."))
    if a.claims[c.MESSAGE_TYPE] not in SUPPORTED_MESSAGE_TYPES:
        return bad_request("message_type_unsupported", N_("The tool does not handle this kind of LTI message."))
    return None


def check_deployment_present(a: LaunchAttempt) -> Rejection | None:
    if not isinstance(a.claims.get(c.DEPLOYMENT_ID), str) or not a.claims[c.DEPLOYMENT_ID]:
        return bad_request("deployment_id_missing", N_("The launch does not name its deployment."))
    return None


def check_deployment_known(a: LaunchAttempt) -> Rejection | None:
    assert a.registration is not None
    known = a.claims[c.DEPLOYMENT_ID] in a.registration.deployment_ids
    if not known and not a.registration.accept_new_deployments:
        return forbidden("deployment_unknown", N_("This deployment of the tool is not registered."))
    return None


def check_subject(a: LaunchAttempt) -> Rejection | None:
    if not isinstance(a.claims.get("sub"), str) or not a.claims["sub"]:
        return bad_request("sub_missing", N_("The launch does not identify the user."))
    return None


def check_roles_claim(a: LaunchAttempt) -> Rejection | None:
    if not isinstance(a.claims.get(c.ROLES), list):
        return bad_request("roles_missing", N_("The launch carries no roles claim."))
    return None


def check_resource_link(a: LaunchAttempt) -> Rejection | None:
    if a.claims[c.MESSAGE_TYPE] != c.RESOURCE_LINK_REQUEST:
        return None
    link = a.claims.get(c.RESOURCE_LINK)
    if not isinstance(link, dict) or not link.get("id"):
        return bad_request("resource_link_missing", N_("The launch does not name its resource link."))
    return None


def check_deep_linking_settings(a: LaunchAttempt) -> Rejection | None:
    if a.claims[c.MESSAGE_TYPE] != c.DEEP_LINKING_REQUEST:
        return None
    settings = a.claims.get(c.DL_SETTINGS)
    if not isinstance(settings, dict) or not settings.get("deep_link_return_url"):
        return bad_request("deep_linking_settings_missing", N_("The deep-linking request has no return URL."))
    return None


def check_mentor_scope_needs_mentor_role(a: LaunchAttempt) -> Rejection | None:
    """A platform must not send role_scope_mentor without the Mentor role; refuse the lie."""
    if a.claims.get(c.ROLE_SCOPE_MENTOR) and not any(
        "Mentor" in role for role in a.claims.get(c.ROLES) or [] if isinstance(role, str)
    ):
        return bad_request("role_scope_mentor_without_mentor", N_("The launch lists mentees but not the Mentor role."))
    return None


REQUEST_CHECKS = (check_state_present, check_token_present, check_token_size, check_jwt_format,
                  check_algorithm_allowed, check_kid_present)
LOGIN_CHECKS = (check_login_known, check_login_unused, check_login_unexpired, check_state_bound_to_browser,
                check_registration_active)
AUDIENCE_CHECKS = (check_issuer, check_audience, check_azp_when_several_audiences, check_azp_matches)
TIME_CHECKS = (check_not_expired, check_issued_in_past, check_not_before)
MESSAGE_CHECKS = (check_is_lti_message, check_lti_version, check_message_type, check_deployment_present,
                  check_deployment_known, check_subject, check_roles_claim, check_resource_link,
                  check_deep_linking_settings, check_mentor_scope_needs_mentor_role)


def first_rejection(checks: Iterable[Callable[[LaunchAttempt], Rejection | None]], a: LaunchAttempt) -> Rejection | None:
    for check in checks:
        rejection = check(a)
        if rejection is not None:
            return rejection
    return None


class LaunchValidator:
    def __init__(
        self,
        registrations: RegistrationStore,
        logins: LoginStore,
        keys: PlatformKeys,
        clock: Callable[[], float] = time.time,
        leeway: int = DEFAULT_LEEWAY,
    ) -> None:
        self.registrations = registrations
        self.logins = logins
        self.keys = keys
        self.clock = clock
        self.leeway = leeway

    def validate(self, id_token: str, state: str, browser_id: str | None,
                 storage_value: str | None = None, logins: LoginStore | None = None) -> ValidLaunch | Rejection:
        """``browser_id`` is the cookie's value; ``storage_value`` what the platform frame
        handed back, for a login bound through client-side storage. ``logins``: where to
        find and consume the login instead of the validator's own store (the caller's
        transaction, so the login is consumed only if what the launch writes is kept too)."""
        logins = logins or self.logins
        a = LaunchAttempt(id_token=id_token or "", state=state or "", browser_id=browser_id,
                          now=self.clock(), leeway=self.leeway, storage_value=storage_value)
        rejection = first_rejection(REQUEST_CHECKS, a)
        if rejection:
            return rejection
        a.login = logins.find_login(a.state)
        if a.login is not None:
            a.registration = self.registrations.find_registration(a.login.issuer, a.login.client_id)
        rejection = (first_rejection(LOGIN_CHECKS, a) or first_rejection(AUDIENCE_CHECKS, a)
                     or self.check_signature(a) or first_rejection(TIME_CHECKS, a)
                     or first_rejection(MESSAGE_CHECKS, a) or self.check_nonce(a, logins))
        if rejection:
            return rejection
        assert a.registration is not None
        return ValidLaunch(claims=a.claims, registration=a.registration)

    def check_signature(self, a: LaunchAttempt) -> Rejection | None:
        assert a.registration is not None
        try:
            key = self.keys.find_key(a.registration.key_set_url, a.header["kid"])
        except KeySetUnavailable:
            return Rejection("platform_keys_unavailable",
                             N_("The LMS's public keys could not be fetched; try again shortly."), 503)
        if key is None:
            return unauthorized("kid_unknown", N_("The id_token is signed with a key the LMS does not publish."))
        if not signature_verifies(a.id_token, a.header, key):
            return unauthorized("signature_invalid", N_("The id_token's signature does not verify."))
        return None

    def check_nonce(self, a: LaunchAttempt, logins: LoginStore) -> Rejection | None:
        """The nonce must be the one issued with this state, and is consumed exactly once."""
        assert a.login is not None
        nonce = a.claims.get("nonce")
        if not isinstance(nonce, str) or not nonce:
            return unauthorized("nonce_missing", N_("The id_token carries no nonce."))
        if nonce != a.login.nonce:
            issued = logins.find_login_by_nonce(nonce)
            if issued is None:
                return unauthorized("nonce_unknown", N_("The id_token's nonce was never issued by the tool."))
            if issued.consumed:
                return unauthorized("nonce_reused", N_("The id_token's nonce was already used."))
            return unauthorized("nonce_state_mismatch", N_("The id_token's nonce belongs to another launch."))
        if not logins.consume_login(a.state, a.now):
            return bad_request("launch_already_used",
                               N_("This launch was already used. Please launch again from your course."))
        return None
