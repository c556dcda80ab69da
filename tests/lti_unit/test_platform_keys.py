"""The platform key cache: Cache-Control, refetch on unknown kid, and its rate limit."""
from __future__ import annotations

import pytest
import responses

from lti.jwks import KeySetUnavailable, PlatformKeys, freshness_lifetime
from lti.keys import SigningKey
from lti.storage import CachedKeySet

URL = "https://lms.example/jwks"


class MemoryKeySetCache:
    def __init__(self):
        self.entries: dict[str, CachedKeySet] = {}

    def load_key_set(self, url):
        return self.entries.get(url)

    def store_key_set(self, url, key_set):
        self.entries[url] = key_set


class Clock:
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def keys():
    return [SigningKey.generate(), SigningKey.generate()]


def publish(*keys, cache_control="max-age=300"):
    responses.upsert(responses.GET, URL, json={"keys": [k.public_jwk() for k in keys]},
                     headers={"Cache-Control": cache_control} if cache_control else {})


@pytest.mark.parametrize("header, lifetime", [
    ("max-age=600", 600), ("public, max-age=0", 10), ("no-store", 10), ("no-cache", 10),
    (None, 300), ("private", 300), ("max-age=99999999", 86400),
])
def test_freshness_lifetime(header, lifetime):
    assert freshness_lifetime(header, floor=10) == lifetime


@responses.activate
def test_fresh_cache_is_not_refetched(keys):
    responses.add(responses.GET, URL, json={"keys": [keys[0].public_jwk()]}, headers={"Cache-Control": "max-age=300"})
    clock = Clock()
    platform_keys = PlatformKeys(MemoryKeySetCache(), clock=clock)
    assert platform_keys.find_key(URL, keys[0].kid) is not None
    clock.now += 299
    assert platform_keys.find_key(URL, keys[0].kid) is not None
    assert len(responses.calls) == 1
    clock.now += 2
    assert platform_keys.find_key(URL, keys[0].kid) is not None
    assert len(responses.calls) == 2


@responses.activate
def test_unknown_kid_refetches_once_per_interval(keys):
    responses.add(responses.GET, URL, json={"keys": [keys[0].public_jwk()]}, headers={"Cache-Control": "max-age=3600"})
    clock = Clock()
    platform_keys = PlatformKeys(MemoryKeySetCache(), clock=clock, refetch_interval=10)
    platform_keys.find_key(URL, keys[0].kid)
    for _ in range(50):  # a flood of forged kids within the interval: no extra fetch
        assert platform_keys.find_key(URL, "forged") is None
    assert len(responses.calls) == 1
    clock.now += 11
    publish(keys[0], keys[1], cache_control="max-age=3600")
    assert platform_keys.find_key(URL, keys[1].kid) is not None  # rotated key found after one refetch
    assert len(responses.calls) == 2


@responses.activate
def test_no_store_is_refetched_after_the_interval(keys):
    publish(keys[0], cache_control="no-store")
    clock = Clock()
    platform_keys = PlatformKeys(MemoryKeySetCache(), clock=clock, refetch_interval=10)
    platform_keys.find_key(URL, keys[0].kid)
    clock.now += 5
    platform_keys.find_key(URL, keys[0].kid)
    clock.now += 6
    platform_keys.find_key(URL, keys[0].kid)
    assert len(responses.calls) == 2


@responses.activate
def test_outage_keeps_using_the_cached_keys_and_fails_plainly_without_them(keys):
    responses.add(responses.GET, URL, json={"keys": [keys[0].public_jwk()]}, headers={"Cache-Control": "max-age=1"})
    clock = Clock()
    platform_keys = PlatformKeys(MemoryKeySetCache(), clock=clock, refetch_interval=1)
    platform_keys.find_key(URL, keys[0].kid)
    responses.replace(responses.GET, URL, status=503)
    clock.now += 5
    assert platform_keys.find_key(URL, keys[0].kid) is not None
    with pytest.raises(KeySetUnavailable):
        PlatformKeys(MemoryKeySetCache(), clock=clock).find_key(URL, keys[0].kid)


@responses.activate
def test_malformed_jwks_entries_are_ignored(keys):
    responses.add(responses.GET, URL, json={"keys": [{"kid": "broken", "kty": "RSA", "n": "!!", "e": "AQAB"},
                                                     "not-a-key", keys[0].public_jwk()]})
    platform_keys = PlatformKeys(MemoryKeySetCache(), clock=Clock())
    assert platform_keys.find_key(URL, "broken") is None
    assert platform_keys.find_key(URL, keys[0].kid) is not None


@responses.activate
def test_a_key_set_nested_past_the_json_parsers_depth_is_an_unusable_answer(keys):
    """It raised RecursionError out of the launch (a 500); it is an answer the tool cannot
    use, as malformed JSON is: the cached keys go on serving, and without them the launch
    says the keys could not be fetched."""
    responses.add(responses.GET, URL, json={"keys": [keys[0].public_jwk()]}, headers={"Cache-Control": "max-age=1"})
    clock = Clock()
    platform_keys = PlatformKeys(MemoryKeySetCache(), clock=clock, refetch_interval=1)
    platform_keys.find_key(URL, keys[0].kid)
    responses.replace(responses.GET, URL, body=b'{"keys": ' + b"[" * 100_000, content_type="application/json")
    clock.now += 5
    assert platform_keys.find_key(URL, keys[0].kid) is not None
    with pytest.raises(KeySetUnavailable):
        PlatformKeys(MemoryKeySetCache(), clock=clock).find_key(URL, keys[0].kid)
