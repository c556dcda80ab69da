"""gunicorn's Date header through adapter.server_date: the text gunicorn's own ``http_date``
writes for the same time, whichever second and fraction of it."""
from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from gunicorn import util
from gunicorn.http.wsgi import Response

from adapter import server_date

GUNICORNS = util.http_date


@pytest.fixture
def clock(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(server_date.time, "time", lambda: now[0])
    monkeypatch.setattr(server_date, "_last", (-1, ""))
    return now


def test_each_moment_reads_as_gunicorn_writes_it(clock, monkeypatch):
    rng = random.Random(18)
    seconds = [rng.randrange(0, 4_000_000_000) for _ in range(300)] + [1_764_928_799, 1_767_225_599, 951_825_599]
    moments = []
    for second in seconds:  # each second's start, inside, and its last microseconds (formatdate may round up)
        moments += [second, second + rng.random(), second + 0.999999, second + 0.9999995, second + 0.9999999,
                    second + 1 - 2 ** -22]
    rng.shuffle(moments)
    moments += sorted(moments[:200])  # also in order: one second's responses after another's
    for moment in moments:
        clock[0] = moment
        monkeypatch.setattr(util.time, "time", lambda moment=moment: moment)
        assert server_date.http_date() == GUNICORNS(), moment
        assert server_date.http_date(moment - 86_400.5) == GUNICORNS(moment - 86_400.5)


def test_a_second_is_formatted_once(clock, monkeypatch):
    made = []
    monkeypatch.setattr(server_date.email.utils, "formatdate", lambda *args, **kw: made.append(args) or str(args))
    for fraction in (0.1, 0.5, 0.999):
        clock[0] = 1_764_928_000 + fraction
        server_date.http_date()
    clock[0] = 1_764_928_001.2
    server_date.http_date()
    assert made == [(1_764_928_000,), (1_764_928_001,)]


def test_installed_gunicorn_responses_carry_it(clock, monkeypatch):
    monkeypatch.setattr(util, "http_date", util.http_date)  # put back after the test
    server_date.install()
    clock[0] = 1_764_928_000.25
    request = SimpleNamespace(version=(1, 1), should_close=lambda: False, method="GET")
    response = Response(request, None, SimpleNamespace())
    response.status, response.status_code, response.response_length = "200 OK", 200, 0
    assert "Date: Fri, 05 Dec 2025 09:46:40 GMT\r\n" in response.default_headers()
