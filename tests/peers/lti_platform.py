"""The tool and the demo LMS served over HTTP on 127.0.0.1, and a browser-like client.

The LMS is the real ``lti1p3platform`` peer from adapter/demo/lms.py; the tool is the
real Flask app on a fresh SQLite file. Both run threaded (the LMS fetches the tool's
JWKS while the tool waits on it during service calls).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import select

from adapter.config import Settings
from adapter.demo.run import register_demo_lms
from adapter.demo.lms import DemoLMS
from adapter.demo.local_server import ServerThread
from adapter.persistence.session_store import token_hash
from adapter.persistence.tables import platforms, web_sessions
from adapter.web import create_app
from adapter.web.auth import SESSION_COOKIE


class LoopbackSecureCookies(DefaultCookiePolicy):
    """Browsers treat http://localhost and 127.0.0.1 as secure contexts; http.cookiejar does not."""

    def return_ok_secure(self, cookie, request):
        return True


class Browser(requests.Session):
    """A cookie-keeping client that, like a browser, sends Secure cookies to loopback hosts.

    requests copies the session's cookies into a fresh jar per request (and per redirect),
    losing the jar's policy, so the policy is put back on that per-request jar.
    """

    def __init__(self) -> None:
        super().__init__()
        self.cookies.set_policy(LoopbackSecureCookies())

    def prepare_request(self, request):
        prepared = super().prepare_request(request)
        prepared._cookies.set_policy(self.cookies.get_policy())
        prepared.headers.pop("Cookie", None)
        prepared.prepare_cookies(prepared._cookies)
        return prepared


def browser() -> requests.Session:
    return Browser()


@dataclass
class Peers:
    app: object
    lms: DemoLMS
    tool_url: str
    lms_url: str
    tool_server: ServerThread
    lms_server: ServerThread

    def stop(self) -> None:
        self.tool_server.stop()
        self.lms_server.stop()

    @property
    def engine(self):
        return self.app.extensions["coachbridge"].engine


def demo_platform_id(peers: Peers) -> int:
    """The demo LMS's registration. Other tests register more platforms, some under the same
    issuer with the same people and course (tests/registration): look those up on this one."""
    with peers.engine.connect() as conn:
        return conn.execute(select(platforms.c.id).where(platforms.c.issuer == peers.lms.issuer,
                                                         platforms.c.client_id == peers.lms.client_id)).scalar_one()


def start_peers(instance: Path, database_url: str | None = None) -> Peers:
    # Every peer here is on 127.0.0.1: registration fetches must be allowed to reach it.
    # The pseudo-locales are on: tests/browser/test_languages_in_browser.py walks the pages in them.
    environ = {"COACHBRIDGE_INSTANCE": str(instance), "COACHBRIDGE_ALLOW_PRIVATE_ADDRESSES": "1",
               "COACHBRIDGE_PSEUDO_LOCALES": "1"}
    if database_url:
        environ["DATABASE_URL"] = database_url
    settings = Settings.from_env(environ)
    app = create_app(settings)
    tool_server = ServerThread(app, host="127.0.0.1").start()
    lms_server = ServerThread(host="127.0.0.1")
    tool_url, lms_url = f"http://localhost:{tool_server.port}", f"http://127.0.0.1:{lms_server.port}"
    lms = DemoLMS(lms_url=lms_url, tool_url=tool_url)
    lms_server.app = lms.create_app()
    lms_server.start()
    register_demo_lms(app, lms)
    return Peers(app, lms, tool_url, lms_url, tool_server, lms_server)


FORM_FIELD = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')
FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')


def auto_post_form(html: str) -> tuple[str, dict[str, str]]:
    action = FORM_ACTION.search(html)
    assert action, f"no auto-post form in: {html[:300]}"
    return unescape(action.group(1)), {k: unescape(v) for k, v in FORM_FIELD.findall(html)}


def full_launch(peers: Peers, user_id: str, link_id: str = "rl-feedback",
                client: requests.Session | None = None) -> requests.Response:
    """Login initiation → LMS authorization → id_token POST, as a browser does; the tool
    answers the POST with the landing page itself."""
    client = client or browser()
    form_page = client.get(peers.lms.login_url(user_id, link_id))
    assert form_page.status_code == 200, form_page.text
    action, fields = auto_post_form(form_page.text)
    return client.post(action, data=fields)


@dataclass
class StartedLogin:
    client: requests.Session
    state: str
    nonce: str


def start_login(peers: Peers, user_id: str = "learner-ana", link_id: str = "rl-feedback",
                client: requests.Session | None = None) -> StartedLogin:
    """Only the first step: the tool's redirect gives us the state and nonce it issued."""
    client = client or browser()
    response = client.get(peers.lms.login_url(user_id, link_id), allow_redirects=False)
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    return StartedLogin(client, query["state"][0], query["nonce"][0])


def post_launch(peers: Peers, login: StartedLogin, id_token: str, state: str | None = None) -> requests.Response:
    return login.client.post(peers.tool_url + "/lti/launch",
                             data={"id_token": id_token, "state": login.state if state is None else state},
                             allow_redirects=False)


def launch_session(peers: Peers, response: requests.Response) -> dict:
    """The stored session behind the cookie a launch response set; the cookie must be
    fit for an LMS iframe (Secure, HttpOnly, SameSite=None, Partitioned)."""
    cookies = [c for c in response.raw.headers.getlist("Set-Cookie") if c.startswith(SESSION_COOKIE + "=")]
    assert len(cookies) == 1, response.raw.headers.getlist("Set-Cookie")
    attributes = {part.strip().split("=")[0].lower(): part.strip() for part in cookies[0].split(";")[1:]}
    assert {"secure", "httponly", "partitioned"} <= attributes.keys(), cookies[0]
    assert attributes["samesite"] == "SameSite=None" and attributes["path"] == "Path=/", cookies[0]
    token = cookies[0].split(";", 1)[0].split("=", 1)[1]
    with peers.engine.connect() as conn:
        return dict(conn.execute(select(web_sessions).where(web_sessions.c.token_hash == token_hash(token)))
                    .mappings().one())


def operator_browser(peers: Peers, monkeypatch, capsys) -> requests.Session:
    """A browser signed in as a tool operator, with the CLI's one-time link (the CLI
    pointed at the running tool's database)."""
    from adapter.cli import main

    monkeypatch.setenv("DATABASE_URL", peers.engine.url.render_as_string(hide_password=False))
    assert main(["admin", "link", "--base-url", peers.tool_url]) == 0
    client = browser()
    assert client.get(capsys.readouterr().out.strip()).status_code == 200
    return client


def error_code(response: requests.Response) -> str:
    match = re.search(r"Error code: <code>([a-z_]+)</code>", response.text)
    return match.group(1) if match else ""
