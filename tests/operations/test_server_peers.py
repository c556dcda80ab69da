"""gunicorn's trusted-proxy test through adapter.server_peers: gunicorn's own answer for every
peer address and allowed list, kept; and gunicorn's requests ask it once installed."""
from __future__ import annotations

import random

import pytest
from gunicorn.config import Config
from gunicorn.http import message
from gunicorn.http.message import Request
from gunicorn.http.unreader import IterUnreader

from adapter import server_peers
from adapter.domain.kept_answers import KeptAnswers

GUNICORNS = message._ip_in_allow_list
LISTS = [["127.0.0.1", "::1"], ["*"], ["10.0.0.0/8", "192.168.1.7", "fd00::/8"], ["::ffff:10.1.2.3"], [],
         ["127.0.0.1", "*"], ["0.0.0.0/0"], ["::/0"]]


def addresses(rng: random.Random) -> list[str]:
    found = ["127.0.0.1", "::1", "10.1.2.3", "::ffff:10.1.2.3", "::ffff:127.0.0.1", "192.168.1.7", "192.168.1.8",
             "fd12::1", "fe80::1%eth0", "", "localhost", "127.0.0.1 ", "unix:/run/x.sock", "1.2.3", "::1::"]
    found += [".".join(str(rng.randrange(256)) for _ in range(4)) for _ in range(150)]
    found += [":".join(f"{rng.randrange(65536):x}" for _ in range(8)) for _ in range(50)]
    found += [f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}" for _ in range(50)]
    return found


@pytest.fixture
def kept(monkeypatch):
    monkeypatch.setattr(server_peers, "_answers", KeptAnswers(10_000))  # all kept: the second asks are answered from them
    return server_peers._answers


def allowing(allowed: list[str]) -> tuple[list[str], list]:
    """The allowed list and networks gunicorn's config makes of ``--forwarded-allow-ips``."""
    cfg = Config()
    cfg.set("forwarded_allow_ips", ",".join(allowed))
    return cfg.forwarded_allow_ips, cfg.forwarded_allow_networks()


def test_each_peer_is_answered_as_gunicorn_answers_it(kept):
    rng = random.Random(18)
    asked = [(address, allowing(allowed)) for allowed in LISTS for address in addresses(rng)]
    asked += rng.sample(asked, len(asked) // 2)  # asked again: answered from what was kept
    rng.shuffle(asked)
    for address, (allowed, networks) in asked:
        assert server_peers.ip_in_allow_list(address, allowed, networks) == GUNICORNS(address, allowed, networks), (
            address, allowed)
    assert len(kept) == len({(address, *allowed) for address, (allowed, _) in asked})


def test_what_is_kept_starts_over_rather_than_grows(kept):
    kept.limit = 10
    allowed, networks = allowing(["10.0.0.0/29"])
    for n in range(25):
        assert server_peers.ip_in_allow_list(f"10.0.0.{n}", allowed, networks) is (n < 8)
        assert len(kept) <= 10


def forwarded_scheme(peer: tuple[str, int]) -> str:
    cfg = Config()
    cfg.set("http_parser", "python")
    data = b"GET / HTTP/1.1\r\nHost: tool.test\r\nX-Forwarded-Proto: https\r\n\r\n"
    return Request(cfg, IterUnreader(iter([data])), peer).scheme


def test_installed_gunicorn_requests_ask_it(kept, monkeypatch):
    monkeypatch.setattr(message, "_ip_in_allow_list", GUNICORNS)  # put back after the test
    server_peers.install()
    assert message._ip_in_allow_list is server_peers.ip_in_allow_list
    assert (forwarded_scheme(("127.0.0.1", 5000)), forwarded_scheme(("203.0.113.9", 5000))) == ("https", "http")
    assert set(kept) == {("127.0.0.1", "127.0.0.1", "::1"), ("203.0.113.9", "127.0.0.1", "::1")}
