"""Requests the tool makes to addresses someone else named: Dynamic Registration, and a
platform's key set, token endpoint and the service URLs its launches carry (AGS, NRPS).

Whoever holds a registration link, or signs a launch, chooses the URLs the tool then
fetches, so those fetches are fenced: only public addresses unless an operator allows private ones
(checked on the connected socket, before anything is sent, so a DNS answer that changes
between a check and the connection changes nothing), no redirects, no proxy from the
environment, a small body and a time limit. Callers never show what came back, only
its status: an error page must not become a way to read other servers.

The address check alone (:func:`public_only_pools`) also serves the deliveries to an
LRS a platform admin named (adapter/services/lrs_settings.py), which keep their own
client and limits and, as here, use no proxy (xapi/lrs_client.py refuses to).
"""
from __future__ import annotations

import ipaddress
import json
import socket
import time
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


@dataclass(frozen=True)
class FetchLimits:
    allow_private_addresses: bool = False
    timeout: float = 5.0  # seconds, for the whole exchange
    max_bytes: int = 64 * 1024  # OpenID configurations and registration answers are a few KB


class FetchRefused(urllib3.exceptions.HTTPError):
    """The fetch was stopped by a limit; ``reason`` says which, in plain words.

    An urllib3 error because the address check raises it from inside urllib3's connection:
    urllib3 and requests then pass it on as it is (they re-raise errors of their own kind
    they do not know), and a client on urllib3, such as the LRS's, counts it among its
    transport's failures."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Fetched:
    status: int
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not JSON the tool can read (nested past
        the parser's depth too: json.loads raises RecursionError for that)."""
        try:
            return json.loads(self.body)
        except RecursionError:
            raise ValueError("JSON nested deeper than the parser goes") from None


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


PRIVATE = "its address is private, loopback or link-local, which this tool does not reach"


class _PublicOnly:
    """Mixed into urllib3's connections: refuse a host with any private address before
    connecting (so a closed port and an open one answer alike), and the connected socket
    if it ended up at one anyway (a DNS answer that changed in between)."""

    allow_private = False

    def _new_conn(self):
        if not self.allow_private:
            host = self._dns_host  # type: ignore[attr-defined]
            resolved = socket.getaddrinfo(host, self.port, type=socket.SOCK_STREAM)  # type: ignore[attr-defined]
            if not all(is_public(info[4][0]) for info in resolved):
                raise FetchRefused(PRIVATE)
        sock = super()._new_conn()  # type: ignore[misc]
        if not self.allow_private and not is_public(sock.getpeername()[0]):
            sock.close()
            raise FetchRefused(PRIVATE)
        return sock


def public_only_pools(allow_private: bool = False) -> dict[str, type[HTTPConnectionPool]]:
    """urllib3 connection pool classes by scheme (a ``PoolManager``'s
    ``pool_classes_by_scheme``) whose connections refuse a non-public address as above:
    FetchRefused when a new connection is made, nothing more per request on a kept-alive one."""
    flags = {"allow_private": allow_private}
    http_conn = type("PublicHTTPConnection", (_PublicOnly, HTTPConnection), flags)
    https_conn = type("PublicHTTPSConnection", (_PublicOnly, HTTPSConnection), flags)
    return {"http": type("PublicHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
            "https": type("PublicHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn})}


def _adapter(allow_private: bool) -> HTTPAdapter:
    adapter = HTTPAdapter(max_retries=0)
    adapter.poolmanager.pool_classes_by_scheme = public_only_pools(allow_private)
    return adapter


def fetch(method: str, url: str, limits: FetchLimits, *, headers: dict[str, str] | None = None,
          json_body: Any = None) -> Fetched:
    """One request within ``limits``; FetchRefused or requests.RequestException when it fails."""
    with FencedSession(limits) as session:
        response = session.request(method, url, headers=headers, json=json_body)
        return Fetched(response.status_code, response.content)


def on_registered_site(url: str, registered: Iterable[str]) -> bool:
    """Whether ``url`` is on a host a registration named, or a sibling of one: Canvas cloud
    signs as canvas.instructure.com and serves each school's AGS and NRPS at
    school.instructure.com, so a host of three or more labels stands for its parent domain."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if not host:
        return False
    for named in registered:
        named_host = (urlsplit(named).hostname or "").rstrip(".").lower()
        if not named_host:
            continue
        if host == named_host:
            return True
        labels = named_host.split(".")
        if len(labels) >= 3 and not _is_address(named_host) and host.endswith("." + ".".join(labels[1:])):
            return True
    return False


def names_private_address(url: str) -> bool:
    """Whether ``url``'s host is, or resolves to, a private, loopback or link-local address;
    a name that does not resolve now reaches nothing and is not counted as one."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        resolved = socket.getaddrinfo(parts.hostname or "", port, type=socket.SOCK_STREAM)
    except (ValueError, UnicodeError, socket.gaierror):
        return False
    return not all(is_public(info[4][0]) for info in resolved)


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class FencedSession(requests.Session):
    """A requests session for a platform's services, fenced as :func:`fetch` is: public
    addresses only unless allowed, redirects refused, the body and the whole exchange
    limited; and, when ``registered`` is given, only hosts on the registration's site."""

    def __init__(self, limits: FetchLimits, registered: Iterable[str] | None = None) -> None:
        super().__init__()
        self.trust_env = False
        self.limits = limits
        self.registered = tuple(registered) if registered is not None else None
        adapter = _adapter(limits.allow_private_addresses)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if not str(url).lower().startswith(("https://", "http://")):
            raise FetchRefused("it is not a web address")
        if self.registered is not None and not on_registered_site(str(url), self.registered):
            raise FetchRefused("it is not on a host the platform's registration names")
        kwargs.update(allow_redirects=False, stream=True)
        kwargs.setdefault("timeout", self.limits.timeout)
        deadline = time.monotonic() + self.limits.timeout
        response = super().request(method, url, *args, **kwargs)
        with response:
            if response.is_redirect:
                raise FetchRefused(f"it answered with a redirect ({response.status_code}), which is not followed")
            body = bytearray()
            for chunk in response.iter_content(8192):
                body += chunk
                if len(body) > self.limits.max_bytes:
                    raise FetchRefused(f"its answer is larger than {self.limits.max_bytes // 1024} KB")
                if time.monotonic() > deadline:
                    raise FetchRefused(f"it took longer than {self.limits.timeout:g} seconds")
        response._content = bytes(body)  # read within the limits; .json() and .text use it
        return response
