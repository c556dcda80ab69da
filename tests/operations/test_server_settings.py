"""gunicorn's settings through adapter.server_settings: every setting reads as gunicorn reads it,
a value set afterwards is read afresh, and a name that is not a setting is refused as before."""
from __future__ import annotations

import pytest
from gunicorn.config import Config
from gunicorn.http.message import Request
from gunicorn.http.unreader import IterUnreader

from adapter import server_settings


@pytest.fixture
def installed(monkeypatch):
    monkeypatch.setattr(Config, "__getattr__", server_settings._gunicorns_getattr)  # put back after the test
    monkeypatch.setattr(Config, "set", server_settings._gunicorns_set)
    server_settings.install()


def read_all(cfg: Config) -> dict:
    """Every setting as an attribute (a property of the same name first, as Python looks it up)."""
    return {name: getattr(cfg, name) for name in sorted(cfg.settings)} | {
        "is_ssl": cfg.is_ssl, "forwarded_allow_networks": cfg.forwarded_allow_networks()}


def test_every_setting_reads_as_gunicorn_reads_it_and_again_from_what_was_kept(monkeypatch):
    theirs = read_all(Config())
    server_settings.install()
    try:
        cfg = Config()
        assert read_all(cfg) == theirs
        assert "keepalive" in vars(cfg)  # kept: read without Config.__getattr__
        assert read_all(cfg) == theirs
    finally:
        Config.__getattr__, Config.set = server_settings._gunicorns_getattr, server_settings._gunicorns_set


def test_a_value_set_after_it_was_read_is_read_afresh(installed):
    cfg = Config()
    assert (cfg.keepalive, cfg.is_ssl, cfg.strip_header_spaces) == (2, None, False)
    cfg.set("keepalive", "7")
    cfg.set("certfile", __file__)
    cfg.set("strip_header_spaces", True)
    assert (cfg.keepalive, cfg.is_ssl, cfg.strip_header_spaces) == (7, __file__, True)


def test_a_name_that_is_no_setting_is_refused_as_gunicorn_refuses_it(installed):
    cfg = Config()
    with pytest.raises(AttributeError, match="No configuration setting for: no_such_setting"):
        cfg.no_such_setting  # noqa: B018
    assert getattr(cfg, "no_such_setting", "default") == "default"
    with pytest.raises(AttributeError, match="No configuration setting for: no_such_setting"):
        cfg.set("no_such_setting", 1)
    with pytest.raises(AttributeError, match="Invalid access!"):
        cfg.keepalive = 3
    with pytest.raises(AttributeError):
        server_settings.read_setting(cfg, "settings")


def test_a_request_is_parsed_the_same_with_settings_kept(installed, monkeypatch):
    data = b"GET /lti/login?a=1 HTTP/1.1\r\nHost: tool.test\r\nX-Spaced : yes\r\nX-Forwarded-Proto: https\r\n\r\n"

    def parsed(cfg: Config):
        try:
            found = Request(cfg, IterUnreader(iter([data])), ("127.0.0.1", 5000))
        except Exception as error:  # noqa: BLE001 - compared
            return type(error).__name__
        return found.method, found.path, found.query, found.headers, found.scheme

    kept = [Config(), Config()]
    for cfg in kept:
        cfg.set("http_parser", "python")
    kept[1].set("strip_header_spaces", True)
    answers = [parsed(cfg) for cfg in kept for _ in range(2)]
    monkeypatch.setattr(Config, "__getattr__", server_settings._gunicorns_getattr)
    theirs = [Config(), Config()]
    for cfg in theirs:
        cfg.set("http_parser", "python")
    theirs[1].set("strip_header_spaces", True)
    assert answers == [parsed(cfg) for cfg in theirs for _ in range(2)]
    assert answers[0] != answers[2]  # the spaced header refused without strip_header_spaces
