"""Platform OpenID configurations shaped like those Moodle, Canvas and Brightspace publish
(written from their public documentation, not copied), for any host: the library tests
use the vendors' own hosts, the end-to-end tests serve them from 127.0.0.1."""
from __future__ import annotations

from urllib.parse import urlsplit

from lti import claims


def moodle_configuration(wwwroot: str = "https://learn.example.edu/moodle") -> dict:
    """Moodle: issuer is the site's wwwroot (often with a path), endpoints under mod/lti,
    messages_supported as bare strings."""
    return {
        "issuer": wwwroot,
        "token_endpoint": f"{wwwroot}/mod/lti/token.php",
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "jwks_uri": f"{wwwroot}/mod/lti/certs.php",
        "authorization_endpoint": f"{wwwroot}/mod/lti/auth.php",
        "registration_endpoint": f"{wwwroot}/mod/lti/openid-registration.php",
        "scopes_supported": [claims.AGS_SCOPE_LINEITEM, claims.AGS_SCOPE_SCORE, "openid"],
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "iss", "name", "email"],
        claims.PLATFORM_CONFIGURATION: {
            "product_family_code": "moodle",
            "version": "4.5",
            "messages_supported": ["LtiResourceLinkRequest", "LtiDeepLinkingRequest"],
        },
    }


def canvas_configuration(issuer: str = "https://canvas.instructure.com", sso: str = "https://sso.canvaslms.com",
                         school: str = "https://school.instructure.com") -> dict:
    """Canvas cloud: one issuer for every customer, keys and tokens on sso.canvaslms.com,
    the registration endpoint on the customer's own domain, a bare host as
    authorization_server."""
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{sso}/api/lti/authorize_redirect",
        "registration_endpoint": f"{school}/api/lti/registrations",
        "jwks_uri": f"{sso}/api/lti/security/jwks",
        "token_endpoint": f"{sso}/login/oauth2/token",
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
        "scopes_supported": [claims.AGS_SCOPE_SCORE, claims.NRPS_SCOPE_CONTEXTMEMBERSHIP_READONLY],
        "response_types_supported": ["id_token"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["sub", "picture", "email", "name"],
        "subject_types_supported": ["public"],
        "authorization_server": urlsplit(sso).netloc,
        claims.PLATFORM_CONFIGURATION: {
            "product_family_code": "canvas",
            "version": "OpenSource",
            "messages_supported": [
                {"type": "LtiResourceLinkRequest", "placements": ["course_navigation"]},
                {"type": "LtiDeepLinkingRequest", "placements": ["assignment_selection"]},
            ],
            "https://canvas.instructure.com/lti/account_name": "School",
        },
    }


def brightspace_configuration(instance: str = "https://school.brightspace.com",
                              auth: str = "https://auth.brightspace.com",
                              api: str = "https://api.brightspace.com") -> dict:
    """Brightspace: issuer is the instance, tokens from auth.brightspace.com, and the client
    assertion's audience is its authorization server, not the token URL."""
    return {
        "issuer": instance,
        "authorization_endpoint": f"{instance}/d2l/lti/authenticate",
        "registration_endpoint": f"{instance}/d2l/lti/dynamic-registration/register",
        "jwks_uri": f"{instance}/d2l/.well-known/jwks",
        "token_endpoint": f"{auth}/core/connect/token",
        "authorization_server": f"{api}/auth/token",
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": [claims.AGS_SCOPE_LINEITEM, claims.AGS_SCOPE_SCORE],
        "response_types_supported": ["id_token"],
        claims.PLATFORM_CONFIGURATION: {
            "product_family_code": "desire2learn",
            "version": "20.25.3",
            "messages_supported": [{"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest"}],
        },
    }
