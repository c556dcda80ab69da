"""A third-party SCIM compliance checker (scim2-tester) against a running coachbridge."""
from __future__ import annotations

from scim2_tester import Status, check_server


def test_scim2_tester_finds_no_error(scim_client):
    results = check_server(scim_client)
    failed = [f"{r.title}: {r.reason}" for r in results if r.status not in (Status.SUCCESS, Status.SKIPPED)]
    assert not failed, "\n".join(failed)
    assert sum(r.status == Status.SUCCESS for r in results) >= 100  # the checks really ran
    skipped = [r.title for r in results if r.status == Status.SKIPPED]
    assert skipped == ["search_with_attributes"]  # only the cross-resource-type search we do not offer
