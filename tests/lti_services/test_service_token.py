from __future__ import annotations

import threading
import time

import pytest
import requests
import responses

from lti import claims
from lti.service_token import InMemoryTokenCache, PlatformServiceError, TokenCacheKey

ISSUER = "https://lms.example.edu"
CLIENT_ID = "client-17"
TOKEN_URL = "https://lms.example.edu/oauth2/token"

SCORES = "https://lms.example.edu/api/lineitems/1/scores"
SCORE_SCOPE = {claims.AGS_SCOPE_SCORE}


def test_assertion_is_signed_by_the_tool_with_the_security_framework_claims(token_client, token_endpoint):
    before = int(time.time())
    token_client.access_token(SCORE_SCOPE)

    (assertion,) = token_endpoint.assertions
    assert assertion["iss"] == assertion["sub"] == CLIENT_ID
    assert assertion["aud"] == TOKEN_URL
    assert before <= assertion["iat"] <= assertion["exp"] <= assertion["iat"] + 300
    assert assertion["jti"]
    assert token_endpoint.scopes == [claims.AGS_SCOPE_SCORE]
    assert token_endpoint.user_agents[0].startswith("coachbridge/")


def test_each_assertion_has_a_new_jti(token_client, token_endpoint):
    token_client.access_token({claims.AGS_SCOPE_SCORE})
    token_client.access_token({claims.AGS_SCOPE_LINEITEM})

    first, second = token_endpoint.assertions
    assert first["jti"] != second["jti"]


def test_assertion_audience_is_the_authorization_server_when_the_platform_names_one(
    make_client, token_endpoint
):
    token_endpoint.audience = "https://api.brightspace.com/auth/token"
    client = make_client(audience="https://api.brightspace.com/auth/token")
    client.access_token(SCORE_SCOPE)

    assert token_endpoint.assertions[0]["aud"] == "https://api.brightspace.com/auth/token"


def test_a_thousand_calls_share_one_token(mocked, token_client, token_endpoint):
    mocked.add(responses.POST, SCORES, status=204)

    for _ in range(1000):
        token_client.request("POST", SCORES, SCORE_SCOPE, json={})

    assert token_endpoint.requests_made == 1
    assert all(
        call.request.headers["Authorization"] == "Bearer token-0"
        for call in mocked.calls
        if call.request.url == SCORES
    )


def test_workers_sharing_a_cache_make_one_token_request_between_them(mocked, make_client, token_endpoint):
    """Eight workers (own clients, one shared cache) start together: one token request."""
    mocked.add(responses.POST, SCORES, status=204)
    token_endpoint.delay = 0.05
    shared = InMemoryTokenCache()
    start = threading.Barrier(8)

    def worker() -> None:
        client = make_client(cache=shared)
        start.wait()
        for _ in range(125):
            client.request("POST", SCORES, SCORE_SCOPE, json={})

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len([call for call in mocked.calls if call.request.url == SCORES]) == 1000
    assert token_endpoint.requests_made == 1


def test_scope_sets_key_the_cache_in_any_order(token_client, token_endpoint):
    both = [claims.AGS_SCOPE_SCORE, claims.AGS_SCOPE_LINEITEM]
    first = token_client.access_token(both)
    again = token_client.access_token(reversed(both))
    other = token_client.access_token([claims.AGS_SCOPE_SCORE])

    assert first == again != other
    assert token_endpoint.scopes == [" ".join(sorted(both)), claims.AGS_SCOPE_SCORE]


def test_the_cache_is_shared_through_the_protocol(make_client, token_endpoint):
    shared = InMemoryTokenCache()
    one, two = make_client(cache=shared), make_client(cache=shared)
    assert one.access_token(SCORE_SCOPE) == two.access_token(SCORE_SCOPE)
    assert token_endpoint.requests_made == 1
    cached = shared.get(TokenCacheKey(ISSUER, CLIENT_ID, claims.AGS_SCOPE_SCORE))
    assert cached is not None and cached.access_token == "token-0"


def test_a_token_is_replaced_shortly_before_it_expires(make_client, token_endpoint):
    token_endpoint.leeway = 7200
    now = [time.time()]
    client = make_client(clock=lambda: now[0])
    first = client.access_token(SCORE_SCOPE)
    now[0] += 3600 - 61
    assert client.access_token(SCORE_SCOPE) == first
    now[0] += 2
    assert client.access_token(SCORE_SCOPE) != first
    assert token_endpoint.requests_made == 2


def test_a_401_refreshes_the_token_once_and_retries_once(mocked, token_client, token_endpoint):
    mocked.add(responses.POST, SCORES, status=401, json={"error": "token expired"})
    mocked.add(responses.POST, SCORES, status=200)

    token_client.request("POST", SCORES, SCORE_SCOPE, json={})

    posts = [call.request for call in mocked.calls if call.request.url == SCORES]
    assert [post.headers["Authorization"] for post in posts] == ["Bearer token-0", "Bearer token-1"]
    assert token_endpoint.requests_made == 2
    assert token_client.access_token(SCORE_SCOPE) == "token-1"


def test_a_second_401_is_a_permanent_error(mocked, token_client, token_endpoint):
    mocked.add(responses.POST, SCORES, status=401, json={"error": "nope"})
    mocked.add(responses.POST, SCORES, status=401, json={"error": "still nope"})

    with pytest.raises(PlatformServiceError) as raised:
        token_client.request("POST", SCORES, SCORE_SCOPE, json={})

    assert raised.value.status == 401
    assert not raised.value.retryable
    assert "still nope" in raised.value.message
    assert token_endpoint.requests_made == 2


@pytest.mark.parametrize(
    ("status", "retryable"), [(429, True), (500, True), (503, True), (400, False), (403, False), (404, False)]
)
def test_errors_carry_status_message_and_whether_to_retry(mocked, token_client, token_endpoint, status, retryable):
    mocked.add(responses.POST, SCORES, status=status, json={"errors": [{"message": "score rejected"}]})

    with pytest.raises(PlatformServiceError) as raised:
        token_client.request("POST", SCORES, SCORE_SCOPE, json={})

    assert raised.value.status == status
    assert raised.value.retryable is retryable
    assert "score rejected" in raised.value.message


@pytest.mark.parametrize("failure", [requests.ConnectTimeout("slow"), requests.ConnectionError("refused")])
def test_no_answer_is_retryable(mocked, token_client, token_endpoint, failure):
    mocked.add(responses.POST, SCORES, body=failure)

    with pytest.raises(PlatformServiceError) as raised:
        token_client.request("POST", SCORES, SCORE_SCOPE, json={})

    assert raised.value.status is None
    assert raised.value.retryable


def test_every_request_has_a_timeout_and_a_user_agent(mocked, token_client, token_endpoint, monkeypatch):
    mocked.add(responses.POST, SCORES, status=204)
    seen = []
    send = requests.Session.request

    def recording(self, method, url, **kwargs):
        seen.append((url, kwargs.get("timeout"), kwargs["headers"].get("User-Agent")))
        return send(self, method, url, **kwargs)

    monkeypatch.setattr(requests.Session, "request", recording)
    token_client.request("POST", SCORES, SCORE_SCOPE, json={})

    assert [url for url, _, _ in seen] == [TOKEN_URL, SCORES]
    assert all(timeout and agent.startswith("coachbridge/") for _, timeout, agent in seen)


def test_a_refused_client_is_a_permanent_token_error(mocked, make_client):
    mocked.add(
        responses.POST,
        TOKEN_URL,
        status=400,
        json={"error": "invalid_client", "error_description": "unknown kid"},
    )
    client = make_client()

    with pytest.raises(PlatformServiceError) as raised:
        client.access_token(SCORE_SCOPE)

    assert (raised.value.status, raised.value.retryable) == (400, False)
    assert "unknown kid" in raised.value.message


def test_a_token_answer_without_access_token_is_an_error(mocked, make_client):
    mocked.add(responses.POST, TOKEN_URL, status=200, json={"token_type": "bearer"})
    client = make_client()

    with pytest.raises(PlatformServiceError, match="no usable access_token"):
        client.access_token(SCORE_SCOPE)


def test_pages_follow_next_links_and_stop_on_a_loop(mocked, token_client, token_endpoint):
    first, second = "https://lms.example.edu/items?page=1", "https://lms.example.edu/items?page=2"
    mocked.add(responses.GET, first, json=[1], headers={"Link": f'<{second}>; rel="next"'})
    mocked.add(responses.GET, second, json=[2], headers={"Link": f'<{first}>; rel="next"'})

    pages = [page.json() for page in token_client.get_pages(first, SCORE_SCOPE, "application/json")]

    assert pages == [[1], [2]]
