from __future__ import annotations

import time

import jwt
import pytest

from lti import claims
from lti.ags import LineItem
from lti.deep_linking import DeepLinkingError, ResourceLink, build_deep_linking_response

PLATFORM = "https://lms.example.edu"
RETURN_URL = "https://lms.example.edu/deep_links/return?course=5"
LAUNCH_URL = "https://coach.example.org/lti/launch?activity=checkin"


def request_claims(**settings) -> dict:
    return {
        "iss": PLATFORM,
        "aud": "client-17",
        "sub": "instructor-1",
        claims.DEPLOYMENT_ID: "deployment-3",
        claims.MESSAGE_TYPE: claims.DEEP_LINKING_REQUEST,
        claims.VERSION: "1.3.0",
        claims.DL_SETTINGS: {
            "deep_link_return_url": RETURN_URL,
            "accept_types": ["ltiResourceLink", "link"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": False,
            **settings,
        },
    }


def decode(token: str, tool_key) -> dict:
    return jwt.decode(token, jwt.PyJWK(tool_key.public_jwk()).key, algorithms=["RS256"], audience=PLATFORM)


def validation_link(points: float | None = None) -> ResourceLink:
    return ResourceLink(
        title="Validate: giving feedback",
        text="Your manager confirms you applied it",
        url=LAUNCH_URL,
        custom={"kind": "validation", "template": "grow", "activity_iri": "https://lms.example.edu/act/9"},
        line_item=LineItem(label="Giving feedback", score_maximum=points, tag="validation") if points else None,
    )


def test_response_is_signed_by_the_tool_and_carries_the_required_claims(tool_key):
    before = int(time.time())
    response = build_deep_linking_response(request_claims(data="opaque-42"), [validation_link()], tool_key)

    assert response.return_url == RETURN_URL
    assert jwt.get_unverified_header(response.jwt)["kid"] == tool_key.kid
    body = decode(response.jwt, tool_key)
    assert body["iss"] == "client-17"
    assert body["aud"] == PLATFORM
    assert before <= body["iat"] < body["exp"]
    assert body["nonce"]
    assert body[claims.DEPLOYMENT_ID] == "deployment-3"
    assert body[claims.MESSAGE_TYPE] == "LtiDeepLinkingResponse"
    assert body[claims.VERSION] == "1.3.0"
    assert body[claims.DL_DATA] == "opaque-42"
    assert body[claims.DL_CONTENT_ITEMS] == [
        {
            "type": "ltiResourceLink",
            "title": "Validate: giving feedback",
            "text": "Your manager confirms you applied it",
            "url": LAUNCH_URL,
            "custom": {"kind": "validation", "template": "grow", "activity_iri": "https://lms.example.edu/act/9"},
        }
    ]


def test_data_is_echoed_exactly_whatever_its_shape(tool_key):
    data = {"nested": ["a", 1, None], "state": ""}
    body = decode(build_deep_linking_response(request_claims(data=data), [], tool_key).jwt, tool_key)
    assert body[claims.DL_DATA] == data

    without = decode(build_deep_linking_response(request_claims(), [], tool_key).jwt, tool_key)
    assert claims.DL_DATA not in without


def test_line_item_only_when_points_are_set(tool_key):
    with_points = decode(build_deep_linking_response(request_claims(), [validation_link(10)], tool_key).jwt, tool_key)
    without = decode(build_deep_linking_response(request_claims(), [validation_link()], tool_key).jwt, tool_key)

    assert with_points[claims.DL_CONTENT_ITEMS][0]["lineItem"] == {
        "label": "Giving feedback",
        "scoreMaximum": 10,
        "tag": "validation",
    }
    assert "lineItem" not in without[claims.DL_CONTENT_ITEMS][0]


def test_messages_and_azp(tool_key):
    request = {**request_claims(), "aud": ["client-17", "other"], "azp": "client-17"}
    body = decode(
        build_deep_linking_response(request, [], tool_key, msg="Nothing placed", errormsg="Cancelled").jwt, tool_key
    )
    assert body["iss"] == "client-17"
    assert (body[claims.DL_MSG], body[claims.DL_ERRORMSG]) == ("Nothing placed", "Cancelled")
    assert body[claims.DL_CONTENT_ITEMS] == []


def test_refuses_when_the_platform_does_not_accept_resource_links(tool_key):
    with pytest.raises(DeepLinkingError, match="does not accept ltiResourceLink.*accepts: file, link"):
        build_deep_linking_response(request_claims(accept_types=["link", "file"]), [validation_link()], tool_key)


def test_refuses_several_items_unless_the_platform_accepts_multiple(tool_key):
    two = [validation_link(), validation_link(5)]
    with pytest.raises(DeepLinkingError, match="accepts one item here, not 2"):
        build_deep_linking_response(request_claims(), two, tool_key)

    body = decode(build_deep_linking_response(request_claims(accept_multiple=True), two, tool_key).jwt, tool_key)
    assert len(body[claims.DL_CONTENT_ITEMS]) == 2


def test_custom_parameters_must_be_strings(tool_key):
    link = ResourceLink(title="x", custom={"points": 10, "kind": "checkin"})
    with pytest.raises(DeepLinkingError, match="must be strings: points"):
        build_deep_linking_response(request_claims(), [link], tool_key)


def test_a_request_without_a_return_url_cannot_be_answered(tool_key):
    request = request_claims()
    del request[claims.DL_SETTINGS]["deep_link_return_url"]
    with pytest.raises(DeepLinkingError, match="deep_link_return_url"):
        build_deep_linking_response(request, [], tool_key)


def test_several_audiences_without_azp_name_no_client(tool_key):
    with pytest.raises(DeepLinkingError, match="single client id"):
        build_deep_linking_response({**request_claims(), "aud": ["a", "b"]}, [], tool_key)
