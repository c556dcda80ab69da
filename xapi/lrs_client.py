"""Talk to one LRS: statement batches over one keep-alive urllib3 connection, the rest
(``about``, OAuth2 tokens) over a ``requests.Session``.

Every request carries ``X-Experience-API-Version`` and connect + read timeouts (a silent
LRS must not block a worker forever). Outcomes are values (:mod:`xapi.outcomes`), and a
2xx means every statement of the batch is stored: the ids are ours, so the ids the LRS
lists back are never matched to inputs by position.

Why urllib3 for the batches: they are the delivery loop's hot path, and
``requests.Session.post`` spends ~0.9 ms of CPU on each (merging settings and scanning the
environment for proxies every time) against ~0.4 ms for the urllib3 pool underneath it.
The pool is set up once with what requests would use for that URL: the proxy and CA
bundle from the environment (``HTTPS_PROXY``, ``NO_PROXY``, ``REQUESTS_CA_BUNDLE``) and
certifi's CAs otherwise.

Where the client may connect is the application's to say: ``pool_classes`` (urllib3 pool
classes by scheme) serve every direct connection, statements, ``about`` and tokens alike;
the application passes ones that refuse a private address when connecting (the address
an LRS's name resolves to may change after it was saved). A connection so refused is a
retryable failure in the words of the error's ``reason``. A client so fenced sends nothing
through a proxy from the environment (:class:`ProxyRefused`): the proxy would resolve the
name and connect itself, where the pool classes cannot check the address (a check of the
name beforehand is no check: its answers may differ by the time the proxy asks).
"""

from __future__ import annotations

import base64
import json
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Mapping, NoReturn, Sequence, Union

import certifi
import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3.connectionpool import HTTPConnectionPool

from xapi.oauth2 import OAuth2ClientCredentials, TokenError, TokenSource
from xapi.outcomes import (TRANSPORT_ERRORS, Conflict, PostOutcome, Rejected, Retryable, Stored, TooLarge, failure,
                           parse_retry_after, refusal)
from xapi.versions import XAPI_1_0_3, check_version

StatementPayload = Union[dict, str, bytes]
"""A statement as a dict, or already serialized to JSON (str or UTF-8 bytes)."""

MESSAGE_LIMIT = 1000  # characters of an LRS error body kept as the reason
THROUGH_PROXY = ("it would go through the proxy named in HTTPS_PROXY or HTTP_PROXY, and this tool cannot "
                 "check the address the proxy connects to")


class ProxyRefused(urllib3.exceptions.HTTPError):
    """A fenced client's request that the environment would send through a proxy: refused
    before anything is sent, with ``reason`` in plain words as the fence's own refusals."""

    def __init__(self) -> None:
        super().__init__(THROUGH_PROXY)
        self.reason = THROUGH_PROXY


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
    """Result of :meth:`LrsClient.check_connection` (``GET about`` and a read of one
    statement; no statement sent)."""

    ok: bool
    message: str
    status: int | None = None
    versions: tuple[str, ...] = ()
    refused: bool = False  # the client itself declined to connect (its fence, or a proxy): the LRS was not asked


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
    """POSTs statement batches to one LRS and classifies what it answers.

    ``observe``, when given, is called with each statement POST's duration in seconds
    (the worker feeds its latency histogram with it). ``pool_classes``: see the module's
    documentation; None connects anywhere.
    """

    def __init__(
        self,
        config: LrsConfig,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
        observe: Callable[[float], None] | None = None,
        pool_classes: Mapping[str, type[HTTPConnectionPool]] | None = None,
    ) -> None:
        self.config = config
        self.session = session or requests.Session()
        if pool_classes is not None:
            for prefix in ("http://", "https://"):
                self.session.mount(prefix, _FencedAdapter(pool_classes))
        self._timeout = (config.connect_timeout, config.read_timeout)
        self._tokens = (
            TokenSource(config.auth, self.session, self._timeout, clock)
            if isinstance(config.auth, OAuth2ClientCredentials)
            else None
        )
        self._statements_url = config.url("statements")
        self._pool = _connection_pool(self._statements_url, self.session, pool_classes)
        self._pool_timeout = urllib3.Timeout(connect=config.connect_timeout, read=config.read_timeout)
        self._basic = {"Authorization": _basic_authorization(config.auth)} if isinstance(config.auth, BasicAuth) else {}
        self._observe = observe

    def close(self) -> None:
        self._pool.clear()
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
        started = time.perf_counter()
        try:
            response = self._pool.urlopen(
                "POST", self._statements_url, body=body, headers=headers, timeout=self._pool_timeout,
                retries=False, redirect=False,
            )
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            return Retryable(reason=failure(exc))
        if self._observe is not None:
            self._observe(time.perf_counter() - started)
        return self._classify(response.status, response.headers.get("Retry-After"), response.data, response.reason)

    def check_connection(self) -> ConnectionCheck:
        """What can be checked without sending a statement: ``GET about`` for the versions
        the LRS speaks (an LRS without it, such as ralph 5.1, is not failed for that), then
        ``GET statements?limit=1`` with the stored credentials, as ``about`` may answer
        anyone. The message says what was checked."""
        try:
            about = self.session.get(self.config.url("about"), headers=self._headers(), timeout=self._timeout)
        except (*TRANSPORT_ERRORS, TokenError) as exc:
            return ConnectionCheck(ok=False, message=self._unreachable(exc), refused=_refused(exc))
        versions: tuple[str, ...] = ()
        if about.status_code == 404:
            checked = "no about resource (404), version not asked"
        elif about.status_code != 200:
            message = _message(about.content, about.reason)
            return ConnectionCheck(ok=False, status=about.status_code,
                                   message=f"about answered {about.status_code}: {message}")
        else:
            try:
                versions = tuple(str(v) for v in about.json().get("version", []))
            except (ValueError, AttributeError):
                return ConnectionCheck(ok=False, status=200, message="about did not answer a JSON object")
            wanted = self.config.xapi_version.rsplit(".", 1)[0]
            if not any(v == self.config.xapi_version or v.startswith(wanted + ".") for v in versions):
                return ConnectionCheck(ok=False, status=200, versions=versions, message=(
                    f"LRS speaks {', '.join(versions) or 'no version'}, not {self.config.xapi_version}"))
            checked = f"about: speaks {', '.join(versions)}"
        return self._check_credentials(checked, versions)

    def _unreachable(self, exc: Exception) -> str:
        """A failed request in an administrator's words (never a raw exception)."""
        where = self.config.url("")
        if isinstance(exc, TokenError):
            return f"the OAuth2 token request failed ({exc})"
        refused = refusal(exc)
        if refused:
            return f"{where} was not connected to: {refused}"
        if isinstance(exc, requests.exceptions.SSLError):
            return f"the certificate of {where} is not trusted (set REQUESTS_CA_BUNDLE to its CA)"
        if isinstance(exc, requests.exceptions.ProxyError):
            return "the proxy named in the environment (HTTPS_PROXY) could not be used"
        if isinstance(exc, requests.exceptions.Timeout):
            return f"{where} did not answer in time"
        if isinstance(exc, requests.exceptions.ConnectionError):
            return f"nothing answered at {where} (wrong address or port, or the LRS is down)"
        return f"the request to {where} could not be made ({type(exc).__name__})"

    def _check_credentials(self, checked: str, versions: tuple[str, ...]) -> ConnectionCheck:
        """A harmless authenticated request: read at most one statement."""
        asked = f"GET statements?limit=1 with the stored credentials and version {self.config.xapi_version}"
        try:
            read = self.session.get(self._statements_url, params={"limit": 1}, headers=self._headers(),
                                    timeout=self._timeout)
        except (*TRANSPORT_ERRORS, TokenError) as exc:
            return ConnectionCheck(ok=False, versions=versions, message=f"{checked}; {asked}: {self._unreachable(exc)}",
                                   refused=_refused(exc))
        done = f"{checked}; {asked}: {read.status_code}"
        if read.status_code == 200:
            return ConnectionCheck(ok=True, status=200, versions=versions,
                                   message=f"{done}, credentials accepted")
        if read.status_code == 403:  # known, but not allowed to read: writing may still be allowed
            return ConnectionCheck(ok=True, status=403, versions=versions, message=(
                f"{done}, credentials accepted without read access (writing is not tried)"))
        return ConnectionCheck(ok=False, status=read.status_code, versions=versions,
                               message=f"{done}: {_message(read.content, read.reason)}")

    def _headers(self) -> dict[str, str]:
        """Version and credentials, the same for statements and ``about``."""
        headers = {"X-Experience-API-Version": self.config.xapi_version, **self._basic}
        if self._tokens is not None:
            headers["Authorization"] = f"Bearer {self._tokens.token()}"
        return headers

    def _classify(self, status: int, retry_after: str | None, content: bytes, reason: str | None) -> PostOutcome:
        if 200 <= status < 300:
            return Stored(status=status, returned_ids=_returned_ids(content))
        message = _message(content, reason)
        if status == 409:
            return Conflict(message=message)
        if status in (400, 422):
            return Rejected(status=status, message=message)
        if status == 413:
            return TooLarge(message=message)
        if status == 401 and self._tokens is not None:
            self._tokens.invalidate()
        return Retryable(reason=f"LRS answered {status}: {message}", status=status,
                         retry_after=parse_retry_after(retry_after))


def _basic_authorization(auth: BasicAuth) -> str:
    """Latin-1 as requests sends it, or UTF-8 (RFC 7617) for what Latin-1 cannot encode."""
    credentials = f"{auth.username}:{auth.password}"
    try:
        raw = credentials.encode("latin-1")
    except UnicodeEncodeError:
        raw = credentials.encode("utf-8")
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _refused(exc: Exception) -> bool:
    """Whether the request failed because the client declined to connect (an OAuth2 token
    request so refused included)."""
    return bool(refusal(exc) or isinstance(exc, TokenError) and exc.__cause__ and refusal(exc.__cause__))


class _FencedAdapter(HTTPAdapter):
    """Direct connections over the fence's pool classes; none through a proxy."""

    def __init__(self, pool_classes: Mapping[str, type[HTTPConnectionPool]]) -> None:
        super().__init__()
        self.poolmanager.pool_classes_by_scheme = dict(pool_classes)

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):  # type: ignore[override]
        if select_proxy(request.url, proxies or {}):  # the environment's, NO_PROXY already applied
            raise ProxyRefused()
        return super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies)


class _RefusedThroughProxy:
    """The statements' connection pool of a fenced client the environment would send through
    a proxy: every POST refused (a retryable failure, its statements kept)."""

    def urlopen(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ProxyRefused()

    def clear(self) -> None:
        pass


def _connection_pool(url: str, session: requests.Session,
                     pool_classes: Mapping[str, type[HTTPConnectionPool]] | None = None
                     ) -> urllib3.PoolManager | _RefusedThroughProxy:
    """One keep-alive connection to ``url``'s host, set up as ``session`` would send to it:
    through the proxy the environment names for it (none when ``pool_classes`` fence the
    client), verifying TLS against the CA bundle the environment names, or certifi's;
    directly, over ``pool_classes`` when given."""
    settings = session.merge_environment_settings(url, {}, None, None, None)
    verify = settings["verify"]
    tls: dict[str, Any] = {"cert_reqs": "CERT_REQUIRED" if verify else "CERT_NONE"}
    if verify:
        bundle = certifi.where() if verify is True else verify
        tls["ca_cert_dir" if os.path.isdir(bundle) else "ca_certs"] = bundle
    proxy = select_proxy(url, settings["proxies"])
    if proxy and pool_classes is not None:
        return _RefusedThroughProxy()
    if proxy:
        return urllib3.ProxyManager(proxy, num_pools=1, maxsize=1, **tls)
    manager = urllib3.PoolManager(num_pools=1, maxsize=1, **tls)
    if pool_classes is not None:
        manager.pool_classes_by_scheme = dict(pool_classes)
    return manager


def _message(content: bytes, reason: str | None) -> str:
    return content.decode("utf-8", "replace").strip()[:MESSAGE_LIMIT] or reason or ""


def _returned_ids(content: bytes) -> tuple[str, ...]:
    if not content:
        return ()
    try:
        body: Any = json.loads(content)
    except ValueError:
        return ()
    return tuple(str(i) for i in body) if isinstance(body, list) else ()
