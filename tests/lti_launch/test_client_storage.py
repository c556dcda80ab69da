"""Launches whose cookie does not come back inside the LMS iframe, over HTTP: the cookie
probe, the client-side storage pages and what the validator makes of the value the
platform hands back; the decisions of lti/client_storage.py on their own.

A plain ``requests`` session keeps no Secure cookie for http://localhost: it is the
browser that drops the tool's cookie. The platform frame's part (postMessage) is played
by the test; Chromium plays it for real in tests/browser/test_client_storage.py.
"""
from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests

from adapter.web.auth import BROWSER_COOKIE, SESSION_COOKIE
from lti import client_storage as cs
from lti.storage import PendingLogin
from tests.peers.lti_platform import auto_post_form, browser, error_code

FRAMED = {"Sec-Fetch-Dest": "iframe"}
HEADING = "<h1>Giving feedback: apply it at work</h1>"


def page_data(response) -> dict:
    match = re.search(r'<script type="application/json" id="lti-storage-data">(.*?)</script>', response.text, re.S)
    assert match, response.text[:500]
    return json.loads(match.group(1))


def storage_login(peers, user="learner-ana", target=None):
    """A framed login whose cookie is dropped: the probe, then the storage login page."""
    client = requests.Session()
    url = peers.lms.login_url(user, "rl-feedback", storage=True)
    if target is not None:
        url = url.replace("lti_storage_target=lti_storage_frame", "lti_storage_target=" + quote(target))
    probe = client.get(url, headers=FRAMED, allow_redirects=False)
    assert probe.status_code == 302 and "cb_cookie_probe=1" in probe.headers["Location"]
    assert "Partitioned" in probe.headers["Set-Cookie"]
    page = client.get(probe.headers["Location"], headers=FRAMED, allow_redirects=False)
    assert page.status_code == 200, page.text
    return client, page


def platform_launch(peers, client, data):
    """What the page does once the frame stored the value: the platform's authorization,
    whose auto-posting form reaches the tool without the cookie."""
    form_page = client.get(data["next"])
    assert form_page.status_code == 200, form_page.text
    action, fields = auto_post_form(form_page.text)
    return action, fields, client.post(action, data=fields, allow_redirects=False)


def test_login_page_stores_a_per_state_secret_in_the_platform_frame(peers):
    client, page = storage_login(peers)
    data = page_data(page)
    state = parse_qs(urlsplit(data["next"]).query)["state"][0]
    assert data["next"].startswith(peers.lms.auth_login_url + "?")
    assert data["platform_origin"] == peers.lms_url and data["target"] == "lti_storage_frame"
    assert data["capabilities"] == {"subject": "lti.capabilities"}
    assert data["request"] == {"subject": "lti.put_data", "key": "coachbridge_login_" + state,
                               "value": data["request"]["value"]}
    assert data["response_subject"] == "lti.put_data.response" and 1000 <= data["timeout_ms"] <= 2000
    assert state.startswith("cs.") and len(data["request"]["value"]) >= 32
    assert "Set-Cookie" not in page.headers
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert 'href="/static/lti_storage.js"' not in page.text and 'src="/static/lti_storage.js"' in page.text
    # The fallback is there, hidden, and opens the login again (without the probe) on its own.
    link = unescape(re.search(r'id="new-window" href="([^"]+)"', page.text).group(1))
    assert "cb_cookie_probe" not in link and "login_hint=learner-ana" in link


def test_launch_reads_the_value_back_then_is_accepted_once(peers):
    client, page = storage_login(peers)
    data = page_data(page)
    action, fields, launch_page = platform_launch(peers, client, data)
    assert launch_page.status_code == 200 and HEADING not in launch_page.text
    read = page_data(launch_page)
    assert read["request"] == {"subject": "lti.get_data", "key": data["request"]["key"]}
    assert read["platform_origin"] == peers.lms_url and read["field"] == "lti_storage_value"
    assert read["target"] == "lti_storage_frame"  # the platform sent it with the launch
    assert "script-src 'self'" in launch_page.headers["Content-Security-Policy"]

    posted = {"id_token": fields["id_token"], "state": fields["state"], "lti_storage_value": data["request"]["value"]}
    landed = client.post(action, data=posted, allow_redirects=False)
    assert landed.status_code == 200 and HEADING in landed.text
    again = client.post(action, data=posted, allow_redirects=False)
    assert again.status_code == 400 and error_code(again) == "launch_already_used"


@pytest.mark.parametrize("value, code", [("", "state_storage_missing"), ("another-browser", "state_mismatch")])
def test_launch_with_a_missing_or_wrong_value_is_refused_and_the_login_kept(peers, value, code):
    client, page = storage_login(peers)
    data = page_data(page)
    action, fields, _ = platform_launch(peers, client, data)
    refused = client.post(action, data={**fields, "lti_storage_value": value}, allow_redirects=False)
    assert refused.status_code == 401 and error_code(refused) == code
    landed = client.post(action, data={**fields, "lti_storage_value": data["request"]["value"]})
    assert landed.status_code == 200 and HEADING in landed.text


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"},
                                     {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
                                     {"Sec-Fetch-Site": "same-site"}])
def test_the_value_is_taken_only_from_the_tools_own_page(peers, headers):
    """Another site's form posting an id_token, state and value the attacker got in their
    own browser (login CSRF) is refused; the login stays usable by its own page."""
    client, page = storage_login(peers)
    data = page_data(page)
    action, fields, _ = platform_launch(peers, client, data)
    posted = {**fields, "lti_storage_value": data["request"]["value"]}
    forged = requests.post(action, data=posted, headers=headers, allow_redirects=False)
    assert forged.status_code == 403 and error_code(forged) == "state_storage_cross_site"
    own = client.post(action, data=posted, headers={"Sec-Fetch-Site": "same-origin", "Origin": peers.tool_url})
    assert own.status_code == 200 and HEADING in own.text


def test_a_storage_login_ignores_cookies(peers):
    """Only the channel the login chose counts: a browser cookie does not stand in for
    the value (the page is shown again), nor does the value of another login."""
    client, page = storage_login(peers)
    data = page_data(page)
    action, fields, _ = platform_launch(peers, client, data)
    other_client, other_page = storage_login(peers)
    cookie_browser = browser()
    cookie_browser.get(peers.lms.login_url("learner-ana", "rl-feedback"), allow_redirects=False)
    assert BROWSER_COOKIE in cookie_browser.cookies
    shown = cookie_browser.post(action, data=fields, allow_redirects=False)
    assert shown.status_code == 200 and page_data(shown)["request"]["subject"] == "lti.get_data"
    foreign_value = {**fields, "lti_storage_value": page_data(other_page)["request"]["value"]}
    assert error_code(client.post(action, data=foreign_value, allow_redirects=False)) == "state_mismatch"


def test_cookie_state_ignores_a_storage_value(peers):
    """A cookie-bound login is not finished with a value posted in the form."""
    client = browser()
    form_page = client.get(peers.lms.login_url("learner-ben", "rl-feedback"))
    action, fields = auto_post_form(form_page.text)
    stranger = requests.post(action, data={**fields, "lti_storage_value": "anything"}, allow_redirects=False)
    assert stranger.status_code == 401 and error_code(stranger) == "state_cookie_missing"
    assert client.post(action, data=fields).status_code == 200


def test_cookie_kept_in_the_frame_means_the_plain_redirect(peers):
    client = browser()  # keeps the cookie, as Chromium keeps a Partitioned one
    url = peers.lms.login_url("learner-ana", "rl-feedback", storage=True)
    probe = client.get(url, headers=FRAMED, allow_redirects=False)
    assert probe.status_code == 302 and "cb_cookie_probe=1" in probe.headers["Location"]
    redirect = client.get(probe.headers["Location"], headers=FRAMED, allow_redirects=False)
    assert redirect.status_code == 302 and redirect.headers["Location"].startswith(peers.lms.auth_login_url)
    state = parse_qs(urlsplit(redirect.headers["Location"]).query)["state"][0]
    assert not state.startswith("cs.")
    action, fields = auto_post_form(client.get(redirect.headers["Location"]).text)
    assert HEADING in client.post(action, data=fields).text
    # The next launch in this frame sends the cookie at once: no probe.
    assert client.get(url, headers=FRAMED, allow_redirects=False).headers["Location"].startswith(
        peers.lms.auth_login_url)


def test_no_storage_offered_and_no_cookie_offers_a_new_window(peers):
    client = requests.Session()
    url = peers.lms.login_url("learner-ana", "rl-feedback")
    probe = client.get(url, headers=FRAMED, allow_redirects=False)
    page = client.get(probe.headers["Location"], headers=FRAMED, allow_redirects=False)
    assert page.status_code == 200 and "lti-storage-data" not in page.text and "lti_storage.js" not in page.text
    link = unescape(re.search(r'id="new-window" href="([^"]+)"', page.text).group(1))
    assert 'target="_blank"' in page.text and "cb_cookie_probe" not in link
    # What the new window does: a top-level login, the cookie flow.
    window = browser()
    first = window.get(link, headers={"Sec-Fetch-Dest": "document"}, allow_redirects=False)
    assert first.status_code == 302 and first.headers["Location"].startswith(peers.lms.auth_login_url)


def test_top_level_and_unlabelled_logins_keep_the_cookie_flow(peers):
    client = requests.Session()
    top = client.get(peers.lms.login_url("learner-ana", "rl-feedback", storage=True),
                     headers={"Sec-Fetch-Dest": "document"}, allow_redirects=False)
    assert top.status_code == 302 and top.headers["Location"].startswith(peers.lms.auth_login_url)
    plain = client.get(peers.lms.login_url("learner-ana", "rl-feedback"), allow_redirects=False)
    assert plain.status_code == 302 and plain.headers["Location"].startswith(peers.lms.auth_login_url)


def test_page_data_is_escaped_json(peers):
    hostile = '</script><script>alert(1)</script>'
    _, page = storage_login(peers, target=hostile)
    assert hostile not in page.text
    assert page_data(page)["target"] == hostile  # a frame name, handed to the script as data only


@pytest.mark.parametrize("has_cookie, probed, dest, target, expected", [
    (True, False, "iframe", "frame", cs.COOKIE),
    (False, False, "document", "frame", cs.COOKIE),
    (False, False, None, None, cs.COOKIE),
    (False, False, "iframe", None, cs.PROBE),
    (False, False, None, "frame", cs.PROBE),
    (False, True, "iframe", "frame", cs.STORAGE),
    (False, True, "iframe", "_parent", cs.STORAGE),
    (False, True, "iframe", "_top", cs.NEW_WINDOW),
    (False, True, "iframe", "", cs.NEW_WINDOW),
    (False, True, "iframe", None, cs.NEW_WINDOW),
    (True, True, "iframe", None, cs.COOKIE),
])
def test_login_binding(has_cookie, probed, dest, target, expected):
    assert cs.login_binding(has_cookie, probed, dest, target) == expected


def test_platform_origin_and_waiting_for_a_value():
    assert cs.web_origin("https://LMS.example.org:443/auth?x=1") == "https://lms.example.org"
    assert cs.web_origin("http://127.0.0.1:8080/authorize") == "http://127.0.0.1:8080"
    assert cs.web_origin("https://[::1]:8443/a") == "https://[::1]:8443"
    login = PendingLogin(state="cs.x", login_id="x", nonce="n", issuer="i", client_id="c", browser_binding="b",
                         expires_at=100.0)
    assert cs.awaiting_value("cs.x", None, login, now=50)
    assert not cs.awaiting_value("cs.x", "value", login, now=50)
    assert not cs.awaiting_value("plain", None, login, now=50)
    assert not cs.awaiting_value("cs.x", None, login, now=150)
    assert not cs.awaiting_value("cs.x", None, None, now=50)


def test_after_a_storage_launch_the_pages_work_without_cookies(peers):
    """No cookie of the tool's survives in such a browser: the session travels in the
    tool's own links and forms, and only a session opened through storage does."""
    client, page = storage_login(peers)
    data = page_data(page)
    action, fields, _ = platform_launch(peers, client, data)
    landed = client.post(action, data={"id_token": fields["id_token"], "state": fields["state"],
                                       "lti_storage_value": data["request"]["value"]}, allow_redirects=False)
    assert landed.status_code == 200 and HEADING in landed.text
    form = re.search(r'<form method="post" action="([^"]*reflection[^"]*)".*?name="csrf_token" value="([^"]+)"',
                     landed.text, re.S)
    assert form and "cb_s=" in form.group(1), landed.text[:2000]
    target = peers.tool_url + unescape(form.group(1))
    saved = requests.post(target, data={"csrf_token": unescape(form.group(2)), "learned": "Listen first",
                                        "applying": "In my next 1-to-1", "support_needed": "", "confidence": "4"})
    assert saved.status_code == 200 and "Listen first" in saved.text
    assert "cb_s=" in saved.text  # the next page's links carry it on
    assert requests.get(peers.tool_url + "/learner/").status_code == 401  # nothing without it


def test_a_cookie_session_never_opens_from_a_url(peers):
    from tests.peers.lti_platform import full_launch

    client = browser()
    assert full_launch(peers, "learner-ana", client=client).status_code == 200
    cookie_token = client.cookies.get(SESSION_COOKIE)
    assert requests.get(peers.tool_url + "/learner/", params={"cb_s": cookie_token}).status_code == 401
