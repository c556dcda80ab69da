"""gunicorn's checks of an answer's headers through adapter.server_headers: for every header
list, the same headers passed on, the same length and upgrade taken, the same refusals as
gunicorn's own ``process_headers``, each list processed twice (the second time from what was kept)."""
from __future__ import annotations

import random

import pytest
from gunicorn.config import Config
from gunicorn.http import wsgi
from gunicorn.http.message import Request
from gunicorn.http.unreader import IterUnreader

from adapter import server_headers
from adapter.domain.kept_answers import KeptAnswers

GUNICORNS = server_headers._gunicorns
NAMES = ["Content-Type", "Content-Length", "content-length", "Set-Cookie", "Content-Security-Policy", "X-Request-Id",
         "Location", "Cache-Control", "Connection", "connection", "Upgrade", "Transfer-Encoding", "Keep-Alive",
         "Server", "Date", "TE", "Trailers", "X-Weird_Name!#$%&'*+.^`|~", "Bad Name", "X:Colon", "", "Näme",
         "X-Tab\t", b"Bytes-Name", None]
VALUES = ["text/html; charset=utf-8", "5321", "0", " 12 ", "no-store", "upgrade", "websocket", "Upgrade", "close",
          "chunked", "a\tb", " leading", "trailing \t", "\tboth ", "", "café", "\x7f", "\x80\xff", "Ā", "snow☃",
          "line\r\nX-Injected: 1", "nul\x00", "x" * 300, 42, b"bytes", "12a"]


@pytest.fixture
def kept(monkeypatch):
    monkeypatch.setattr(server_headers, "_plain_names", KeptAnswers(256))
    return server_headers._plain_names


def request() -> Request:
    cfg = Config()
    cfg.set("http_parser", "python")
    return Request(cfg, IterUnreader(iter([b"GET / HTTP/1.1\r\nHost: tool.test\r\n\r\n"])), ("127.0.0.1", 5000))


def outcome(process, asked: Request, headers: list) -> tuple:
    response = wsgi.Response(asked, None, asked.cfg)
    try:
        process(response, headers)
        refused = None
    except Exception as error:  # noqa: BLE001 - compared with gunicorn's
        refused = (type(error), str(error))
    return response.headers, response.response_length, response.upgrade, refused


def test_every_header_list_is_processed_as_gunicorn_processes_it(kept):
    asked, rng = request(), random.Random(18)
    lists = [[(name, value)] for name in NAMES for value in VALUES]
    lists += [[(rng.choice(NAMES), rng.choice(VALUES)) for _ in range(rng.randrange(1, 12))] for _ in range(3000)]
    for headers in lists + rng.sample(lists, len(lists)):
        assert outcome(server_headers.process_headers, asked, headers) == outcome(GUNICORNS, asked, headers), headers
    assert set(kept) == {name for name in NAMES if isinstance(name, str) and wsgi.TOKEN_RE.fullmatch(name)} - {
        "Connection", "connection", "Upgrade", "Transfer-Encoding", "Keep-Alive", "Server", "Date", "TE", "Trailers"}
    assert kept["content-length"] and kept["Content-Length"] and not kept["Content-Type"]


def test_what_is_kept_starts_over_rather_than_grows(kept):
    kept.limit = 10
    asked = request()
    for n in range(25):
        assert outcome(server_headers.process_headers, asked, [(f"X-Name-{n}", "v")])[0] == [(f"X-Name-{n}", "v")]
        assert len(kept) <= 10


def test_installed_gunicorn_answers_go_through_it(kept, monkeypatch):
    monkeypatch.setattr(wsgi.Response, "process_headers", GUNICORNS)  # put back after the test
    server_headers.install()
    response = wsgi.Response(request(), None, Config())
    response.start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2"), ("Date", "x")])
    assert (response.headers, response.response_length) == ([("Content-Type", "text/plain"), ("Content-Length", "2")], 2)
    assert set(kept) == {"Content-Type", "Content-Length"}
