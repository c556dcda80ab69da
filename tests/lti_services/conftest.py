"""A platform's token endpoint, faked with ``responses``, that checks what the tool sends
the way a strict platform would: form fields, the assertion's signature and claims."""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import jwt
import pytest
import responses

from lti.keys import SigningKey
from lti.service_token import InMemoryTokenCache, ServiceTokenClient

ISSUER = "https://lms.example.edu"
CLIENT_ID = "client-17"
TOKEN_URL = "https://lms.example.edu/oauth2/token"


@dataclass
class FakeTokenEndpoint:
    tool_key: SigningKey
    audience: str = TOKEN_URL
    # Seconds of clock skew tolerated, for tests that move the tool's clock forward.
    leeway: float = 0
    # Seconds each token request takes, to let concurrent callers race for a token.
    delay: float = 0
    assertions: list[dict[str, Any]] = field(default_factory=list)
    scopes: list[str] = field(default_factory=list)
    user_agents: list[str] = field(default_factory=list)
    _serial: itertools.count = field(default_factory=itertools.count)

    def __call__(self, request: Any) -> tuple[int, dict[str, str], str]:
        form = {name: values[0] for name, values in parse_qs(request.body).items()}
        assert form["grant_type"] == "client_credentials"
        assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        public_key = jwt.PyJWK(self.tool_key.public_jwk()).key
        assertion = jwt.decode(
            form["client_assertion"],
            public_key,
            algorithms=["RS256"],
            audience=self.audience,
            leeway=self.leeway,
        )
        self.assertions.append(assertion)
        self.scopes.append(form["scope"])
        self.user_agents.append(request.headers.get("User-Agent", ""))
        time.sleep(self.delay)
        token = f"token-{next(self._serial)}"
        return 200, {}, f'{{"access_token": "{token}", "token_type": "bearer", "expires_in": 3600}}'

    @property
    def requests_made(self) -> int:
        return len(self.assertions)


@pytest.fixture(scope="session")
def tool_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def mocked():
    with responses.RequestsMock() as mock:
        yield mock


@pytest.fixture
def token_endpoint(mocked: responses.RequestsMock, tool_key: SigningKey) -> FakeTokenEndpoint:
    endpoint = FakeTokenEndpoint(tool_key)
    mocked.add_callback(responses.POST, TOKEN_URL, callback=endpoint)
    return endpoint


@pytest.fixture
def make_client(tool_key: SigningKey):
    """A token client for the fake platform; keyword arguments override the defaults."""

    def make(**overrides: Any) -> ServiceTokenClient:
        arguments = {
            "issuer": ISSUER,
            "client_id": CLIENT_ID,
            "token_url": TOKEN_URL,
            "cache": InMemoryTokenCache(),
            **overrides,
        }
        return ServiceTokenClient(tool_key, **arguments)

    return make


@pytest.fixture
def token_client(token_endpoint: FakeTokenEndpoint, make_client) -> ServiceTokenClient:
    return make_client()
