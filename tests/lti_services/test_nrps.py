from __future__ import annotations

import pytest
import responses

from lti import claims
from lti.nrps import Member, NrpsClient, NrpsEndpoint
from lti.service_token import PlatformServiceError

MEMBERSHIPS = "https://lms.example.edu/api/lti/courses/5/names_and_roles"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
MENTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"


def container(*members: dict) -> dict:
    return {"id": MEMBERSHIPS, "context": {"id": "course-5", "title": "Coaching 101"}, "members": list(members)}


def test_endpoint_from_the_launch_claim():
    launch = {claims.NRPS: {"context_memberships_url": MEMBERSHIPS, "service_versions": ["2.0"]}}
    assert NrpsEndpoint.from_claims(launch) == NrpsEndpoint(MEMBERSHIPS)
    assert NrpsEndpoint.from_claims({claims.NRPS: {}}) is None


def test_roster_reads_every_page_and_keeps_the_differences_link(mocked, token_client, token_endpoint):
    page_2 = f"{MEMBERSHIPS}?page=2"
    differences = f"{MEMBERSHIPS}?since=2025-03-04T08:30:15Z"
    mocked.add(
        responses.GET,
        MEMBERSHIPS,
        json=container(
            {
                "user_id": "u-1",
                "roles": [LEARNER],
                "name": "Ada Lovelace",
                "given_name": "Ada",
                "family_name": "Lovelace",
                "email": "ada@example.edu",
                "lis_person_sourcedid": "sis-1",
            }
        ),
        headers={"Link": f'<{page_2}>; rel="next"'},
    )
    mocked.add(
        responses.GET,
        page_2,
        json=container({"user_id": "u-2", "roles": [MENTOR], "status": "Inactive"}),
        headers={"Link": f'<{differences}>; rel="differences"'},
    )

    roster = NrpsClient(token_client).fetch_roster(MEMBERSHIPS)

    assert roster.context_id == "course-5"
    assert roster.differences_url == differences
    assert roster.members == (
        Member("u-1", (LEARNER,), "Active", "Ada Lovelace", "Ada", "Lovelace", "ada@example.edu", "sis-1"),
        Member("u-2", (MENTOR,), "Inactive"),
    )
    gets = [call.request for call in mocked.calls if call.request.method == "GET"]
    assert [get.headers["Accept"] for get in gets] == [claims.MEDIA_TYPE_MEMBERSHIP_CONTAINER] * 2
    assert token_endpoint.scopes == [claims.NRPS_SCOPE_CONTEXTMEMBERSHIP_READONLY]


def test_no_differences_link_means_none(mocked, token_client):
    mocked.add(responses.GET, MEMBERSHIPS, json=container({"user_id": "u-1", "roles": []}))

    roster = NrpsClient(token_client).fetch_roster(MEMBERSHIPS)

    assert roster.differences_url is None
    assert roster.members == (Member("u-1", ()),)


def test_a_refused_roster_is_a_typed_error(mocked, token_client):
    mocked.add(responses.GET, MEMBERSHIPS, status=403, json={"error": "NRPS is disabled for this course"})

    with pytest.raises(PlatformServiceError) as raised:
        NrpsClient(token_client).fetch_roster(MEMBERSHIPS)

    assert (raised.value.status, raised.value.retryable) == (403, False)
    assert "NRPS is disabled" in raised.value.message
