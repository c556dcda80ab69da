"""The tool's request reads url-encoded forms and cookies the short way (adapter/web/parsing.FormRequest):
every body gives the same form, the same refusal (413, 400) and leaves the same stream as
werkzeug's own parser, which Flask's plain Request uses; every Cookie header the same cookies."""
from __future__ import annotations

import io
import json
import random

import pytest
from flask import Flask, Request, request

from adapter.web import parsing

LIMIT = 4096


def app_with(request_class: type[Request]) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = LIMIT
    app.request_class = request_class

    @app.route("/", methods=["GET", "POST"])
    def echo():
        return json.dumps([sorted(request.form.lists()), sorted(request.files.lists()), len(request.files),
                           request.get_data().decode("latin-1")])

    return app


PLAIN, TOOL = app_with(Request), app_with(parsing.FormRequest)


class FailingStream(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        raise OSError("connection reset")


def answer(app: Flask, body: bytes, content_type: str | None, length: int | None, terminated: bool,
           stream: io.IOBase | None = None) -> tuple[int, str]:
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "SERVER_NAME": "tool.test", "SERVER_PORT": "443",
               "wsgi.url_scheme": "https", "wsgi.input": stream or io.BytesIO(body), "wsgi.errors": io.StringIO()}
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    if length is not None:
        environ["CONTENT_LENGTH"] = str(length)
    if terminated:
        environ["wsgi.input_terminated"] = True
    status: list[str] = []
    text = b"".join(app.wsgi_app(environ, lambda code, headers, exc_info=None: status.append(code)))
    return int(status[0].split()[0]), text.decode() if status[0].startswith("200") else ""


def same_answer(body: bytes, content_type: str | None = parsing.URLENCODED, length: int | None = -1,
                terminated: bool = False, stream_class=None) -> tuple[int, str]:
    length = len(body) if length == -1 else length
    plain = answer(PLAIN, body, content_type, length, terminated, stream_class and stream_class())
    tool = answer(TOOL, body, content_type, length, terminated, stream_class and stream_class())
    assert tool == plain, body
    return tool


@pytest.mark.parametrize("terminated", [False, True])
def test_lti_forms_read_as_werkzeug_reads_them(terminated):
    status, text = same_answer(b"id_token=eyJ.a-b_c.sig&state=abc%2Bdef+ghi&empty=&x=1&x=2", terminated=terminated)
    assert status == 200
    assert json.loads(text)[0] == [["empty", [""]], ["id_token", ["eyJ.a-b_c.sig"]], ["state", ["abc+def ghi"]],
                                   ["x", ["1", "2"]]]


def test_random_bodies_give_the_same_form_as_werkzeugs_parser():
    pieces = [b"a", b"=", b"&", b"+", b";", b"%", b"%2", b"%00", b"%ff", b"%C3%A9", b"\xc3\xa9", b"\xff", b"\x00",
              b" ", b"id_token", b"state", b"%3D", b"%26"]
    chance = random.Random(18)
    for _ in range(600):
        body = b"".join(chance.choice(pieces) for _ in range(chance.randrange(0, 12)))
        same_answer(body, terminated=chance.random() < 0.5)


@pytest.mark.parametrize("content_type", [None, "", "application/x-www-form-urlencoded; charset=utf-8",
                                          "Application/X-WWW-Form-Urlencoded", "text/plain", "application/json"])
def test_other_or_no_content_types_are_werkzeugs_to_read(content_type):
    same_answer(b"a=1&b=2", content_type=content_type)


def test_a_body_over_the_limit_is_refused_the_same_way():
    assert same_answer(b"a=" + b"x" * LIMIT)[0] == 413
    assert same_answer(b"a=" + b"x" * LIMIT, terminated=True)[0] == 413
    assert same_answer(b"a=" + b"x" * (LIMIT - 2))[0] == 200  # exactly the limit


@pytest.mark.parametrize("terminated", [False, True])
def test_a_body_shorter_than_its_length_is_answered_the_same_way(terminated):
    status, _ = same_answer(b"a=1&b=2", length=40, terminated=terminated)
    assert status == (200 if terminated else 400)


def test_a_body_longer_than_its_length_is_read_to_its_length_unless_the_server_ends_it():
    assert json.loads(same_answer(b"a=1&b=2", length=3)[1])[0] == [["a", ["1"]]]
    assert json.loads(same_answer(b"a=1&b=2", length=3, terminated=True)[1])[0] == [["a", ["1"]], ["b", ["2"]]]


def test_a_failing_read_is_the_client_gone_either_way():
    assert same_answer(b"a=1", stream_class=FailingStream)[0] == 400
    assert same_answer(b"a=1", stream_class=FailingStream, terminated=True)[0] == 400


def test_no_length_is_werkzeugs_to_read():
    same_answer(b"a=1", length=None)
    same_answer(b"a=1", length=None, terminated=True)


def test_a_nul_in_a_form_name_or_value_or_the_query_is_refused():
    app = app_with(parsing.FormRequest)
    app.before_request(lambda: parsing.refuse_nul(request._get_current_object()))
    client = app.test_client()
    for data in ("a=x%00y", "a%00=y", "a=x\x00y", "b=1&b=x%00"):
        assert client.post("/", data=data, content_type=parsing.URLENCODED).status_code == 400, data
    assert client.post("/?q=%00", data="a=1", content_type=parsing.URLENCODED).status_code == 400
    assert client.post("/", data="a=%2500&b=%0", content_type=parsing.URLENCODED).status_code == 200


@pytest.mark.parametrize("cookie", [None, "", "a=1", "__Host-cb_browser=abc-_1; __Host-cb_session=x", "a=1; a=2",
                                    'q="quoted \\"v\\""; b', "=x; ;; c=3", "n=caf\u00c3\u00a9", "a=1,b=2"])
def test_cookies_are_what_werkzeug_parses(cookie):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SERVER_NAME": "tool.test", "SERVER_PORT": "443",
               "wsgi.url_scheme": "https", "HTTP_USER_AGENT": "test", "HTTP_ACCEPT": "*/*"}
    if cookie is not None:
        environ["HTTP_COOKIE"] = cookie
    tool, plain = parsing.FormRequest(environ).cookies, Request(environ).cookies
    assert type(tool) is type(plain) and list(tool.items(multi=True)) == list(plain.items(multi=True))


def test_a_form_read_outside_the_app_is_werkzeugs_too():
    body = b"a=1&b=%C3%A9"
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "SERVER_NAME": "tool.test", "SERVER_PORT": "443",
               "wsgi.url_scheme": "https", "CONTENT_TYPE": parsing.URLENCODED, "CONTENT_LENGTH": str(len(body))}
    tool = parsing.FormRequest({**environ, "wsgi.input": io.BytesIO(body)})
    plain = Request({**environ, "wsgi.input": io.BytesIO(body)})
    assert list(tool.form.items(multi=True)) == list(plain.form.items(multi=True)) == [("a", "1"), ("b", "\u00e9")]


@pytest.mark.parametrize("request_class", [Request, parsing.FormRequest])
def test_an_uploaded_file_is_closed_when_the_request_ends(request_class):
    body = (b"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nfile\r\n"
            b"--b\r\nContent-Disposition: form-data; name=\"t\"\r\n\r\ntext\r\n--b--\r\n")
    app, kept = Flask(__name__), []
    app.request_class = request_class
    app.add_url_rule("/", "upload", lambda: kept.append(request.files["f"]) or "kept", methods=["POST"])
    assert answer(app, body, "multipart/form-data; boundary=b", len(body), False) == (200, "kept")
    assert kept[0].closed


@pytest.mark.parametrize("query", ["", "a=1", "a=1&a=2&b", "x=%00", "&&", "=", "a=%ff%fe+b", "cb_s=t&q=caf%C3%A9"])
def test_the_query_is_what_werkzeug_parses(query):
    """A request without a query gets its empty args without werkzeug's parse, of the same type
    (werkzeug's, with RequestParameters' ``get``)."""
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "QUERY_STRING": query, "SERVER_NAME": "tool.test",
               "SERVER_PORT": "443", "wsgi.url_scheme": "https"}
    tool, plain = parsing.FormRequest(environ).args, Request(environ).args
    assert type(tool) is parsing.RequestParameters and isinstance(tool, type(plain))
    assert list(tool.lists()) == list(plain.lists())


def test_a_parameter_is_read_as_werkzeug_reads_it_present_absent_repeated_or_converted():
    """``RequestParameters.get`` answers an absent name without werkzeug's caught exception;
    every answer is werkzeug's own, for the query and the form."""
    from werkzeug.datastructures import ImmutableMultiDict

    pairs = [("done", "rating"), ("page", "3"), ("page", "4"), ("empty", ""), ("n", "x1")]
    theirs, ours = ImmutableMultiDict(pairs), parsing.RequestParameters(pairs)
    for name in ("done", "page", "empty", "n", "undo", ""):
        for default in (None, "", "fallback"):
            for convert in (None, int, str.upper):
                assert ours.get(name, default, convert) == theirs.get(name, default, convert), (name, default, convert)
        assert ours.get(name) == theirs.get(name)
    with TOOL.test_request_context("/?done=rating&page=2", method="POST", data={"undo": "reflection-7"}):
        assert isinstance(request.args, parsing.RequestParameters) and isinstance(request.form, parsing.RequestParameters)
        assert (request.args.get("done"), request.args.get("page", type=int), request.args.get("undo", "")) == ("rating", 2, "")
        assert (request.form.get("undo"), request.form.get("done", "none")) == ("reflection-7", "none")
    with TOOL.test_request_context("/"):
        assert request.args.get("undo", "") == "" and isinstance(request.args, parsing.RequestParameters)
