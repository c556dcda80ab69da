"""LTI Dynamic Registration, end to end: read the platform, register, then store.

Only an invitation (a one-time link from a tool operator) lets an LMS register; or, when
the operator turned open registration on, the LMS is stored *pending*: inactive, its
logins refused and its keys never fetched, until an operator approves it.

Nothing is stored until the platform has answered with a client id, and then the
platform, its deployment and the spent invitation are written in one transaction: a
failure at any step leaves no half-registered platform and a still usable invitation.
"""
from __future__ import annotations

import time

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from adapter.persistence import invitation_store
from adapter.services.platforms import PlatformExists, PlatformSpec, add_platform
from adapter.services.tool_configuration import ToolUrls, tool_description
from lti.dynamic_registration import (
    FailureKind, PlatformConfiguration, RegisteredClient, RegistrationFailure, fetch_platform_configuration,
    register_tool,
)
from lti.safe_fetch import FetchLimits

INVITATION_SPENT = RegistrationFailure(
    FailureKind.REGISTRATION_REFUSED,
    "this registration link was already used, withdrawn or has expired; ask the tool's operator for a new one")


def read_platform(openid_configuration: str, registration_token: str | None,
                  limits: FetchLimits) -> PlatformConfiguration | RegistrationFailure:
    return fetch_platform_configuration(openid_configuration, registration_token or None, limits)


def complete_registration(engine: Engine, invitation: str | None, openid_configuration: str,
                          registration_token: str | None, urls: ToolUrls,
                          limits: FetchLimits) -> RegisteredClient | RegistrationFailure:
    """``invitation``: the token of the link the LMS opened; None for an open registration
    (the caller checked the operator allows it), stored pending approval."""
    platform = read_platform(openid_configuration, registration_token, limits)
    if isinstance(platform, RegistrationFailure):
        return platform
    registered = register_tool(platform, tool_description(urls), registration_token or None, limits)
    if isinstance(registered, RegistrationFailure):
        return registered
    spec = PlatformSpec(
        issuer=registered.issuer, client_id=registered.client_id, auth_login_url=platform.authorization_endpoint,
        key_set_url=platform.jwks_uri, auth_token_url=platform.token_endpoint,
        token_audience=platform.token_audience if platform.token_audience != platform.token_endpoint else "",
        name=f"{platform.product_family_code or 'LMS'} ({registered.issuer})",
        product_family_code=platform.product_family_code, registered_by="dynamic",
        deployment_ids=(registered.deployment_id,) if registered.deployment_id else (),
        accept_new_deployments=registered.deployment_id is None, pending=invitation is None)
    now = time.time()
    try:
        with engine.begin() as conn:
            platform_id = add_platform(conn, spec, now)
            if invitation is not None and not invitation_store.spend_invitation(conn, invitation, now, platform_id):
                raise _Spent
    except _Spent:
        return INVITATION_SPENT
    except (PlatformExists, IntegrityError):
        return RegistrationFailure(FailureKind.REGISTRATION_REFUSED,
                                   "an LMS with this issuer and client id is already registered; nothing was changed")
    return registered


class _Spent(Exception):
    """The invitation was spent by another registration meanwhile: roll this one back."""
