"""What an LMS admin pastes to register coachbridge: the URLs, and Canvas's JSON form.

One source for the admin page, the CLI and Dynamic Registration, so they never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from adapter.domain.translatable import N_
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
        """(what the LMS asks for, marked for translation; what to paste), in the order LMS forms ask."""
        return [
            (N_("OIDC login initiation URL"), self.login),
            (N_("Target link URI / launch URL"), self.launch),
            (N_("Redirect URI(s)"), self.launch),
            (N_("Public keyset (JWKS) URL"), self.jwks),
            (N_("Deep linking URL"), self.deep_linking),
            (N_("Domain"), self.domain),
        ]


# Where the tool shows up in an LMS (Canvas's placement names; Moodle and Brightspace take
# the messages by type and ignore placements they do not have): instructors add an
# activity through Deep Linking when they create an assignment or add a module link, and
# the course menu opens the tool (a manager's team, a learner's records).
DEEP_LINKING_PLACEMENTS = ("assignment_selection", "link_selection")
RESOURCE_LINK_PLACEMENTS = ("course_navigation",)
DEEP_LINKING_LABEL = "Add a coachbridge check-in or validation"
# "public" makes Canvas send names, emails and role_scope_mentor (its default is inferred from the claims).
CANVAS_PRIVACY = {"https://canvas.instructure.com/lti/privacy_level": "public"}


def tool_description(urls: ToolUrls) -> ToolDescription:
    return ToolDescription(client_name=TOOL_NAME, initiate_login_uri=urls.login, redirect_uris=urls.redirect_uris,
                           jwks_uri=urls.jwks, target_link_uri=urls.launch, deep_linking_uri=urls.deep_linking,
                           description=TOOL_DESCRIPTION, resource_link_label=TOOL_NAME,
                           resource_link_placements=RESOURCE_LINK_PLACEMENTS, deep_linking_label=DEEP_LINKING_LABEL,
                           deep_linking_placements=DEEP_LINKING_PLACEMENTS, configuration_extensions=CANVAS_PRIVACY)


def canvas_json(urls: ToolUrls) -> dict[str, Any]:
    """A Canvas developer key "Paste JSON" configuration.

    privacy_level "public" is what makes Canvas send names, emails and role_scope_mentor.
    """
    placement = {"text": DEEP_LINKING_LABEL, "message_type": c.DEEP_LINKING_REQUEST,
                 "target_link_uri": urls.deep_linking}
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
                    *({**placement, "placement": name} for name in DEEP_LINKING_PLACEMENTS),
                    *({"placement": name, "text": TOOL_NAME, "message_type": c.RESOURCE_LINK_REQUEST,
                       "target_link_uri": urls.launch} for name in RESOURCE_LINK_PLACEMENTS),
                ],
            },
        }],
        "custom_fields": {},
    }
