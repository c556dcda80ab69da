"""OAuth2 client-credentials tokens for an LRS, fetched once and reused until shortly
before they expire, so a busy worker does not ask the token endpoint for every batch."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

import requests

from xapi.outcomes import TRANSPORT_ERRORS, failure


@dataclass(frozen=True)
class OAuth2ClientCredentials:
    token_url: str
    client_id: str
    client_secret: str
    scope: str | None = None


class TokenError(Exception):
    """No token could be had; the message says why (the caller retries later)."""


DEFAULT_LIFETIME = 300.0  # seconds, when the token endpoint sends no expires_in
REFRESH_MARGIN = 30.0  # seconds before expiry a token is no longer handed out


class TokenSource:
    """A cached access token for one set of client credentials (thread-safe)."""

    def __init__(
        self,
        credentials: OAuth2ClientCredentials,
        session: requests.Session,
        timeout: tuple[float, float],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._credentials = credentials
        self._session = session
        self._timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._usable_until = 0.0

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._usable_until:
                self._token, lifetime = self._fetch()
                margin = min(REFRESH_MARGIN, lifetime / 10)
                self._usable_until = self._clock() + lifetime - margin
            return self._token

    def invalidate(self) -> None:
        """Forget the token (the LRS answered 401 with it)."""
        with self._lock:
            self._token = None

    def _fetch(self) -> tuple[str, float]:
        creds = self._credentials
        form = {"grant_type": "client_credentials"}
        if creds.scope:
            form["scope"] = creds.scope
        try:
            response = self._session.post(
                creds.token_url, data=form, auth=(creds.client_id, creds.client_secret), timeout=self._timeout
            )
        except TRANSPORT_ERRORS as exc:
            raise TokenError(f"token endpoint unreachable: {failure(exc)}") from exc
        if response.status_code != 200:
            raise TokenError(f"token endpoint answered {response.status_code}: {response.text[:300]}")
        try:
            body = response.json()
            token = body["access_token"]
            lifetime = float(body.get("expires_in", DEFAULT_LIFETIME))
        except (ValueError, KeyError, TypeError) as exc:
            raise TokenError(f"token endpoint sent no usable access_token: {exc}") from exc
        if not isinstance(token, str) or not token:
            raise TokenError("token endpoint sent an empty access_token")
        return token, lifetime
