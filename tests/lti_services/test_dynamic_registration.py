"""Dynamic Registration against configuration documents shaped like those Moodle, Canvas
and Brightspace publish (written from their public documentation, not copied)."""
from __future__ import annotations

import json

import pytest
import requests
import responses

from lti import claims
from tests.peers.vendor_platforms import brightspace_configuration, canvas_configuration, moodle_configuration
from lti.dynamic_registration import (
    FailureKind,
    PlatformConfiguration,
    RegisteredClient,
    RegistrationFailure,
    ToolDescription,
    client_registration_document,
    fetch_platform_configuration,
    issuer_matches_configuration_url,
    register_tool,
)

TOOL = ToolDescription(
    client_name="coachbridge",
    initiate_login_uri="https://coach.example.org/lti/login",
    redirect_uris=["https://coach.example.org/lti/launch"],
    jwks_uri="https://coach.example.org/lti/jwks",
    target_link_uri="https://coach.example.org/lti/launch",
    deep_linking_uri="https://coach.example.org/lti/deep-link",
    logo_uri="https://coach.example.org/static/logo.svg",
    custom_parameters={"coachbridge_platform": "$ToolPlatformInstance.guid"},
)


def serve_configuration(mocked, url: str, document: dict) -> None:
    mocked.add(responses.GET, url, json=document)


def fetched(url: str, token: str | None = "reg-token") -> PlatformConfiguration:
    configuration = fetch_platform_configuration(url, token)
    assert isinstance(configuration, PlatformConfiguration), configuration
    return configuration


def test_moodle_under_a_path_registers_and_gives_a_deployment(mocked):
    url = "https://learn.example.edu/moodle/mod/lti/openid-configuration.php"
    serve_configuration(mocked, url, moodle_configuration())
    mocked.add(
        responses.POST,
        "https://learn.example.edu/moodle/mod/lti/openid-registration.php",
        json={
            "client_id": "kT4rd9bq",
            "scope": f"{claims.AGS_SCOPE_SCORE} {claims.AGS_SCOPE_LINEITEM}",
            claims.TOOL_CONFIGURATION: {"deployment_id": "12", "domain": "coach.example.org"},
        },
    )

    platform = fetched(url)
    registered = register_tool(platform, TOOL, "reg-token")

    assert platform.product_family_code == "moodle"
    assert platform.messages_supported == ("LtiResourceLinkRequest", "LtiDeepLinkingRequest")
    assert platform.token_audience == platform.token_endpoint
    assert registered == RegisteredClient(
        issuer="https://learn.example.edu/moodle",
        client_id="kT4rd9bq",
        deployment_id="12",
        granted_scopes=frozenset({claims.AGS_SCOPE_SCORE, claims.AGS_SCOPE_LINEITEM}),
        platform=platform,
    )
    get, post = (call.request for call in mocked.calls)
    assert get.headers["Authorization"] == post.headers["Authorization"] == "Bearer reg-token"
    assert json.loads(post.body) == client_registration_document(TOOL)


def test_canvas_one_issuer_many_client_ids(mocked):
    url = "https://canvas.instructure.com/api/lti/security/openid-configuration?registration_token=t"
    serve_configuration(mocked, url, canvas_configuration())
    registrations = "https://school.instructure.com/api/lti/registrations"
    mocked.add(responses.POST, registrations, json={"client_id": 10000000000017, "scope": ""})
    mocked.add(responses.POST, registrations, json={"client_id": "10000000000018"})

    platform = fetched(url)
    first = register_tool(platform, TOOL, "token-a")
    second = register_tool(platform, TOOL, "token-b")

    assert isinstance(first, RegisteredClient) and isinstance(second, RegisteredClient)
    assert first.issuer == second.issuer == "https://canvas.instructure.com"
    assert (first.client_id, second.client_id) == ("10000000000017", "10000000000018")
    assert first.deployment_id is None
    assert platform.token_audience == "https://sso.canvaslms.com/login/oauth2/token"
    assert (first.granted_scopes, second.granted_scopes) == (frozenset(), None)


def test_brightspace_token_audience_is_its_authorization_server(mocked):
    url = "https://school.brightspace.com/d2l/lti/dynamic-registration/configuration"
    serve_configuration(mocked, url, brightspace_configuration())

    platform = fetched(url, token=None)

    assert platform.token_endpoint == "https://auth.brightspace.com/core/connect/token"
    assert platform.token_audience == "https://api.brightspace.com/auth/token"
    assert "Authorization" not in mocked.calls[0].request.headers


def test_registration_document():
    document = client_registration_document(TOOL)

    assert document["application_type"] == "web"
    assert document["response_types"] == ["id_token"]
    assert document["grant_types"] == ["implicit", "client_credentials"]
    assert document["token_endpoint_auth_method"] == "private_key_jwt"
    assert document["initiate_login_uri"] == TOOL.initiate_login_uri
    assert document["redirect_uris"] == ["https://coach.example.org/lti/launch"]
    assert document["jwks_uri"] == TOOL.jwks_uri
    assert document["logo_uri"] == TOOL.logo_uri
    assert set(document["scope"].split()) == {
        claims.AGS_SCOPE_LINEITEM,
        claims.AGS_SCOPE_LINEITEM_READONLY,
        claims.AGS_SCOPE_RESULT_READONLY,
        claims.AGS_SCOPE_SCORE,
        claims.NRPS_SCOPE_CONTEXTMEMBERSHIP_READONLY,
    }
    lti = document[claims.TOOL_CONFIGURATION]
    assert lti["domain"] == "coach.example.org"
    assert lti["target_link_uri"] == TOOL.target_link_uri
    assert {"iss", "sub", "email"} <= set(lti["claims"])
    assert lti["custom_parameters"] == {"coachbridge_platform": "$ToolPlatformInstance.guid"}
    assert [(message["type"], message["target_link_uri"]) for message in lti["messages"]] == [
        ("LtiResourceLinkRequest", TOOL.target_link_uri),
        ("LtiDeepLinkingRequest", TOOL.deep_linking_uri),
    ]


def test_registration_document_leaves_out_what_is_not_set():
    bare = ToolDescription(
        client_name="coachbridge",
        initiate_login_uri="http://127.0.0.1:5000/lti/login",
        redirect_uris=["http://127.0.0.1:5000/lti/launch"],
        jwks_uri="http://127.0.0.1:5000/lti/jwks",
        target_link_uri="http://127.0.0.1:5000/lti/launch",
        deep_linking_uri="http://127.0.0.1:5000/lti/deep-link",
    )
    document = client_registration_document(bare)
    assert "logo_uri" not in document
    assert "custom_parameters" not in document[claims.TOOL_CONFIGURATION]
    assert document[claims.TOOL_CONFIGURATION]["domain"] == "127.0.0.1:5000"


@pytest.mark.parametrize(
    ("issuer", "url", "matches"),
    [
        ("https://learn.example.edu/moodle", "https://learn.example.edu/moodle/mod/lti/openid-configuration.php", True),
        ("https://learn.example.edu/moodle/", "https://learn.example.edu/moodle/mod/lti/x.php", True),
        ("https://learn.example.edu/moodle", "https://learn.example.edu/moodle2/mod/lti/x.php", False),
        ("https://canvas.instructure.com", "https://canvas.instructure.com/api/lti/security/openid-configuration", True),
        ("https://canvas.instructure.com", "https://school.instructure.com/api/lti/security/openid-configuration", False),
        ("https://LMS.example.edu", "https://lms.example.edu:443/.well-known/openid-configuration", True),
        ("https://lms.example.edu", "http://lms.example.edu/.well-known/openid-configuration", False),
        ("https://lms.example.edu", "https://lms.example.edu:8443/.well-known/openid-configuration", False),
        ("https://lms.example.edu", "https://lms.example.edu.evil.test/.well-known/openid-configuration", False),
        ("http://127.0.0.1:8100", "http://127.0.0.1:8100/openid-configuration", True),
    ],
)
def test_issuer_must_own_the_configuration_url(issuer, url, matches):
    assert issuer_matches_configuration_url(issuer, url) is matches


def failure(result) -> RegistrationFailure:
    assert isinstance(result, RegistrationFailure), result
    return result


def test_wrong_issuer(mocked):
    url = "https://evil.example.com/openid-configuration"
    serve_configuration(mocked, url, canvas_configuration())

    result = failure(fetch_platform_configuration(url, "reg-token"))

    assert result.kind is FailureKind.ISSUER_MISMATCH
    assert "https://canvas.instructure.com" in result.reason


@pytest.mark.parametrize(
    "answer",
    [
        {"body": requests.ConnectionError("connection refused")},
        {"body": requests.ReadTimeout("read timed out")},
        {"status": 404, "body": "Not Found"},
        {"status": 401, "json": {"error": "registration token expired"}},
    ],
)
def test_configuration_unreachable(mocked, answer):
    url = "https://learn.example.edu/moodle/mod/lti/openid-configuration.php"
    mocked.add(responses.GET, url, **answer)

    result = failure(fetch_platform_configuration(url, "reg-token"))

    assert result.kind is FailureKind.CONFIGURATION_UNREACHABLE
    assert url in result.reason


def broken(change) -> dict:
    document = moodle_configuration()
    change(document)
    return document


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"body": "<html>login</html>"}, "not JSON"),
        ({"json": ["issuer"]}, "not a JSON object"),
        ({"json": broken(lambda d: d.pop("token_endpoint"))}, "token_endpoint"),
        ({"json": broken(lambda d: d.update(jwks_uri="certs.php"))}, "jwks_uri"),
        ({"json": broken(lambda d: d.pop(claims.PLATFORM_CONFIGURATION))}, "lti-platform-configuration"),
        ({"json": broken(lambda d: d[claims.PLATFORM_CONFIGURATION].pop("product_family_code"))}, "product_family_code"),
        ({"json": broken(lambda d: d.update(token_endpoint_auth_methods_supported=["client_secret_basic"]))}, "private_key_jwt"),
        ({"json": broken(lambda d: d.update(id_token_signing_alg_values_supported=["HS256"]))}, "RS256"),
    ],
)
def test_configuration_invalid(mocked, answer, reason):
    url = "https://learn.example.edu/moodle/mod/lti/openid-configuration.php"
    mocked.add(responses.GET, url, **answer)

    result = failure(fetch_platform_configuration(url))

    assert result.kind is FailureKind.CONFIGURATION_INVALID
    assert reason in result.reason


def registered_with(mocked, **answer):
    url = "https://learn.example.edu/moodle/mod/lti/openid-configuration.php"
    serve_configuration(mocked, url, moodle_configuration())
    mocked.add(responses.POST, "https://learn.example.edu/moodle/mod/lti/openid-registration.php", **answer)
    return register_tool(fetched(url), TOOL, "reg-token")


def test_platform_refuses_the_registration(mocked):
    result = failure(registered_with(mocked, status=400, json={"error": "invalid_redirect_uri",
                                                               "error_description": "redirect_uris must use https"}))

    assert result.kind is FailureKind.REGISTRATION_REFUSED
    # Its error code, from RFC 7591's vocabulary; never its free text (any server's words).
    assert "400" in result.reason and "invalid_redirect_uri" in result.reason
    assert "must use https" not in result.reason


def test_registration_endpoint_unreachable(mocked):
    result = failure(registered_with(mocked, body=requests.ConnectTimeout("timed out")))

    assert result.kind is FailureKind.REGISTRATION_UNREACHABLE


@pytest.mark.parametrize("answer", [{"json": {"client_name": "coachbridge"}}, {"body": "ok"}, {"json": []}])
def test_accepted_without_a_client_id(mocked, answer):
    result = failure(registered_with(mocked, **answer))

    assert result.kind is FailureKind.REGISTRATION_RESPONSE_INVALID
