"""The tool's own addresses (adapter/web/tool_links.tool_url), remembered per endpoint and what
they are built from, are what ``url_for`` builds afresh in each request: whatever host, scheme,
script root and method the request had before, with or without a public URL or a cookieless
session's token."""
from __future__ import annotations

import itertools
import random

import pytest
from flask import g, url_for

from adapter.config import Settings
from adapter.web import create_app
from adapter.web import tool_links

ENDPOINTS = ("lti.launch", "lti.login", "lti.jwks", "learner.home", "registration.register")  # lti.jwks: two rules
REQUESTS = list(itertools.product(
    ("http://localhost/", "https://localhost/", "http://tool.test:8443/", "https://TOOL.test/", "http://[::1]:5000/",
     "https://tool.test/prefix/", "https://tool.test/other/"),
    ("GET", "POST"),
    (None, "a-cookieless-session"),
))


@pytest.mark.parametrize("public_url", ["", "https://coachbridge.example.org"])
def test_each_address_is_the_one_url_for_builds_in_that_request(tmp_path, public_url):
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path), "COACHBRIDGE_PUBLIC_URL": public_url}))
    tool_links._TOOL_URLS.clear()
    asked = [*REQUESTS, *REQUESTS]  # each twice: the second time from what was remembered
    random.Random(18).shuffle(asked)
    for (base_url, method, token), endpoint in itertools.product(asked, ENDPOINTS):
        with app.test_request_context("/lti/login", base_url=base_url, method=method):
            if token:
                g.session_url_token = token
            expected = public_url + url_for(endpoint) if public_url else url_for(endpoint, _external=True)
            assert tool_links.tool_url(endpoint) == expected, (base_url, method, token, endpoint)
            assert ("cb_s=" in expected) == bool(token)
    assert len(tool_links._TOOL_URLS) > len(ENDPOINTS)  # remembered, per request's address


def test_a_request_whose_host_was_refused_gets_what_url_for_says(tmp_path):
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path)}), TRUSTED_HOSTS=["tool.test"])
    with app.test_request_context("/lti/login", base_url="http://elsewhere.test/"):
        with pytest.raises(Exception) as built:  # Flask 3.1: its URL adapter is None
            url_for("lti.launch", _external=True)
        with pytest.raises(type(built.value)):
            tool_links.tool_url("lti.launch")
