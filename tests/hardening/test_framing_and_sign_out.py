"""Content-Security-Policy on every page (the registered LMS may frame the tool, no other
site may), and signing out ending the session on the server."""
from __future__ import annotations

import base64
import hashlib
import re
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapter.persistence.session_store import token_hash
from adapter.persistence.tables import web_sessions
from adapter.web.auth import SESSION_COOKIE
from adapter.web.content_policy import SELF_CONTAINED_TEMPLATES
from tests.peers.lti_platform import browser, full_launch

TEMPLATES = Path(__file__).parents[2] / "adapter" / "web" / "templates"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def policy(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy", "")
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


def launched(peers, user_id: str = "learner-ana"):
    client = browser()
    page = full_launch(peers, user_id, client=client)
    assert page.status_code == 200, page.text[:300]
    return client, page


def test_pages_load_scripts_and_styles_from_the_tool_only(peers):
    client, landing = launched(peers)
    for response in (landing, client.get(peers.tool_url + "/learner/"), client.get(peers.tool_url + "/"),
                     client.get(peers.tool_url + "/admin/"), client.get(peers.tool_url + "/no-such-page")):
        rules = policy(response)
        assert rules["script-src"] == "script-src 'self'", response.url
        assert rules["style-src"].split()[:2] == ["style-src", "'self'"] and "unsafe" not in rules["style-src"]
        assert rules["default-src"] == "default-src 'self'" and rules["object-src"] == "object-src 'none'"


def test_only_the_registered_lms_may_frame_the_tool(peers):
    _, landing = launched(peers)
    ancestors = policy(landing)["frame-ancestors"].split()[1:]
    assert peers.lms_url in ancestors and "'self'" in ancestors
    assert "*" not in ancestors and not any("evil" in a for a in ancestors)
    assert all(re.fullmatch(r"'self'|https?://[A-Za-z0-9.\[\]:-]+", a) for a in ancestors), ancestors


def test_a_registration_page_may_be_framed_by_the_lms_registering_only(peers):
    answer = browser().get(peers.tool_url + "/lti/register",
                           params={"openid_configuration": "https://lms.example.net/openid-configuration"})
    assert "https://lms.example.net" in policy(answer)["frame-ancestors"]
    elsewhere = browser().get(peers.tool_url + "/", params={"openid_configuration": "https://lms.example.net/x"})
    assert "lms.example.net" not in policy(elsewhere)["frame-ancestors"]


def test_a_hostile_address_cannot_add_directives(peers):
    answer = browser().get(peers.tool_url + "/lti/register",
                           params={"openid_configuration": "https://a.example.net;script-src *"})
    assert policy(answer)["script-src"] == "script-src 'self'" and "a.example.net" not in answer.headers[
        "Content-Security-Policy"]


def test_no_template_holds_inline_script_or_style():
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        inline_scripts = [tag for tag in re.findall(r"<script\b[^>]*>", text)
                          if "src=" not in tag and 'type="application/json"' not in tag]
        assert not inline_scripts, f"{template.name}: {inline_scripts}"
        assert template.name in SELF_CONTAINED_TEMPLATES or "<style" not in text, template.name
        assert not re.search(r"\sstyle=", text), template.name
        assert not re.search(r"\son[a-z]+=", text), f"{template.name}: inline event handler"


def test_a_self_contained_page_has_its_style_block_allowed_by_its_hash_only(peers):
    client, _ = launched(peers)
    export = client.get(peers.tool_url + "/learner/my-data.html")
    block = re.search(r"<style>(.*?)</style>", export.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(block.encode()).digest()).decode()
    assert policy(export)["style-src"] == f"style-src 'self' 'sha256-{digest}'"


def test_every_signed_in_page_offers_sign_out_which_ends_the_session(peers):
    client, landing = launched(peers)
    token = client.cookies.get(SESSION_COOKIE)
    assert 'action="/sign-out"' in landing.text and ">Sign out</button>" in landing.text
    csrf = unescape(CSRF.search(landing.text).group(1))
    copied = browser()  # the same cookie, kept by someone else
    copied.cookies.set(SESSION_COOKIE, token)
    assert copied.get(peers.tool_url + "/learner/").status_code == 200

    refused = client.post(peers.tool_url + "/sign-out", data={})
    assert refused.status_code == 403  # a cross-site form cannot sign people out either

    signed_out = client.post(peers.tool_url + "/sign-out", data={"csrf_token": csrf})
    assert signed_out.status_code == 200 and "You are signed out" in signed_out.text
    assert "Sign out</button>" not in signed_out.text
    with peers.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(web_sessions)
                            .where(web_sessions.c.token_hash == token_hash(token))).scalar_one() == 0

    assert copied.get(peers.tool_url + "/learner/").status_code == 401


def test_each_session_s_pages_carry_its_own_csrf_token_only(peers):
    """The header (sections, language switcher, sign-out) is kept once rendered
    (navigation.page_header) for every page like it: the same person launching twice gets
    the same page, except that each session's forms carry that session's token alone."""
    (first, first_page), (second, second_page) = launched(peers), launched(peers)
    for client in (first, second):  # a GET of the same page, after the POST that landed on it
        page = client.get(peers.tool_url + "/learner/")
        tokens = {unescape(t) for t in CSRF.findall(page.text)}
        with peers.engine.connect() as conn:
            stored = conn.execute(select(web_sessions.c.csrf_token).where(
                web_sessions.c.token_hash == token_hash(client.cookies.get(SESSION_COOKIE)))).scalar_one()
        assert tokens == {stored}, tokens
        assert page.text.count("csrf_token") >= 3  # the language switcher's, sign-out's, the page's own forms
    assert CSRF.sub("", first_page.text) == CSRF.sub("", second_page.text)
    assert CSRF.search(first_page.text).group(1) != CSRF.search(second_page.text).group(1)


@pytest.mark.parametrize("path", ["/", "/lti/jwks", "/healthz"])
def test_pages_without_a_session_offer_no_sign_out(peers, path):
    assert "Sign out" not in browser().get(peers.tool_url + path).text


def test_every_answer_carries_the_strict_headers_unless_its_view_set_one(peers):
    client, landing = launched(peers)
    jwks = client.get(peers.tool_url + "/lti/jwks")  # a public key set: cached by its own Cache-Control
    for response, cache in ((landing, "no-store"), (client.get(peers.tool_url + "/healthz"), "no-store"),
                            (jwks, "public, max-age=300")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.raw.headers.getlist("Cache-Control") == [cache]


def test_the_strict_headers_are_what_setdefault_gives_in_one_pass():
    from flask import Response

    from adapter.web.auth import SECURE_HEADERS, add_secure_headers
    from adapter.web.responses import header_names

    for view_set in ([], [("cache-control", "public, max-age=300")], [("Referrer-Policy", "origin"), ("X-A", "1")],
                     [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "same-origin")]):
        ours, expected = Response("x"), Response("x")
        for name, value in view_set:
            ours.headers.add(name, value)
            expected.headers.add(name, value)
        for name, value in SECURE_HEADERS:
            expected.headers.setdefault(name, value)
        names = header_names(ours.headers)
        assert list(add_secure_headers(ours, names).headers) == list(expected.headers)
        assert names == header_names(expected.headers)
