"""Access to a platform's LTI Advantage services: OAuth2 client credentials with a signed
JWT assertion (``private_key_jwt``, RFC 7523, IMS Security Framework section 4).

Platforms rate-limit their token endpoints (Canvas does, and wants a ``User-Agent``), so
a token is cached per (issuer, client_id, scope set) until shortly before it expires. The
cache sits behind :class:`TokenCache` so the application can keep it in the database and
every web and delivery worker shares one token per scope set.

Every failure surfaces as :class:`PlatformServiceError`, which says whether trying again
later can help: the outbox uses that to choose between a retry and the dead-letter state.
"""
from __future__ import annotations

import json
import threading
import time
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Callable, Iterable, Iterator, Protocol
from urllib.parse import urljoin

import requests

from lti.keys import SigningKey
from lti.safe_fetch import FetchRefused

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME_SECONDS = 300
# A token this close to its expiry is not handed out: a request made with it could reach
# the platform after it expired.
REFRESH_MARGIN_SECONDS = 60
# The IMS Security Framework recommends one-hour tokens; used when a platform omits expires_in.
DEFAULT_TOKEN_LIFETIME_SECONDS = 3600
DEFAULT_TIMEOUT_SECONDS = 15.0
_MESSAGE_LIMIT = 500


def _user_agent() -> str:
    try:
        return f"coachbridge/{metadata.version('coachbridge')}"
    except metadata.PackageNotFoundError:
        return "coachbridge"


USER_AGENT = _user_agent()


def is_retryable_status(status: int) -> bool:
    """Rate limiting and server faults pass; any other refusal will be repeated as is."""
    return status == 429 or status >= 500


def platform_message(response: requests.Response) -> str:
    """The platform's own words about a failed call, short enough to store and show."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:_MESSAGE_LIMIT] or response.reason or ""
    if isinstance(body, dict):
        for field in ("error_description", "message", "error", "errors"):
            if body.get(field):
                value = body[field]
                text = value if isinstance(value, str) else json.dumps(value)
                return text[:_MESSAGE_LIMIT]
    return json.dumps(body)[:_MESSAGE_LIMIT]


class PlatformServiceError(Exception):
    """A service call that failed; ``status`` is None when no HTTP answer came back."""

    def __init__(self, message: str, *, status: int | None, retryable: bool, url: str):
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.url = url
        self.message = message

    @classmethod
    def from_response(cls, response: requests.Response) -> "PlatformServiceError":
        method = response.request.method if response.request is not None else "request"
        return cls(
            f"{method} {response.url} answered {response.status_code}: {platform_message(response)}",
            status=response.status_code,
            retryable=is_retryable_status(response.status_code),
            url=response.url,
        )


@dataclass(frozen=True)
class TokenCacheKey:
    """What a token is good for; ``scope`` is the sorted, space-separated scope string."""

    issuer: str
    client_id: str
    scope: str


@dataclass(frozen=True)
class CachedToken:
    access_token: str
    expires_at: float  # seconds since the epoch, as the platform granted it


class TokenCache(Protocol):
    """Where service tokens live between calls; shared by processes when it is a database.

    ``fetching(key)`` is held while one caller asks the platform for a token for ``key``;
    the others wait on it and then find that token with ``get``. Over a database it is a
    lock every process sees (a PostgreSQL advisory lock, SQLite's ``BEGIN IMMEDIATE``),
    so workers starting together still make one token request per scope set.
    """

    def get(self, key: TokenCacheKey) -> CachedToken | None: ...

    def put(self, key: TokenCacheKey, token: str, expires_at: float) -> None: ...

    def fetching(self, key: TokenCacheKey) -> AbstractContextManager[object]: ...


class InMemoryTokenCache:
    """A :class:`TokenCache` for one process: the demo, the CLI and tests."""

    def __init__(self) -> None:
        self._tokens: dict[TokenCacheKey, CachedToken] = {}
        self._fetch_locks: dict[TokenCacheKey, threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, key: TokenCacheKey) -> CachedToken | None:
        with self._lock:
            return self._tokens.get(key)

    def put(self, key: TokenCacheKey, token: str, expires_at: float) -> None:
        with self._lock:
            self._tokens[key] = CachedToken(token, expires_at)

    def fetching(self, key: TokenCacheKey) -> threading.Lock:
        with self._lock:
            return self._fetch_locks.setdefault(key, threading.Lock())


def scope_string(scopes: Iterable[str]) -> str:
    """The scope parameter; sorted so that one scope set is always one cache key."""
    return " ".join(sorted(set(scopes)))


class ServiceTokenClient:
    """Gets service tokens for one registration and makes authorized calls with them.

    ``audience`` is the ``aud`` of the client assertion: the platform's token endpoint
    unless it names another authorization server (Brightspace does; see
    ``PlatformConfiguration.token_audience``).
    """

    def __init__(
        self,
        signing_key: SigningKey,
        *,
        issuer: str,
        client_id: str,
        token_url: str,
        cache: TokenCache,
        audience: str | None = None,
        session: requests.Session | None = None,
        user_agent: str = USER_AGENT,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.signing_key = signing_key
        self.issuer = issuer
        self.client_id = client_id
        self.token_url = token_url
        self.audience = audience or token_url
        self.cache = cache
        self.session = session or requests.Session()
        self.user_agent = user_agent
        self.timeout = timeout
        self.clock = clock

    def client_assertion(self) -> str:
        now = int(self.clock())
        return self.signing_key.sign(
            {
                "iss": self.client_id,
                "sub": self.client_id,
                "aud": self.audience,
                "iat": now,
                "exp": now + ASSERTION_LIFETIME_SECONDS,
                "jti": str(uuid.uuid4()),
            }
        )

    def cache_key(self, scopes: Iterable[str]) -> TokenCacheKey:
        return TokenCacheKey(self.issuer, self.client_id, scope_string(scopes))

    def access_token(self, scopes: Iterable[str]) -> str:
        """A token for these scopes: the cached one while it is fresh, else a new one."""
        return self._token(self.cache_key(scopes))

    def _token(self, key: TokenCacheKey) -> str:
        cached = self._fresh(key)
        if cached is not None:
            return cached
        with self.cache.fetching(key):  # the others wait for this fetch, not one each
            return self._fresh(key) or self._fetch_token(key)

    def request(
        self,
        method: str,
        url: str,
        scopes: Iterable[str],
        *,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """An authorized call; a 401 gets one new token and one retry, any failure raises."""
        key = self.cache_key(scopes)
        token = self._token(key)
        response = self._send(method, url, _bearer(token, headers), **kwargs)
        if response.status_code == 401:
            token = self._replace_rejected(key, token)
            response = self._send(method, url, _bearer(token, headers), **kwargs)
        if not response.ok:
            raise PlatformServiceError.from_response(response)
        return response

    def get_pages(self, url: str, scopes: Iterable[str], accept: str) -> Iterator[requests.Response]:
        """Each page of a collection, following ``Link: <...>; rel="next"`` to the end."""
        scopes = frozenset(scopes)
        visited: set[str] = set()
        next_url: str | None = url
        while next_url and next_url not in visited:
            visited.add(next_url)
            response = self.request("GET", next_url, scopes, headers={"Accept": accept})
            yield response
            link = response.links.get("next", {}).get("url")
            next_url = urljoin(response.url, link) if link else None

    def _fresh(self, key: TokenCacheKey) -> str | None:
        cached = self.cache.get(key)
        if cached is not None and self.clock() < cached.expires_at - REFRESH_MARGIN_SECONDS:
            return cached.access_token
        return None

    def _replace_rejected(self, key: TokenCacheKey, rejected: str) -> str:
        """Another process may already have replaced the rejected token: use its one."""
        with self.cache.fetching(key):
            cached = self._fresh(key)
            if cached is not None and cached != rejected:
                return cached
            return self._fetch_token(key)

    def _fetch_token(self, key: TokenCacheKey) -> str:
        response = self._send(
            "POST",
            self.token_url,
            {"Accept": "application/json"},
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": CLIENT_ASSERTION_TYPE,
                "client_assertion": self.client_assertion(),
                "scope": key.scope,
            },
        )
        if not response.ok:
            raise PlatformServiceError.from_response(response)
        try:
            body = response.json()
            token = body["access_token"]
            lifetime = int(body.get("expires_in", DEFAULT_TOKEN_LIFETIME_SECONDS))
        except (ValueError, KeyError, TypeError) as error:
            raise PlatformServiceError(
                f"token endpoint {self.token_url} sent no usable access_token ({error!r})",
                status=response.status_code,
                retryable=False,
                url=self.token_url,
            ) from error
        expires_at = self.clock() + lifetime
        self.cache.put(key, token, expires_at)
        return token

    def _send(self, method: str, url: str, headers: dict[str, str], **kwargs: Any) -> requests.Response:
        try:
            return self.session.request(
                method,
                url,
                headers={"User-Agent": self.user_agent, **headers},
                timeout=self.timeout,
                **kwargs,
            )
        except FetchRefused as refused:  # the same URL will be refused again: no retry
            raise PlatformServiceError(f"{method} {url} was not sent: {refused.reason}", status=None,
                                       retryable=False, url=url) from refused
        except (requests.Timeout, requests.ConnectionError) as error:
            raise PlatformServiceError(
                f"{method} {url} got no answer: {error}", status=None, retryable=True, url=url
            ) from error


def _bearer(token: str, headers: dict[str, str] | None) -> dict[str, str]:
    return {**(headers or {}), "Authorization": f"Bearer {token}"}
