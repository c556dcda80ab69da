"""The form's CSRF field is made once per request and token (auth.csrf_field keeps it on ``g``):
a session changed within the request (a launch starting one, sign-out ending it) is followed."""
from __future__ import annotations

from types import SimpleNamespace

from flask import g

from adapter.config import Settings
from adapter.web import create_app
from adapter.web.auth import csrf_field


def _field(token: str) -> str:
    return f'<input type="hidden" name="csrf_token" value="{token}">'


def test_the_field_follows_the_request_s_session(tmp_path):
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path)}))
    with app.test_request_context("/"):
        g.web_session = None
        assert csrf_field() == _field("")
        g.web_session = SimpleNamespace(csrf_token="first-token")
        assert csrf_field() == _field("first-token")
        assert csrf_field() is csrf_field()  # kept within the request
        g.web_session = SimpleNamespace(csrf_token='second"<token>')
        assert csrf_field() == _field("second&#34;&lt;token&gt;")
        g.web_session = None
        assert csrf_field() == _field("")
    with app.test_request_context("/"):  # another request keeps nothing of the last one's
        g.web_session = SimpleNamespace(csrf_token="third-token")
        assert csrf_field() == _field("third-token")
