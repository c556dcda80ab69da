"""Deep Linking 2.0: the signed answer that places a coachbridge activity in a course.

An instructor picks a check-in, coaching or validation activity in the course editor;
the tool answers with an ``LtiDeepLinkingResponse`` JWT carrying one ``ltiResourceLink``
content item, which the browser posts back to the platform's ``deep_link_return_url``.
The platform checks its signature, timestamps, required claims and that ``data`` comes
back exactly as it was sent.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from lti import claims
from lti.ags import LineItem
from lti.keys import SigningKey

RESPONSE_LIFETIME_SECONDS = 600


class DeepLinkingError(ValueError):
    """The request cannot be answered with these items; the message says why."""


@dataclass(frozen=True)
class DeepLinkingSettings:
    """The platform's ``deep_linking_settings`` claim, as far as the tool acts on it."""

    return_url: str
    accept_types: frozenset[str]
    accept_multiple: bool
    # None when the platform does not say whether it creates line items from lineItem.
    accept_lineitem: bool | None
    has_data: bool
    data: Any = None

    @classmethod
    def from_claims(cls, request_claims: Mapping[str, Any]) -> "DeepLinkingSettings":
        settings = request_claims.get(claims.DL_SETTINGS)
        if not isinstance(settings, dict) or not settings.get("deep_link_return_url"):
            raise DeepLinkingError("the request has no deep_linking_settings.deep_link_return_url")
        return cls(
            return_url=settings["deep_link_return_url"],
            accept_types=frozenset(settings.get("accept_types") or ()),
            accept_multiple=bool(settings.get("accept_multiple", False)),
            accept_lineitem=settings.get("accept_lineitem"),
            has_data="data" in settings,
            data=settings.get("data"),
        )


@dataclass(frozen=True)
class ResourceLink:
    """An ``ltiResourceLink`` content item; ``url`` None means the tool's launch URL."""

    title: str
    url: str | None = None
    text: str | None = None
    custom: Mapping[str, str] = field(default_factory=dict)
    # Set when the instructor gave points: the platform creates the gradebook column.
    line_item: LineItem | None = None

    def to_content_item(self) -> dict[str, Any]:
        not_text = sorted(name for name, value in self.custom.items() if not isinstance(value, str))
        if not_text:
            raise DeepLinkingError(f"custom parameters must be strings: {', '.join(not_text)}")
        item: dict[str, Any] = {"type": claims.CONTENT_ITEM_RESOURCE_LINK, "title": self.title}
        if self.url is not None:
            item["url"] = self.url
        if self.text is not None:
            item["text"] = self.text
        if self.custom:
            item["custom"] = dict(self.custom)
        if self.line_item is not None:
            item["lineItem"] = self.line_item.to_json()
        return item


@dataclass(frozen=True)
class DeepLinkingResponse:
    """What the page posts, in an auto-submitting form, as the ``JWT`` field."""

    return_url: str
    jwt: str


def build_deep_linking_response(
    request_claims: Mapping[str, Any],
    items: Sequence[ResourceLink],
    signing_key: SigningKey,
    *,
    msg: str | None = None,
    errormsg: str | None = None,
) -> DeepLinkingResponse:
    """Signs the answer to a validated ``LtiDeepLinkingRequest``.

    No items is a valid answer (the instructor cancelled); ``errormsg`` tells the
    platform why nothing was placed.
    """
    settings = DeepLinkingSettings.from_claims(request_claims)
    if items and claims.CONTENT_ITEM_RESOURCE_LINK not in settings.accept_types:
        offered = ", ".join(sorted(settings.accept_types)) or "nothing"
        raise DeepLinkingError(
            f"the platform does not accept {claims.CONTENT_ITEM_RESOURCE_LINK} items here "
            f"(it accepts: {offered})"
        )
    if len(items) > 1 and not settings.accept_multiple:
        raise DeepLinkingError(f"the platform accepts one item here, not {len(items)}")
    issued_at = int(time.time())
    response_claims: dict[str, Any] = {
        "iss": _client_id(request_claims),
        "aud": request_claims["iss"],
        "iat": issued_at,
        "exp": issued_at + RESPONSE_LIFETIME_SECONDS,
        "nonce": secrets.token_urlsafe(24),
        claims.DEPLOYMENT_ID: request_claims[claims.DEPLOYMENT_ID],
        claims.MESSAGE_TYPE: claims.DEEP_LINKING_RESPONSE,
        claims.VERSION: claims.LTI_VERSION,
        claims.DL_CONTENT_ITEMS: [item.to_content_item() for item in items],
    }
    if settings.has_data:
        response_claims[claims.DL_DATA] = settings.data
    if msg is not None:
        response_claims[claims.DL_MSG] = msg
    if errormsg is not None:
        response_claims[claims.DL_ERRORMSG] = errormsg
    return DeepLinkingResponse(settings.return_url, signing_key.sign(response_claims))


def _client_id(request_claims: Mapping[str, Any]) -> str:
    """The tool's client id: ``azp`` when present, else the one audience."""
    if request_claims.get("azp"):
        return request_claims["azp"]
    audience = request_claims.get("aud")
    if isinstance(audience, str):
        return audience
    if isinstance(audience, list) and len(audience) == 1:
        return audience[0]
    raise DeepLinkingError("the request names no single client id (aud without azp)")
