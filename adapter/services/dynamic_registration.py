"""LTI Dynamic Registration, end to end: read the platform, register, then store.

Nothing is stored until the platform has answered with a client id, and then the
platform and its deployment are written in one transaction: a failure at any step
leaves no half-registered platform behind.
"""
from __future__ import annotations

from sqlalchemy import Engine

from adapter.services.platforms import PlatformSpec, register_platform
from adapter.services.tool_configuration import ToolUrls, tool_description
from lti.dynamic_registration import (
    PlatformConfiguration, RegisteredClient, RegistrationFailure, fetch_platform_configuration, register_tool,
)


def read_platform(openid_configuration: str, registration_token: str | None) -> PlatformConfiguration | RegistrationFailure:
    return fetch_platform_configuration(openid_configuration, registration_token or None)


def complete_registration(engine: Engine, openid_configuration: str, registration_token: str | None,
                          urls: ToolUrls) -> RegisteredClient | RegistrationFailure:
    platform = read_platform(openid_configuration, registration_token)
    if isinstance(platform, RegistrationFailure):
        return platform
    registered = register_tool(platform, tool_description(urls), registration_token or None)
    if isinstance(registered, RegistrationFailure):
        return registered
    register_platform(engine, PlatformSpec(
        issuer=registered.issuer, client_id=registered.client_id, auth_login_url=platform.authorization_endpoint,
        key_set_url=platform.jwks_uri, auth_token_url=platform.token_endpoint,
        token_audience=platform.token_audience if platform.token_audience != platform.token_endpoint else "",
        name=f"{platform.product_family_code or 'LMS'} ({registered.issuer})",
        product_family_code=platform.product_family_code, registered_by="dynamic",
        deployment_ids=(registered.deployment_id,) if registered.deployment_id else (),
        accept_new_deployments=registered.deployment_id is None,
    ))
    return registered
