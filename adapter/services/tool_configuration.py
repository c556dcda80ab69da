"""What an LMS admin pastes to register coachbridge: the URLs, and Canvas's JSON form.

One source for the admin page, the CLI and Dynamic Registration, so they never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lti import claims as c
from lti.dynamic_registration import TOOL_SCOPES, ToolDescription

TOOL_NAME = "coachbridge"
TOOL_DESCRIPTION = ("Manager check-ins, coaching conversations and validation of applied learning, "
                    "attached to your learning activities.")


@dataclass(frozen=True)
class ToolUrls:
    login: str
    launch: str
    jwks: str
    deep_linking: str

    @classmethod
    def for_base(cls, base_url: str) -> "ToolUrls":
        base = base_url.rstrip("/")
        return cls(login=base + "/lti/login", launch=base + "/lti/launch", jwks=base + "/lti/jwks",
                   deep_linking=base + "/lti/launch")

    @property
    def redirect_uris(self) -> list[str]:
        return [self.launch]

    @property
    def domain(self) -> str:
        return urlsplit(self.launch).netloc

    def rows(self) -> list[tuple[str, str]]:
        """(what the LMS asks for, what to paste), in the order LMS forms ask."""
        return [
            ("OIDC login initiation URL", self.login),
            ("Target link URI / launch URL", self.launch),
            ("Redirect URI(s)", self.launch),
            ("Public keyset (JWKS) URL", self.jwks),
            ("Deep linking URL", self.deep_linking),
            ("Domain", self.domain),
        ]


def tool_description(urls: ToolUrls) -> ToolDescription:
    return ToolDescription(client_name=TOOL_NAME, initiate_login_uri=urls.login, redirect_uris=urls.redirect_uris,
                           jwks_uri=urls.jwks, target_link_uri=urls.launch, deep_linking_uri=urls.deep_linking,
                           description=TOOL_DESCRIPTION)


def canvas_json(urls: ToolUrls) -> dict[str, Any]:
    """A Canvas developer key "Paste JSON" configuration.

    privacy_level "public" is what makes Canvas send names, emails and role_scope_mentor.
    """
    placement = {"text": TOOL_NAME, "message_type": c.DEEP_LINKING_REQUEST, "target_link_uri": urls.deep_linking}
    return {
        "title": TOOL_NAME,
        "description": TOOL_DESCRIPTION,
        "oidc_initiation_url": urls.login,
        "target_link_uri": urls.launch,
        "public_jwk_url": urls.jwks,
        "scopes": list(TOOL_SCOPES),
        "extensions": [{
            "platform": "canvas.instructure.com",
            "domain": urls.domain,
            "tool_id": TOOL_NAME,
            "privacy_level": "public",
            "settings": {
                "text": TOOL_NAME,
                "placements": [
                    {**placement, "placement": "assignment_selection"},
                    {**placement, "placement": "link_selection"},
                    {"placement": "course_navigation", "text": TOOL_NAME,
                     "message_type": c.RESOURCE_LINK_REQUEST, "target_link_uri": urls.launch},
                ],
            },
        }],
        "custom_fields": {},
    }
