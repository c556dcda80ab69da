"""The tool's cookies cannot be planted by a neighbour: a sibling subdomain could set a
``Domain=`` cookie of the same name (its own session, its own browser id) for the victim;
a ``__Host-`` cookie the browser takes only from this host, Secure, for Path=/."""
from __future__ import annotations

import time

from adapter.persistence.session_store import create_session
from adapter.services.admin_access import issue_admin_link


def test_the_session_cookie_is_host_only_secure_httponly_partitioned(world):
    answer = world.app.test_client().get(f"/admin/sign-in/{issue_admin_link(world.engine, time.time())}")
    assert answer.status_code == 303
    [cookie] = answer.headers.getlist("Set-Cookie")
    name, _, attributes = cookie.partition("=")
    flags = {part.strip().split("=")[0].lower(): part.strip() for part in attributes.split(";")[1:]}
    assert name == "__Host-cb_session"
    assert {"secure", "httponly", "partitioned", "path", "samesite"} <= set(flags)
    assert flags["path"] == "Path=/" and flags["samesite"] == "SameSite=None" and "domain" not in flags


def test_a_planted_cookie_without_the_prefix_opens_nothing(world):
    client = world.app.test_client()
    client.set_cookie("cb_session", world.sessions["admin"], domain="localhost")
    assert client.get("/admin/").status_code == 401


def test_a_session_in_a_link_from_another_site_opens_nothing(world):
    """A cookieless (platform storage) session travels in the tool's own links; the same
    link followed from another site would put the visitor in the sender's session."""
    with world.engine.begin() as conn:
        token = create_session(conn, now=time.time(), lifetime=3600, person_id=world.ids["learner"],
                               platform_id=world.platform_id, context_pk=None, resource_link_pk=None,
                               app_role="learner", app_roles=["learner"],
                               launch={"message_type": "LtiResourceLinkRequest", "session_in_urls": True})
    client = world.app.test_client()
    assert client.get("/learner/", query_string={"cb_s": token},
                      headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200
    for site in ("cross-site", "same-site"):
        assert client.get("/learner/", query_string={"cb_s": token},
                          headers={"Sec-Fetch-Site": site}).status_code == 401


def test_cookies_are_written_as_werkzeug_writes_them():
    """The tool writes its Set-Cookie headers itself: the same text werkzeug's set_cookie gives
    for the same attributes (a session token, a browser id, a dropped cookie, a value needing quotes)."""
    import secrets

    from flask import Flask, Response

    from adapter.web.auth import set_cookie

    with Flask(__name__).app_context():
        for name, value, max_age in [("__Host-cb_session", secrets.token_urlsafe(32), 28800),
                                     ("__Host-cb_browser", secrets.token_urlsafe(24), 600),
                                     ("__Host-cb_session", "", 0), ("__Host-cb_form", 'a b;"c', 1800)]:
            for _attempt in range(3):  # both must be made within one second (Expires)
                ours, theirs = Response(), Response()
                set_cookie(ours, name, value, max_age)
                theirs.set_cookie(name, value, max_age=max_age, path="/", secure=True, httponly=True,
                                  samesite="None", partitioned=True)
                if ours.headers.getlist("Set-Cookie") == theirs.headers.getlist("Set-Cookie"):
                    break
            else:
                raise AssertionError(f"{ours.headers.getlist('Set-Cookie')} != {theirs.headers.getlist('Set-Cookie')}")
