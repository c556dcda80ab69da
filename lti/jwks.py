"""Platform public keys, fetched from the platform's JWKS URL and cached.

The cache honours the platform's ``Cache-Control``; a ``kid`` the cache does not know
triggers one refetch (platforms such as Brightspace rotate often), but never more than
one per :attr:`PlatformKeys.refetch_interval` per URL, so a flood of forged ``kid``\\ s
cannot turn the tool into a traffic amplifier against the platform.

Each process keeps the key sets it has seen in memory while they are fresh; the shared
:class:`KeySetCache` (the database) is read only when the memory copy is stale or lacks
the ``kid``, so workers still learn each other's fetches and a rotation needs no restart.
"""
from __future__ import annotations

import re
import time
from typing import Any, Callable

import requests
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from .safe_fetch import FetchRefused
from .storage import CachedKeySet, KeySetCache

DEFAULT_TTL = 300.0
MAX_TTL = 86400.0
_MAX_AGE = re.compile(r"max-age\s*=\s*(\d+)", re.IGNORECASE)


def freshness_lifetime(cache_control: str | None, floor: float) -> float:
    """Seconds a JWKS response may be reused, from its Cache-Control header.

    ``no-store``/``no-cache`` mean "ask again": the keys are reused only for the refetch
    interval, which bounds how often we ask anyway.
    """
    if not cache_control:
        return DEFAULT_TTL
    lowered = cache_control.lower()
    if "no-store" in lowered or "no-cache" in lowered:
        return floor
    match = _MAX_AGE.search(lowered)
    if match:
        return min(max(float(match.group(1)), floor), MAX_TTL)
    return DEFAULT_TTL


class KeySetUnavailable(Exception):
    """The platform's JWKS could not be fetched or parsed."""


class PlatformKeys:
    def __init__(
        self,
        cache: KeySetCache,
        http: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        refetch_interval: float = 10.0,
        timeout: float = 5.0,
    ) -> None:
        self.cache = cache
        self.http = http or requests.Session()
        self.clock = clock
        self.refetch_interval = refetch_interval
        self.timeout = timeout
        self._parsed: dict[tuple[str, str], Any] = {}
        self._memory: dict[str, CachedKeySet] = {}  # url -> the last key set this process saw

    def find_key(self, url: str, kid: str) -> Any | None:
        """The public key object for ``kid``, or None when the platform does not publish it."""
        now = self.clock()
        cached = self._memory.get(url)
        if cached is not None and cached.fresh_until > now and kid in cached.keys:
            return self._to_key(kid, cached.keys[kid])
        cached = self.cache.load_key_set(url)
        if cached is None or cached.fresh_until <= now:
            cached = self._refresh(url, cached, now)
        elif kid not in cached.keys and now - cached.fetched_at >= self.refetch_interval:
            cached = self._refresh(url, cached, now)
        if cached is not None:
            self._memory[url] = cached
        jwk = cached.keys.get(kid) if cached else None
        return self._to_key(kid, jwk) if jwk else None

    def _refresh(self, url: str, cached: CachedKeySet | None, now: float) -> CachedKeySet | None:
        if cached is not None and now - cached.fetched_at < self.refetch_interval:
            return cached
        try:
            response = self.http.get(url, timeout=self.timeout)
            response.raise_for_status()
            document = response.json()
            keys = {k["kid"]: k for k in document.get("keys", []) if isinstance(k, dict) and k.get("kid")}
        except (requests.RequestException, FetchRefused, ValueError, AttributeError, TypeError,
                RecursionError) as exc:  # RecursionError: JSON nested past the parser's depth
            if cached is not None:
                return cached
            raise KeySetUnavailable(f"could not fetch the platform keys from {url}") from exc
        lifetime = freshness_lifetime(response.headers.get("Cache-Control"), self.refetch_interval)
        fresh = CachedKeySet(keys=keys, fetched_at=now, fresh_until=now + lifetime)
        self.cache.store_key_set(url, fresh)
        return fresh

    def _to_key(self, kid: str, jwk: dict[str, Any]) -> Any | None:
        # Parsing a JWK is cheap but not free; the parsed object is immutable, keyed by
        # the JWK content so a rotated key under a reused kid is parsed again.
        cache_key = (kid, jwk.get("n") or jwk.get("x") or "")
        key = self._parsed.get(cache_key)
        if key is None:
            try:
                key = (RSAAlgorithm if jwk.get("kty") == "RSA" else ECAlgorithm).from_jwk(jwk)
            except Exception:  # any malformed JWK means "no usable key"
                return None
            self._parsed[cache_key] = key
        return key
