"""Talk to one LRS over one keep-alive ``requests.Session``.

Every request carries ``X-Experience-API-Version`` and connect + read timeouts (a silent
LRS must not block a worker forever). Outcomes are values (:mod:`xapi.outcomes`), and a
2xx means every statement of the batch is stored: the ids are ours, so the ids the LRS
lists back are never matched to inputs by position.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence, Union

import requests

from xapi.oauth2 import OAuth2ClientCredentials, TokenError, TokenSource
from xapi.outcomes import Conflict, PostOutcome, Rejected, Retryable, Stored, TooLarge, parse_retry_after
from xapi.versions import XAPI_1_0_3, check_version

StatementPayload = Union[dict, str, bytes]
"""A statement as a dict, or already serialized to JSON (str or UTF-8 bytes)."""

MESSAGE_LIMIT = 1000  # characters of an LRS error body kept as the reason


@dataclass(frozen=True)
class BasicAuth:
    username: str
    password: str


@dataclass(frozen=True)
class LrsConfig:
    """One LRS endpoint (the application keeps several, per platform).

    ``endpoint`` is the xAPI base URL, the one ``statements`` and ``about`` hang off
    (e.g. ``https://lrs.example.org/xAPI/``). ``batch_size`` is how many statements a
    POST carries at most.
    """

    name: str
    endpoint: str
    auth: BasicAuth | OAuth2ClientCredentials | None = None
    xapi_version: str = XAPI_1_0_3
    connect_timeout: float = 3.05
    read_timeout: float = 30.0
    batch_size: int = 100

    def __post_init__(self) -> None:
        check_version(self.xapi_version)
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")

    def url(self, resource: str) -> str:
        return f"{self.endpoint.rstrip('/')}/{resource}"


@dataclass(frozen=True)
class ConnectionCheck:
    """Result of :meth:`LrsClient.check_connection` (``GET about``, no statement sent)."""

    ok: bool
    message: str
    status: int | None = None
    versions: tuple[str, ...] = ()


def serialize_batch(statements: Sequence[StatementPayload]) -> bytes:
    """The JSON array body for a batch; pre-serialized statements are spliced in as is."""
    parts = []
    for statement in statements:
        if isinstance(statement, bytes):
            parts.append(statement)
        elif isinstance(statement, str):
            parts.append(statement.encode("utf-8"))
        else:
            parts.append(json.dumps(statement, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    return b"[" + b",".join(parts) + b"]"


class LrsClient:
    """POSTs statement batches to one LRS and classifies what it answers."""

    def __init__(
        self,
        config: LrsConfig,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.session = session or requests.Session()
        self._timeout = (config.connect_timeout, config.read_timeout)
        self._tokens = (
            TokenSource(config.auth, self.session, self._timeout, clock)
            if isinstance(config.auth, OAuth2ClientCredentials)
            else None
        )

    def close(self) -> None:
        self.session.close()

    def post_statements(self, statements: Sequence[StatementPayload]) -> PostOutcome:
        return self.post_body(serialize_batch(statements))

    def post_body(self, body: bytes) -> PostOutcome:
        """POST an already serialized JSON array of statements."""
        try:
            headers = self._headers()
        except TokenError as exc:
            return Retryable(reason=f"oauth2: {exc}")
        headers["Content-Type"] = "application/json"
        try:
            response = self.session.post(
                self.config.url("statements"), data=body, headers=headers, auth=self._basic_auth(), timeout=self._timeout
            )
        except requests.RequestException as exc:
            return Retryable(reason=f"{type(exc).__name__}: {exc}")
        return self._classify(response)

    def check_connection(self) -> ConnectionCheck:
        """``GET about``: is the LRS there, and does it speak our version? Sends no statement."""
        try:
            response = self.session.get(
                self.config.url("about"), headers=self._headers(), auth=self._basic_auth(), timeout=self._timeout
            )
        except (requests.RequestException, TokenError) as exc:
            return ConnectionCheck(ok=False, message=f"{type(exc).__name__}: {exc}")
        if response.status_code != 200:
            return ConnectionCheck(
                ok=False, status=response.status_code, message=f"about answered {response.status_code}: {_message(response)}"
            )
        try:
            versions = tuple(str(v) for v in response.json().get("version", []))
        except (ValueError, AttributeError):
            return ConnectionCheck(ok=False, status=200, message="about did not answer a JSON object")
        wanted = self.config.xapi_version.rsplit(".", 1)[0]
        speaks = any(v == self.config.xapi_version or v.startswith(wanted + ".") for v in versions)
        message = "ok" if speaks else f"LRS speaks {', '.join(versions) or 'no version'}, not {self.config.xapi_version}"
        return ConnectionCheck(ok=speaks, status=200, versions=versions, message=message)

    def _headers(self) -> dict[str, str]:
        headers = {"X-Experience-API-Version": self.config.xapi_version}
        if self._tokens is not None:
            headers["Authorization"] = f"Bearer {self._tokens.token()}"
        return headers

    def _basic_auth(self) -> tuple[str, str] | None:
        auth = self.config.auth
        return (auth.username, auth.password) if isinstance(auth, BasicAuth) else None

    def _classify(self, response: requests.Response) -> PostOutcome:
        status = response.status_code
        if 200 <= status < 300:
            return Stored(status=status, returned_ids=_returned_ids(response))
        message = _message(response)
        if status == 409:
            return Conflict(message=message)
        if status in (400, 422):
            return Rejected(status=status, message=message)
        if status == 413:
            return TooLarge(message=message)
        if status == 401 and self._tokens is not None:
            self._tokens.invalidate()
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return Retryable(reason=f"LRS answered {status}: {message}", status=status, retry_after=retry_after)


def _message(response: requests.Response) -> str:
    return response.text.strip()[:MESSAGE_LIMIT] or response.reason or ""


def _returned_ids(response: requests.Response) -> tuple[str, ...]:
    if not response.content:
        return ()
    try:
        body: Any = response.json()
    except ValueError:
        return ()
    return tuple(str(i) for i in body) if isinstance(body, list) else ()
