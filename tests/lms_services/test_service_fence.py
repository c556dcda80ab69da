"""A launch names its AGS and NRPS URLs, so a platform could aim the tool at any address:
service calls go only to hosts the registration names, never to loopback, private or
link-local addresses without the operator's allowance, and follow no redirect."""
from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from adapter.config import Settings
from adapter.persistence.service_token_store import SqlTokenCache
from adapter.services.lms_services import LmsAccess
from adapter.services.platforms import PlatformSpec, register_platform
from adapter.web import create_app
from lti import claims as c
from lti.nrps import NrpsClient
from lti.service_token import PlatformServiceError, TokenCacheKey, scope_string


class Internal(BaseHTTPRequestHandler):
    """A server inside the network: counts what reaches it, or sends callers elsewhere."""
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        Internal.hits.append(self.path)
        if self.path.startswith("/moved"):
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
            return
        body = b'{"id": "x", "members": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.ims.lti-nrps.v2.membershipcontainer+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def internal():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Internal)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def parts(tmp_path_factory, postgres):
    environ = {"COACHBRIDGE_INSTANCE": str(tmp_path_factory.mktemp("fence"))}
    if postgres:
        environ["DATABASE_URL"] = postgres.new_database()
    return create_app(Settings.from_env(environ)).extensions["coachbridge"]


def platform_at(parts, base: str, client_id: str) -> int:
    """A registration at ``base`` whose NRPS token is already cached, so only the roster call is made."""
    platform_id = register_platform(parts.engine, PlatformSpec(
        issuer=base, client_id=client_id, auth_login_url=f"{base}/auth", key_set_url=f"{base}/jwks",
        auth_token_url=f"{base}/token", deployment_ids=("d1",)))
    key = TokenCacheKey(base, client_id, scope_string([c.NRPS_SCOPE_CONTEXTMEMBERSHIP_READONLY]))
    SqlTokenCache(parts.engine, parts.cipher).put(key, "cached-token", time.time() + 3600)
    return platform_id


def roster_call(parts, platform_id: int, url: str, allow_private: bool):
    access = LmsAccess(parts.engine, parts.tool_keys, parts.cipher, allow_private_addresses=allow_private)
    return NrpsClient(access.token_client(platform_id)).fetch_roster(url)


def test_a_roster_url_off_the_registered_hosts_is_not_fetched(parts, internal):
    platform_id = platform_at(parts, "https://lms.example.org", "elsewhere")
    Internal.hits.clear()
    with pytest.raises(PlatformServiceError) as refused:
        roster_call(parts, platform_id, f"{internal}/anything", allow_private=True)
    assert not refused.value.retryable and "registration" in refused.value.message
    assert Internal.hits == []


def test_a_loopback_platform_needs_the_operators_allowance(parts, internal):
    platform_id = platform_at(parts, internal, "loopback")
    Internal.hits.clear()
    with pytest.raises(PlatformServiceError) as refused:
        roster_call(parts, platform_id, f"{internal}/members", allow_private=False)
    assert not refused.value.retryable and "private" in refused.value.message
    assert Internal.hits == []
    assert roster_call(parts, platform_id, f"{internal}/members", allow_private=True).members == ()
    assert Internal.hits == ["/members"]


def test_a_redirect_from_a_service_is_not_followed(parts, internal):
    platform_id = platform_at(parts, internal, "redirecting")
    Internal.hits.clear()
    with pytest.raises(PlatformServiceError) as refused:
        roster_call(parts, platform_id, f"{internal}/moved", allow_private=True)
    assert "redirect" in refused.value.message
    assert Internal.hits == ["/moved"]


def test_a_key_set_on_a_loopback_address_needs_the_operators_allowance(parts, internal):
    from adapter.persistence.lti_stores import SqlKeySetCache
    from lti.jwks import KeySetUnavailable, PlatformKeys
    from lti.safe_fetch import FencedSession, FetchLimits

    Internal.hits.clear()
    keys = PlatformKeys(SqlKeySetCache(parts.engine), FencedSession(FetchLimits(allow_private_addresses=False)))
    with pytest.raises(KeySetUnavailable):
        keys.find_key(f"{internal}/jwks", "some-kid")
    assert Internal.hits == []
