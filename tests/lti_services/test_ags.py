from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
import responses

from lti import claims
from lti.ags import (
    AgsClient,
    AgsEndpoint,
    AgsNotGranted,
    LineItem,
    needs_more_evidence_score,
    rfc3339_millis,
    scores_url,
    validated_score,
    validation_requested_score,
)

LINEITEMS = "https://lms.example.edu/api/lti/courses/5/line_items"
ALL_AGS_SCOPES = frozenset(
    {
        claims.AGS_SCOPE_LINEITEM,
        claims.AGS_SCOPE_LINEITEM_READONLY,
        claims.AGS_SCOPE_RESULT_READONLY,
        claims.AGS_SCOPE_SCORE,
    }
)
WHEN = datetime(2025, 3, 4, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=1)))


def line_item_json(number: int, resource_link_id: str, tag: str) -> dict:
    return {
        "id": f"{LINEITEMS}/{number}",
        "label": f"Check-in {number}",
        "scoreMaximum": 10,
        "resourceLinkId": resource_link_id,
        "tag": tag,
    }


@pytest.fixture
def ags(token_client) -> AgsClient:
    return AgsClient(token_client, AgsEndpoint(scopes=ALL_AGS_SCOPES, lineitems=LINEITEMS))


def test_endpoint_from_the_launch_claim():
    launch = {
        claims.AGS_ENDPOINT: {
            "scope": [claims.AGS_SCOPE_SCORE],
            "lineitems": LINEITEMS,
            "lineitem": f"{LINEITEMS}/3",
        }
    }
    assert AgsEndpoint.from_claims(launch) == AgsEndpoint(
        scopes=frozenset({claims.AGS_SCOPE_SCORE}), lineitems=LINEITEMS, lineitem=f"{LINEITEMS}/3"
    )
    assert AgsEndpoint.from_claims({}) is None


def test_listing_follows_every_page_with_the_container_media_type(mocked, ags, token_endpoint):
    second_page = f"{LINEITEMS}?page=2"
    mocked.add(
        responses.GET,
        LINEITEMS,
        json=[line_item_json(1, "rl-1", "validation")],
        headers={"Link": f'<{second_page}>; rel="next", <{LINEITEMS}?page=1>; rel="first"'},
    )
    mocked.add(responses.GET, second_page, json=[line_item_json(2, "rl-2", "checkin")])

    items = ags.list_line_items()

    assert [item.id for item in items] == [f"{LINEITEMS}/1", f"{LINEITEMS}/2"]
    gets = [call.request for call in mocked.calls if call.request.method == "GET"]
    assert {get.headers["Accept"] for get in gets} == {claims.MEDIA_TYPE_LINEITEM_CONTAINER}
    assert token_endpoint.scopes == [claims.AGS_SCOPE_LINEITEM_READONLY]


def test_find_matches_resource_link_and_tag_even_when_the_platform_ignores_filters(mocked, ags):
    mocked.add(
        responses.GET,
        LINEITEMS,
        json=[
            line_item_json(1, "rl-1", "checkin"),
            line_item_json(2, "rl-2", "validation"),
            line_item_json(3, "rl-1", "validation"),
        ],
    )

    found = ags.find_line_item(resource_link_id="rl-1", tag="validation")

    assert found is not None and found.id == f"{LINEITEMS}/3"
    query = mocked.calls[-1].request.url.split("?", 1)[1]
    assert sorted(query.split("&")) == ["resource_link_id=rl-1", "tag=validation"]


def test_filters_keep_the_query_string_of_the_lineitems_url(mocked, token_client):
    with_query = f"{LINEITEMS}?type_id=2"
    client = AgsClient(token_client, AgsEndpoint(scopes=ALL_AGS_SCOPES, lineitems=with_query))
    mocked.add(responses.GET, f"{with_query}&resource_link_id=rl-9&tag=validation", json=[])

    assert client.find_line_item(resource_link_id="rl-9", tag="validation") is None
    assert mocked.calls[-1].request.url == f"{LINEITEMS}?type_id=2&resource_link_id=rl-9&tag=validation"


def test_ensure_creates_a_line_item_only_when_none_exists(mocked, ags):
    mocked.add(responses.GET, LINEITEMS, json=[])
    mocked.add(responses.POST, LINEITEMS, status=201, json=line_item_json(7, "rl-1", "validation"))
    wanted = LineItem(label="Validation", score_maximum=10, resource_link_id="rl-1", tag="validation")

    created = ags.ensure_line_item(wanted)

    assert created.id == f"{LINEITEMS}/7"
    post = mocked.calls[-1].request
    assert post.headers["Content-Type"] == claims.MEDIA_TYPE_LINEITEM
    assert json.loads(post.body) == {
        "label": "Validation",
        "scoreMaximum": 10,
        "resourceLinkId": "rl-1",
        "tag": "validation",
    }


def test_ensure_reuses_the_existing_line_item(mocked, ags):
    mocked.add(responses.GET, LINEITEMS, json=[line_item_json(4, "rl-1", "validation")])

    found = ags.ensure_line_item(LineItem(label="x", score_maximum=10, resource_link_id="rl-1", tag="validation"))

    assert found.id == f"{LINEITEMS}/4"
    assert [call.request.method for call in mocked.calls if call.request.url.startswith(LINEITEMS)] == ["GET"]


@pytest.mark.parametrize(
    ("lineitem", "expected"),
    [
        (f"{LINEITEMS}/7", f"{LINEITEMS}/7/scores"),
        (f"{LINEITEMS}/7/", f"{LINEITEMS}/7/scores"),
        (f"{LINEITEMS}/7?type_id=2&x=y", f"{LINEITEMS}/7/scores?type_id=2&x=y"),
    ],
)
def test_scores_url_goes_into_the_path_and_keeps_the_query(lineitem, expected):
    assert scores_url(lineitem) == expected


def test_post_score_to_a_lineitem_with_a_query_string(mocked, token_client, token_endpoint):
    lineitem = f"{LINEITEMS}/7?type_id=2"
    client = AgsClient(token_client, AgsEndpoint(scopes=frozenset({claims.AGS_SCOPE_SCORE}), lineitem=lineitem))
    mocked.add(responses.POST, f"{LINEITEMS}/7/scores?type_id=2", status=204)

    client.post_score(validation_requested_score("user-1", WHEN))

    post = mocked.calls[-1].request
    assert post.url == f"{LINEITEMS}/7/scores?type_id=2"
    assert post.headers["Content-Type"] == claims.MEDIA_TYPE_SCORE
    assert json.loads(post.body)["userId"] == "user-1"
    assert token_endpoint.scopes == [claims.AGS_SCOPE_SCORE]


def test_operations_the_claim_does_not_grant_are_refused_before_any_call(mocked, make_client):
    token_client = make_client()
    read_only = AgsClient(
        token_client, AgsEndpoint(scopes=frozenset({claims.AGS_SCOPE_LINEITEM_READONLY}), lineitems=LINEITEMS)
    )
    with pytest.raises(AgsNotGranted):
        read_only.post_score(validation_requested_score("u", WHEN), f"{LINEITEMS}/1")
    with pytest.raises(AgsNotGranted):
        read_only.create_line_item(LineItem(label="x", score_maximum=1))
    with pytest.raises(AgsNotGranted):
        AgsClient(token_client, AgsEndpoint(scopes=ALL_AGS_SCOPES)).list_line_items()
    assert not mocked.calls


def test_timestamps_are_rfc3339_with_milliseconds_and_timezone():
    assert rfc3339_millis(WHEN) == "2025-03-04T08:30:15.123Z"
    with pytest.raises(ValueError):
        rfc3339_millis(datetime(2025, 3, 4, 9, 30))


def test_validation_requested_score():
    assert validation_requested_score("u-1", WHEN).to_json() == {
        "userId": "u-1",
        "activityProgress": "Submitted",
        "gradingProgress": "PendingManual",
        "timestamp": "2025-03-04T08:30:15.123Z",
    }


def test_validated_score():
    assert validated_score("u-1", WHEN, 8, 10, "Applied in the Q1 review").to_json() == {
        "userId": "u-1",
        "activityProgress": "Completed",
        "gradingProgress": "FullyGraded",
        "timestamp": "2025-03-04T08:30:15.123Z",
        "scoreGiven": 8,
        "scoreMaximum": 10,
        "comment": "Applied in the Q1 review",
    }
    with pytest.raises(ValueError):
        validated_score("u-1", WHEN, 5, 0, "no maximum")


def test_needs_more_evidence_score():
    assert needs_more_evidence_score("u-1", WHEN, "Show one example from a client call").to_json() == {
        "userId": "u-1",
        "activityProgress": "InProgress",
        "gradingProgress": "Pending",
        "timestamp": "2025-03-04T08:30:15.123Z",
        "comment": "Show one example from a client call",
    }
