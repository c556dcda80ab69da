"""Launches in Chromium that blocks the tool's cookies inside the LMS page: the tool on
localhost in the demo LMS's iframe on 127.0.0.1, through LTI client-side storage
(postMessage to the LMS's storage frame), and the new-window fallback without it.

The profile blocks third-party cookies (``cookie_controls_mode``) and, because Chromium
keeps Partitioned cookies even then, all cookies of the tool's site under the LMS's site
(a content-settings exception): what Safari and strict privacy settings do. The tool's
own window keeps first-party cookies.
"""
from __future__ import annotations

import io
import json
import time
from urllib.parse import parse_qs

import pytest
import requests

from adapter.web.auth import BROWSER_COOKIE, SESSION_COOKIE
from tests.peers.lti_platform import error_code

from .conftest import ARGS, CHROMIUM, check_accessibility, refusals_of_policy, tool_frame

pytestmark = pytest.mark.browser

HEADING = "Giving feedback: apply it at work"
# Records what every frame receives, so a test can act between a tool's request and the
# storage frame's (delayed) answer, and see what reached whom.
RECORD_MESSAGES = """
window.__received = [];
window.addEventListener("message", function (event) { window.__received.push(event.data); });"""
FIND_PUT_DATA = "() => window.__received.find(m => m && m.subject === 'lti.put_data')"


@pytest.fixture(scope="module")
def blocking(chromium, peers, tmp_path_factory):
    """A Chromium profile whose LMS pages get no cookies for the tool's frames."""
    profile = tmp_path_factory.mktemp("cookies-blocked")
    (profile / "Default").mkdir()
    (profile / "Default" / "Preferences").write_text(json.dumps({"profile": {
        "cookie_controls_mode": 1,
        "content_settings": {"exceptions": {"cookies": {f"{peers.tool_url},{peers.lms_url}": {"setting": 2}}}},
    }}))
    context = chromium.browser_type.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=ARGS, headless=True)
    context.set_default_timeout(10_000)
    refused = refusals_of_policy(context)
    yield context
    context.close()
    assert not refused, refused


@pytest.fixture
def blocked_page(blocking):
    blocking.clear_cookies()
    page = blocking.new_page()
    yield page
    page.close()


@pytest.fixture
def launches(peers):
    """The id_token POSTs the tool receives (form fields and status), recorded on the
    server: Playwright can lose track of an iframe that changes process twice (tool →
    LMS → tool) under load, the tool's server cannot."""
    received: list[tuple[dict[str, str], list[str]]] = []
    app = peers.tool_server.app

    def recording(environ, start_response):
        if environ["REQUEST_METHOD"] != "POST" or environ["PATH_INFO"] != "/lti/launch":
            return app(environ, start_response)
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        status: list[str] = []
        received.append(({k: v[0] for k, v in parse_qs(body.decode()).items()}, status))
        return app(environ, lambda code, headers, *rest: (status.append(code), start_response(code, headers, *rest))[1])

    peers.tool_server.app = recording
    yield received
    peers.tool_server.app = app


def landed_through_storage(launches) -> list[dict[str, str]]:
    """Waits for the page's POST with the value to be answered 200 (the landing page:
    refusals are 4xx); the form fields of every launch POST."""
    deadline = time.monotonic() + 10
    while not any("lti_storage_value" in form and status == ["200 OK"] for form, status in launches):
        assert time.monotonic() < deadline, launches
        time.sleep(0.05)
    return [form for form, _ in launches]


def test_launch_through_client_storage_and_its_replay_is_refused(blocked_page, peers, people, launches):
    learner, _ = people
    blocked_page.goto(f"{peers.lms_url}/course/{learner}/rl-feedback")
    posts = landed_through_storage(launches)

    # First the platform's form post (no cookie came back), then the page's, with the value.
    assert [sorted(p) for p in posts] == [["id_token", "lti_storage_target", "state"],
                                          ["id_token", "lti_storage_value", "state"]]
    launch = posts[-1]
    assert launch["state"].startswith("cs.") and launch["id_token"] == posts[0]["id_token"]
    assert not [c for c in blocked_page.context.cookies(peers.tool_url)]  # the browser kept none

    replay = requests.post(peers.tool_url + "/lti/launch", data=launch, allow_redirects=False)
    assert replay.status_code == 400 and error_code(replay) == "launch_already_used"
    without_value = requests.post(peers.tool_url + "/lti/launch", data=posts[0], allow_redirects=False)
    assert without_value.status_code == 400 and error_code(without_value) == "launch_already_used"


def foreign(peers, path: str = "/") -> str:
    return peers.lms_url.replace("127.0.0.1", "localhost") + path  # the LMS's server, another origin


def test_answers_from_other_windows_are_ignored(blocked_page, peers, people, launches):
    """While the LMS's frame holds back its answer to lti.put_data, a frame of another
    origin and the LMS page itself (right origin, wrong window) post a forged error
    answer with the right message_id: the tool ignores both and the launch completes."""
    learner, _ = people
    blocked_page.add_init_script(RECORD_MESSAGES)
    blocked_page.goto(f"{peers.lms_url}/course/{learner}/rl-feedback?storage_delay_ms=700")
    foreign_url = foreign(peers)
    blocked_page.evaluate("""url => { const f = document.createElement("iframe");
        f.title = "foreign"; f.src = url; document.body.appendChild(f); }""", foreign_url)
    put = blocked_page.frame(name="lti_storage_frame").wait_for_function(FIND_PUT_DATA).json_value()
    forged = {"subject": "lti.put_data.response", "message_id": put["message_id"],
              "error": {"code": "bad_request", "message": "forged"}}
    other = next(f for f in blocked_page.frames if f.url == foreign_url)
    other.evaluate("message => window.parent.frames[1].postMessage(message, '*')", forged)
    blocked_page.evaluate("message => window.frames[1].postMessage(message, '*')", forged)

    landed_through_storage(launches)


def test_nothing_reaches_or_counts_from_the_storage_frame_once_it_shows_another_origin(blocked_page, peers, people):
    """The storage frame is navigated to another origin while the tool waits for its
    lti.put_data answer: the tool's re-sends (which carry the secret) are not delivered
    there, its forged success answer (same window, wrong origin) is ignored, and the tool
    offers the new window instead of going on to the LMS."""
    learner, _ = people
    authorize: list[str] = []
    blocked_page.on("request", lambda r: authorize.append(r.url) if "/authorize" in r.url else None)
    blocked_page.add_init_script(RECORD_MESSAGES)
    blocked_page.goto(f"{peers.lms_url}/course/{learner}/rl-feedback?storage_delay_ms=1000")
    storage = blocked_page.frame(name="lti_storage_frame")
    put = storage.wait_for_function(FIND_PUT_DATA).json_value()
    storage.goto(foreign(peers, "/lti/storage-frame"))
    storage.evaluate("message => window.parent.frames[1].postMessage(message, '*')",
                     {"subject": "lti.put_data.response", "message_id": put["message_id"], "key": put["key"],
                      "value": put["value"]})
    tool = blocked_page.frame_locator("iframe[title=coachbridge]")
    tool.get_by_role("link", name="Continue in a new window").wait_for()
    assert authorize == []
    assert storage.evaluate("() => window.__received") == []


def test_new_window_when_the_lms_offers_no_storage(blocked_page, peers, people):
    learner, _ = people
    blocked_page.goto(f"{peers.lms_url}/course/{learner}/rl-feedback?storage=off")
    tool = blocked_page.frame_locator("iframe[title=coachbridge]")
    link = tool.get_by_role("link", name="Continue in a new window")
    link.wait_for()
    check_accessibility(tool_frame(blocked_page, peers), "launch-new-window-offer", blocked_page)
    with blocked_page.context.expect_page() as opened:
        link.click()
    window = opened.value
    window.get_by_role("heading", name=HEADING).wait_for()
    assert window.url == peers.tool_url + "/lti/launch"
    assert {c["name"] for c in blocked_page.context.cookies(peers.tool_url)} == {BROWSER_COOKIE, SESSION_COOKIE}
    window.close()


def test_cookie_flow_needs_no_script_when_cookies_work(page, peers, people, launches):
    """Chromium's default (third-party cookies blocked, Partitioned ones kept): the LMS
    offers storage, the tool's cookie comes back, and no storage script runs."""
    learner, _ = people
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.url.endswith("/lti_storage.js") else None)
    page.goto(f"{peers.lms_url}/course/{learner}/rl-feedback")
    page.frame_locator("iframe[title=coachbridge]").get_by_role("heading", name=HEADING).wait_for()
    assert scripts == []
    assert len(launches) == 1 and launches[0][1] == ["200 OK"] and not launches[0][0]["state"].startswith("cs.")
