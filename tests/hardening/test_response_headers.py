"""The tool's responses hand the server the same status, headers (in the same order) and body
as Flask's own (adapter/web/responses.ToolResponse skips werkzeug's copy of the headers only
when that copy would change nothing)."""
from __future__ import annotations

import io
import random

import pytest
from flask import Response
from werkzeug.datastructures import Headers

from adapter.web.responses import ToolResponse

LOCATIONS = ["https://lms.test/auth?scope=openid&state=abc-_123&redirect_uri=https%3A%2F%2Ftool.test%2Flti%2Flaunch",
             "https://lms.test/auth?", "https://LMS.test:443/a b", "https://lms.test/p\u00e5th?q=\u00e8ry%DF#frag",
             "https://\u2603.net/", "/relative/path", "https://user:pw@lms.test/x", "https://lms.test/a#b?c"]


def served(response_class: type[Response], method: str = "GET", **build) -> tuple[str, list, bytes]:
    extra = build.pop("extra", [])
    response = response_class(**build)
    for name, value in extra:
        response.headers.add(name, value)
    environ = {"REQUEST_METHOD": method, "SERVER_NAME": "tool.test", "SERVER_PORT": "443", "PATH_INFO": "/",
               "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO()}
    started = []
    answer = response(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
    body = b"".join(answer)
    getattr(answer, "close", lambda: None)()  # as a server does once it has sent the body
    assert response(environ, lambda *answer: None) is not None  # answering twice changes nothing either
    return started[0][0], started[0][1], body


def cases():
    yield lambda: {"response": "<p>page</p>", "status": 200,
                   "extra": [("Set-Cookie", "a=b; Secure"), ("X-Request-Id", "r")]}
    yield lambda: {"response": "", "status": 200}
    yield lambda: {"response": None, "status": 302, "mimetype": "text/html"}
    for location in LOCATIONS:
        yield lambda location=location: {"status": 302, "headers": {"Location": location}, "mimetype": "text/html"}
    yield lambda: {"status": 302, "headers": [("Location", LOCATIONS[0]), ("Location", LOCATIONS[5])]}
    yield lambda: {"response": "x", "headers": {"Content-Location": LOCATIONS[3]}}
    yield lambda: {"response": "x", "headers": {"Content-Location": LOCATIONS[0]}}
    for status in (101, 204, 304, 412, 500):
        yield lambda status=status: {"response": "body", "status": status,
                                     "headers": {"ETag": "e", "Content-Encoding": "gzip"}}
    yield lambda: {"response": iter([b"streamed", b" body"]), "status": 200}
    yield lambda: {"response": [b"a", b"bc"], "status": 200, "extra": [("Content-Length", "3")]}
    yield lambda: {"response": ["caf\u00e9", b" x", ""], "status": 201}
    yield lambda: {"response": ("a", b"b"), "status": 200}
    yield lambda: {"response": io.BytesIO(b"a file"), "status": 200}
    # Where the type comes from: none given (a page: ToolResponse names the default type itself),
    # empty headers of either kind, a type or mimetype given, a type in the headers.
    yield lambda: {"response": "<p>caf\u00e9</p>"}
    yield lambda: {"response": "x", "headers": Headers()}
    yield lambda: {"response": "x", "headers": {}, "status": 404}
    yield lambda: {"response": "{}", "mimetype": "application/json"}
    yield lambda: {"response": "x", "mimetype": "text/plain"}
    yield lambda: {"response": "x", "content_type": "text/csv; charset=utf-8"}
    yield lambda: {"response": "x", "headers": {"Content-Type": "text/plain"}}
    yield lambda: {"response": "x", "headers": Headers([("X-A", "1")])}


@pytest.mark.parametrize("build", list(cases()))
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_server_gets_what_flasks_response_gives(build, method):
    assert served(ToolResponse, method, **build()) == served(Response, method, **build())


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("body", [lambda: "page", lambda: ["a", b"b"], lambda: iter([b"streamed"]),
                                  lambda: io.BytesIO(b"a file")])
@pytest.mark.parametrize("callback", [True, False])
def test_what_is_to_run_on_close_runs_when_the_server_closes_the_body(method, body, callback):
    """A page's body goes to the server as a list (ToolResponse.get_app_iter) only when nothing
    is to run on close: a callback given to ``call_on_close`` still runs, once, at the close, and
    a body that can be closed (a file) is closed then."""
    ran = {}
    for response_class in (Response, ToolResponse):
        closed: list = []
        response = response_class(body())
        if callback:
            response.call_on_close(lambda closed=closed: closed.append("closed"))
        answer = response({"REQUEST_METHOD": method, "SERVER_NAME": "tool.test", "SERVER_PORT": "443",
                           "wsgi.url_scheme": "https"}, lambda *started: None)
        sent = b"".join(answer)
        before = list(closed)
        getattr(answer, "close", lambda: None)()  # a list has none
        ran[response_class] = (sent, before, closed, getattr(response.response, "closed", None))
    assert ran[ToolResponse] == ran[Response]
    assert ran[Response][1:3] == ([], ["closed"] if callback else [])


def test_a_location_is_taken_as_a_uri_exactly_when_iri_to_uri_leaves_it_as_it_is():
    """``_already_uri`` (the address before the query looked at once) against werkzeug's
    ``iri_to_uri`` on 4,000 random addresses: hosts in capitals, IDN, IPv6, ports, user info;
    paths and queries with every kind of character, an empty query, several "?" and "#"."""
    from werkzeug.urls import iri_to_uri

    from adapter.web.responses import _already_uri
    rng = random.Random(18)
    starts = ["https://lms.test", "https://LMS.test:443", "http://127.0.0.1:5000", "https://[::1]:8443", "HTTPS://lms.test",
              "https://\u2603.net", "https://user:pw@lms.test", "https://lms.test:0", "", "//lms.test", " https://lms.test",
              "mailto:", "https://lms.test:65536"]
    alphabet = list("aZ09_.~-%!$&'()*+,/:;=?@#[] \t\n\u00e5\u2028\"<>\\^`{|}") + ["%2F", "%zz", "%", "é"]

    def text(most: int) -> str:
        return "".join(rng.choice(alphabet) if rng.random() < 0.3 else rng.choice("abcXYZ019-_") for _ in range(
            rng.randrange(most)))

    locations = [f"{rng.choice(starts)}{rng.choice(['', '/', '/auth', '/a b/'])}{text(8)}"
                 f"{rng.choice(['', '?', '?' + text(40), '?state=' + text(3) + '&nonce=abc.DEF_-'])}"
                 for _ in range(4000)]

    def outcome(check, location: str) -> bool | type:
        try:
            return check(location)
        except ValueError as error:  # a port out of range, a bad IPv6 host: both refuse the same way
            return type(error)

    found = [outcome(_already_uri, location) for location in locations]
    assert found == [outcome(lambda location: iri_to_uri(location) == location, location) for location in locations]
    with_query = sum(1 for location, answer in zip(locations, found) if answer is True and "?" in location)
    assert with_query > 150 and found.count(False) > 300 and found.count(ValueError) > 30  # each answer exercised


def test_put_header_leaves_the_headers_as_werkzeugs_set_and_keeps_the_names_up_to_date():
    from adapter.web.responses import header_names, put_header

    rng = random.Random(18)
    names = ["X-Request-Id", "x-request-id", "X-REQUEST-ID", "Content-Security-Policy", "content-security-policy",
             "Cache-Control", "Set-Cookie", "Content-Type"]
    for _ in range(2000):
        start = [(rng.choice(names), f"v{n}") for n in range(rng.randrange(6))]
        ours, theirs = Headers(start), Headers(start)
        kept = header_names(ours)
        for n in range(rng.randrange(1, 4)):  # a name put twice: the second replaces the first
            name, value = rng.choice(names), f"put{n}"
            put_header(ours, kept, name, value)
            theirs.set(name, value)
            assert list(ours) == list(theirs) and kept == header_names(theirs), (start, name)


def test_default_header_leaves_the_headers_as_werkzeugs_setdefault_and_keeps_the_names_up_to_date():
    from adapter.web.responses import default_header, header_names

    rng = random.Random(18)
    names = ["X-Frame-Options", "x-frame-options", "Content-Security-Policy", "content-security-policy",
             "Cache-Control", "Set-Cookie"]
    added = kept_as_was = 0
    for _ in range(2000):
        start = [(rng.choice(names), f"v{n}") for n in range(rng.randrange(5))]
        ours, theirs = Headers(start), Headers(start)
        kept = header_names(ours)
        for n in range(rng.randrange(1, 4)):  # a name defaulted twice: the first stays
            name, value = rng.choice(names), f"default{n}"
            had = name.lower() in header_names(theirs)
            assert default_header(ours, kept, name, value) is not had
            theirs.setdefault(name, value)
            assert list(ours) == list(theirs) and kept == header_names(theirs), (start, name)
            added, kept_as_was = added + (not had), kept_as_was + had
    assert added > 1000 and kept_as_was > 1000  # both answers exercised
