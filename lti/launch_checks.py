"""The launch around its id_token: one small, named check per rule on the login the
state names (unused, unexpired, bound to this browser), the registration it came through,
and the LTI message's claims (version, type, deployment, subject, roles, link, settings).

Each check returns ``None`` when the rule holds or a :class:`Rejection` naming the rule;
:mod:`lti.launch_validation` runs them after the token's own checks (:mod:`lti.token_checks`).
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

from . import claims as c
from .client_storage import is_storage_state
from .errors import N_, Rejection, bad_request, forbidden, unauthorized
from .oidc import browser_binding
from .storage import PendingLogin, Registration

SUPPORTED_MESSAGE_TYPES = frozenset({c.RESOURCE_LINK_REQUEST, c.DEEP_LINKING_REQUEST})


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
    # The token as check_jwt_format split it, for the signature check.
    signing_input: str = ""
    signature_segment: str = ""
    segments_strict: bool = False  # the header and payload segments strict, canonical base64url
    login: PendingLogin | None = None
    login_used: bool = False  # asked of the store only for a launch refused otherwise (launch_validation)
    registration: Registration | None = None



# --- the login this launch finishes -----------------------------------------------------

def check_login_known(a: LaunchAttempt) -> Rejection | None:
    """The state is one the tool sealed (with the secret it has now)."""
    if a.login is None:
        return unauthorized("state_unknown", N_("This launch was not started by the tool."))
    return None


def already_used() -> Rejection:
    return bad_request("launch_already_used", N_("This launch was already used. Please launch again from your course."))


def check_login_unused(a: LaunchAttempt) -> Rejection | None:
    assert a.login is not None
    return already_used() if a.login_used else None


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
