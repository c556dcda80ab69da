"""gunicorn's ``wsgi.errors`` through adapter.server_errors: installed, every request's environ
has it; what is written goes to the streams gunicorn's own wrapper writes to (the error log on
standard error, in a file, in both, none), text as gunicorn writes it; a wrapper made before the
error log is reopened writes to the reopened file."""
from __future__ import annotations

import io
import logging
import sys

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger
from gunicorn.http import wsgi

from adapter import server_errors


@pytest.fixture
def installed(monkeypatch):
    monkeypatch.setattr(wsgi, "WSGIErrorsWrapper", server_errors._gunicorns)  # put back after the test
    server_errors.install()


@pytest.fixture
def error_log():
    """gunicorn's error logger's handlers, put back after the test (gunicorn's Logger replaces them)."""
    logger = logging.getLogger("gunicorn.error")
    handlers = list(logger.handlers)
    yield
    for handler in logger.handlers:
        if handler not in handlers:
            handler.close()
    logger.handlers[:] = handlers


def _config(errorlog: str) -> Config:
    cfg = Config()
    cfg.set("errorlog", errorlog)
    Logger(cfg)  # sets up gunicorn.error's handlers as a worker has them
    return cfg


@pytest.mark.parametrize("where", ["-", "file", "file and a stream handler", "no stream"])
def test_writes_go_where_gunicorns_go(tmp_path, monkeypatch, error_log, where):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    cfg = _config("-" if where == "-" else str(tmp_path / "error.log"))
    logger = logging.getLogger("gunicorn.error")
    if where == "file and a stream handler":
        logger.addHandler(logging.StreamHandler(io.StringIO()))
    if where == "no stream":
        logger.handlers[:] = [logging.NullHandler()]
    gunicorns, ours = server_errors._gunicorns(cfg), server_errors.ErrorsWhenWritten(cfg)
    assert isinstance(ours, io.RawIOBase)
    assert ours.streams == gunicorns.streams and ours.streams is ours.streams
    for text in ("plain\n", "caf\u00e9 \u2603\n"):
        before = [_written(stream) for stream in gunicorns.streams]
        gunicorns.write(text)
        once = [_written(stream) for stream in gunicorns.streams]
        ours.write(text)
        twice = [_written(stream) for stream in gunicorns.streams]
        assert [b + 2 * (o[len(b):]) for b, o in zip(before, once)] == twice


def _written(stream) -> str:
    if isinstance(stream, io.StringIO):
        return stream.getvalue()
    return open(stream.name, encoding="utf-8").read()


def test_installed_every_environ_has_it(installed, error_log):
    cfg = _config("-")
    errors = wsgi.base_environ(cfg)["wsgi.errors"]
    assert type(errors) is server_errors.ErrorsWhenWritten and errors.streams == server_errors._gunicorns(cfg).streams


def test_made_before_a_reopen_written_after(tmp_path, error_log):
    cfg = _config(str(tmp_path / "error.log"))
    ours = server_errors.ErrorsWhenWritten(cfg)
    (tmp_path / "error.log").rename(tmp_path / "error.log.1")  # log rotation, then USR1
    Logger(cfg).reopen_files()
    ours.write("after the reopen\n")
    assert (tmp_path / "error.log").read_text() == "after the reopen\n"
    assert "after the reopen" not in (tmp_path / "error.log.1").read_text()
