"""The LRS client against mocked answers (``responses``): every outcome class, headers,
basic auth and OAuth2 token caching; plus a real refused connection."""

from __future__ import annotations

import base64
import json
import socket
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests
import responses

from xapi.lrs_client import BasicAuth, LrsClient, LrsConfig, serialize_batch
from xapi.oauth2 import OAuth2ClientCredentials
from xapi.outcomes import Conflict, Rejected, Retryable, Stored, TooLarge, parse_retry_after

ENDPOINT = "https://lrs.acme.org/xapi/"
STATEMENTS = ENDPOINT + "statements"
TOKEN_URL = "https://auth.acme.org/token"
BATCH = [{"id": "a"}, '{"id":"b"}', b'{"id":"c"}']


def client(**config) -> LrsClient:
    return LrsClient(LrsConfig(name="lrs", endpoint=ENDPOINT, auth=BasicAuth("u", "p"), **config))


@responses.activate
def test_stored_sends_version_header_basic_auth_and_one_json_array():
    responses.post(STATEMENTS, json=["c", "a"])
    outcome = client(xapi_version="2.0.0").post_statements(BATCH)
    assert outcome == Stored(status=200, returned_ids=("c", "a"))
    request = responses.calls[0].request
    assert request.headers["X-Experience-API-Version"] == "2.0.0"
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"u:p").decode()
    assert json.loads(request.body) == [{"id": "a"}, {"id": "b"}, {"id": "c"}]


def test_serialize_batch_splices_preserialized_statements():
    assert serialize_batch(BATCH) == b'[{"id":"a"},{"id":"b"},{"id":"c"}]'


@responses.activate
def test_all_known_is_stored_too():
    responses.post(STATEMENTS, status=204)
    assert client().post_statements(BATCH) == Stored(status=204)


@pytest.mark.parametrize(
    "status, expected",
    [
        (409, Conflict(message='{"detail": "differing statement a"}')),
        (400, Rejected(status=400, message='{"detail": "differing statement a"}')),
        (422, Rejected(status=422, message='{"detail": "differing statement a"}')),
        (413, TooLarge(message='{"detail": "differing statement a"}')),
    ],
)
@responses.activate
def test_refusals_keep_the_lrs_message(status, expected):
    responses.post(STATEMENTS, status=status, body='{"detail": "differing statement a"}')
    assert client().post_statements(BATCH) == expected


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 401, 403, 404])
@responses.activate
def test_server_side_trouble_is_retryable(status):
    responses.post(STATEMENTS, status=status, body="busy")
    outcome = client().post_statements(BATCH)
    assert isinstance(outcome, Retryable) and outcome.status == status and outcome.retry_after is None


@responses.activate
def test_retry_after_in_seconds_and_as_http_date():
    responses.post(STATEMENTS, status=429, headers={"Retry-After": "7"})
    later = datetime.now(timezone.utc) + timedelta(seconds=120)
    responses.post(STATEMENTS, status=503, headers={"Retry-After": format_datetime(later, usegmt=True)})
    assert client().post_statements(BATCH).retry_after == 7.0
    assert 100 < client().post_statements(BATCH).retry_after <= 120


def test_parse_retry_after():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert parse_retry_after("0", now) == 0.0
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now) == 30.0
    assert parse_retry_after("Wed, 31 Dec 2025 00:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None


@pytest.mark.parametrize(
    "error", [requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError]
)
@responses.activate
def test_timeouts_and_connection_errors_are_retryable(error):
    responses.post(STATEMENTS, body=error("boom"))
    outcome = client().post_statements(BATCH)
    assert isinstance(outcome, Retryable) and error.__name__ in outcome.reason


def test_a_real_refused_connection_is_retryable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    lrs = LrsClient(LrsConfig(name="down", endpoint=f"http://127.0.0.1:{port}/xapi/", connect_timeout=1))
    outcome = lrs.post_statements(BATCH)
    assert isinstance(outcome, Retryable) and "ConnectionError" in outcome.reason
    assert not lrs.check_connection().ok


def test_timeouts_are_passed_on_every_request():
    seen = []

    class Recorder(requests.Session):
        def request(self, method, url, **kwargs):
            seen.append(kwargs["timeout"])
            raise requests.exceptions.ConnectTimeout()

    lrs = LrsClient(LrsConfig(name="x", endpoint=ENDPOINT, connect_timeout=2, read_timeout=9), session=Recorder())
    lrs.post_statements(BATCH)
    lrs.check_connection()
    assert seen == [(2, 9), (2, 9)]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def oauth_client(clock) -> LrsClient:
    credentials = OAuth2ClientCredentials(TOKEN_URL, "client", "secret", scope="xapi:write")
    return LrsClient(LrsConfig(name="lrs", endpoint=ENDPOINT, auth=credentials), clock=clock)


@responses.activate
def test_oauth2_token_is_fetched_once_and_refreshed_before_expiry():
    tokens = iter(["t1", "t2"])
    responses.add_callback(
        responses.POST, TOKEN_URL, callback=lambda r: (200, {}, json.dumps({"access_token": next(tokens), "expires_in": 600}))
    )
    responses.post(STATEMENTS, json=[])
    clock = FakeClock()
    lrs = oauth_client(clock)
    for _ in range(3):
        assert isinstance(lrs.post_statements(BATCH), Stored)
    clock.now += 569  # 600 s token, refreshed 30 s early
    lrs.post_statements(BATCH)
    clock.now += 2
    lrs.post_statements(BATCH)
    token_calls = [c for c in responses.calls if c.request.url == TOKEN_URL]
    assert len(token_calls) == 2
    assert "grant_type=client_credentials" in token_calls[0].request.body
    assert "scope=xapi%3Awrite" in token_calls[0].request.body
    assert token_calls[0].request.headers["Authorization"] == "Basic " + base64.b64encode(b"client:secret").decode()
    bearers = [c.request.headers["Authorization"] for c in responses.calls if c.request.url == STATEMENTS]
    assert bearers == ["Bearer t1"] * 4 + ["Bearer t2"]


@responses.activate
def test_oauth2_401_forgets_the_token_and_a_failing_token_endpoint_is_retryable():
    responses.post(TOKEN_URL, json={"access_token": "t1", "expires_in": 600})
    responses.post(TOKEN_URL, status=503)
    responses.post(STATEMENTS, status=401)
    lrs = oauth_client(FakeClock())
    assert lrs.post_statements(BATCH).status == 401
    outcome = lrs.post_statements(BATCH)
    assert isinstance(outcome, Retryable) and outcome.reason.startswith("oauth2: token endpoint answered 503")


@responses.activate
def test_check_connection_reads_about_and_sends_no_statement():
    responses.get(ENDPOINT + "about", json={"version": ["1.0.3"]})
    check = client().check_connection()
    assert check.ok and check.versions == ("1.0.3",)
    assert not client(xapi_version="2.0.0").check_connection().ok
    assert all(call.request.method == "GET" for call in responses.calls)
    responses.replace(responses.GET, ENDPOINT + "about", status=404)
    assert client().check_connection().status == 404
