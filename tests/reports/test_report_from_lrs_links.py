"""`coachbridge report --from-lrs URL` reads the LRS the tool operator named, wherever it
is (here on 127.0.0.1, which the deliveries to a platform admin's LRS would refuse): the
operator runs the command and may reach any address. The LRS's answers do not steer the
reader elsewhere: a ``more`` link to another server is not followed, so the LRS
credentials go only to the server named. Real servers on 127.0.0.1 play the LRS and the
other server."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from adapter.cli import main

PASSWORD = "report-s3cret"


class PagingLrs:
    """Answers ``GET statements`` with one statement per page; the first page's ``more`` is
    what the test sets. Remembers each request's path and Authorization header."""

    def __init__(self) -> None:
        self.more = ""
        self.seen: list[tuple[str, str | None]] = []
        lrs = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                lrs.seen.append((self.path, self.headers.get("Authorization")))
                second = "page=2" in self.path
                statement = {"id": f"00000000-0000-4000-8000-00000000000{2 if second else 1}",
                             "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                             "object": {"id": "https://coach.example.org/activities/1"},
                             "actor": {"mbox": "mailto:a@example.org"}}
                body = json.dumps({"statements": [statement], "more": "" if second else lrs.more}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.endpoint = f"{self.origin}/xapi/"
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def lrs(monkeypatch):
    monkeypatch.setenv("COACHBRIDGE_LRS_PASSWORD", PASSWORD)
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.delenv(name, raising=False)
    server = PagingLrs()
    yield server
    server.stop()


@pytest.fixture
def other_server():
    server = PagingLrs()
    yield server
    server.stop()


def report(lrs: PagingLrs) -> int:
    return main(["report", "--from-lrs", lrs.endpoint, "--username", "reader", "--as-of", "2026-06-30"])


@pytest.mark.parametrize("more", ["/xapi/statements?page=2", "{origin}/xapi/statements?page=2"])
def test_the_next_page_on_the_lrs_itself_is_read(lrs, capsys, more):
    lrs.more = more.format(origin=lrs.origin)
    assert report(lrs) == 0
    assert f"from 2 statements from {lrs.endpoint}" in capsys.readouterr().out
    assert [path.split("?")[0] for path, _ in lrs.seen] == ["/xapi/statements", "/xapi/statements"]
    assert all(authorization.startswith("Basic ") for _, authorization in lrs.seen)


def test_a_next_page_on_another_server_is_not_followed(lrs, other_server, capsys):
    lrs.more = f"{other_server.endpoint}statements?page=2"
    assert report(lrs) == 1
    error = capsys.readouterr().err
    assert error.strip() == (f"coachbridge report: the LRS's link to the next page of statements leads to another "
                             f"server ({other_server.origin}), which is not followed")
    assert other_server.seen == []  # nor the credentials
    assert len(lrs.seen) == 1


def test_an_lrs_that_does_not_answer_is_said_plainly(lrs, capsys):
    endpoint = lrs.endpoint
    lrs.stop()
    assert main(["report", "--from-lrs", endpoint]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"coachbridge report: {endpoint} could not be read (ConnectionError")
    assert "Traceback" not in error
