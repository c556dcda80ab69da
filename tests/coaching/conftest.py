"""Coaching tests: new demo-LMS people per test, so tests never share a learner or manager."""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from html import unescape

import pytest
import requests

from adapter.demo.lms import ROLE_LEARNER, ROLE_MENTOR, DemoPerson
from tests.peers.lti_platform import browser, full_launch

_serial = itertools.count(1)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Launched:
    """A person launched into the tool: their browser-like client and the tool's base URL."""

    user_id: str
    client: requests.Session
    tool_url: str

    def csrf(self, path: str) -> str:
        page = self.client.get(self.tool_url + path)
        match = CSRF.search(page.text)
        assert match, f"no form on {path}: {page.status_code} {page.text[:300]}"
        return unescape(match.group(1))

    def get(self, path: str) -> requests.Response:
        return self.client.get(self.tool_url + path)

    def post(self, path: str, data: dict, form_page: str) -> requests.Response:
        return self.client.post(self.tool_url + path, data={**data, "csrf_token": self.csrf(form_page)},
                                allow_redirects=True)


@dataclass
class Team:
    learner: str
    other_learner: str
    manager: str


def _new_team(peers) -> Team:
    """A manager (Mentor, role_scope_mentor) with two learners, all new to the tool."""
    n = next(_serial)
    learner, other, manager = f"learner-{n}a", f"learner-{n}b", f"manager-{n}"
    peers.lms.people[learner] = DemoPerson(learner, f"Learner {n}A", f"{learner}@example.org", [ROLE_LEARNER])
    peers.lms.people[other] = DemoPerson(other, f"Learner {n}B", f"{other}@example.org", [ROLE_LEARNER])
    peers.lms.people[manager] = DemoPerson(manager, f"Manager {n}", f"{manager}@example.org", [ROLE_MENTOR],
                                           mentees=[learner, other])
    return Team(learner, other, manager)


@pytest.fixture
def launch(peers):
    def launch_as(user_id: str, link_id: str = "rl-feedback") -> Launched:
        client = browser()
        response = full_launch(peers, user_id, link_id, client=client)
        assert response.status_code == 200, response.text[:500]
        return Launched(user_id, client, peers.tool_url)
    return launch_as


def reflection_form(**overrides) -> dict:
    return {"learned": "Feedback works best when specific", "applying": "Use SBI in my next 1-to-1",
            "support_needed": "", "confidence": "4", **overrides}


def check_in_form(**overrides) -> dict:
    return {"template": "check-in", "held_on": "2026-11-20", "progress": "Gave SBI feedback twice",
            "learned": "Timing matters", "next_focus": "Feedback to peers", "shared_notes": "Good progress",
            "private_notes": "Seems stretched by the release", "action_0_description": "Ask a peer for feedback",
            "action_0_owner": "learner", "action_0_due_on": "2026-12-01", "next_on": "2026-12-04", **overrides}


@pytest.fixture
def team(peers) -> Team:
    return _new_team(peers)


@pytest.fixture
def other_team(peers) -> Team:
    return _new_team(peers)
