"""In Chromium: the registered LMS frames the tool; a page of any other site cannot."""
from __future__ import annotations

import pytest

from adapter.demo.local_server import ServerThread


@pytest.fixture
def other_site(peers):
    """A page on another origin (another port) that frames the tool, as a clickjacker would."""
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/html")])
        return [f'<!doctype html><title>Elsewhere</title><iframe name="tool" src="{peers.tool_url}/"></iframe>'
                .encode()]
    server = ServerThread(app, host="127.0.0.1").start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def test_a_page_of_another_site_cannot_frame_the_tool(chromium, peers, other_site):
    context = chromium.new_context()
    page = context.new_page()
    with page.expect_console_message(lambda message: "frame-ancestors" in message.text) as refusal:
        page.goto(other_site)
    assert peers.tool_url in refusal.value.text
    assert [f.url for f in page.frames if f.url.startswith(peers.tool_url)] == []  # an error page instead
    context.close()


def test_the_lms_course_page_frames_the_tool(page, peers, people):
    learner, _ = people
    page.goto(f"{peers.lms_url}/course/{learner}/rl-feedback")
    frame = next(f for f in page.frames if f.url.startswith(peers.tool_url))
    frame.wait_for_selector("h1")
    assert "Sign out" in frame.content()
