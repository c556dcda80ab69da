"""The dashboards over HTTP through real launches: who gets which page, CSRF on the target
forms, the CSV download, and that no note ever reaches a report."""
from __future__ import annotations

import csv
import io

from tests.coaching.conftest import check_in_form
from tests.coaching.test_authorization import person_id

PRIVATE = "Seems stretched by the release"


def _team_with_a_check_in(peers, launch, team):
    maria = launch(team.manager)
    learner_id = person_id(peers, team.learner)
    maria.post(f"/manager/team/{learner_id}/conversation", check_in_form(),
               f"/manager/team/{learner_id}/conversation?template=check-in")
    return maria


def test_manager_sees_their_team_dashboard_and_downloads_it(peers, launch, team):
    maria = _team_with_a_check_in(peers, launch, team)
    page = maria.get("/manager/reports")
    assert page.status_code == 200
    assert page.text.count("<svg") >= 2 and "Saks &amp; Belcourt (2006)" in page.text
    assert "Check-in cadence kept" in page.text and PRIVATE not in page.text
    assert 'href="/manager/" aria-current="page">Your team' in page.text  # its own blueprint, the team's section
    assert 'href="/manager/reports"' in maria.get("/manager/").text  # linked from the team page

    download = maria.get("/manager/reports.csv")
    assert download.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert {r["measure"] for r in rows} >= {"applied_30", "decision_days", "usefulness", "conversation_before"}
    assert PRIVATE not in download.text


def test_manager_sets_a_team_target_with_the_forms_token_only(peers, launch, team):
    maria = _team_with_a_check_in(peers, launch, team)
    target = {"quarter": "2026-Q4", "measure": "conversations_held", "target": "12"}
    forged = maria.client.post(peers.tool_url + "/manager/reports/targets", data=target)
    assert forged.status_code == 403
    bad = maria.post("/manager/reports/targets", {**target, "target": "0"}, "/manager/reports")
    assert bad.status_code == 400 and "Target must be from 1" in bad.text
    saved = maria.post("/manager/reports/targets", target, "/manager/reports")
    assert saved.status_code == 200 and "The target is saved." in saved.text


def test_who_may_open_which_dashboard(peers, launch, team):
    _team_with_a_check_in(peers, launch, team)
    learner = launch(team.learner)
    assert learner.get("/manager/reports").status_code == 403  # nobody named them as manager yet
    assert learner.get("/instructor/reports").status_code == 403
    assert learner.get("/admin/reports").status_code == 403
    assert learner.get("/admin/reports.csv").status_code == 403

    instructor = launch("instructor-ivan")
    course = instructor.get("/instructor/reports")
    assert course.status_code == 200 and "<svg" in course.text and PRIVATE not in course.text
    assert instructor.get("/admin/reports").status_code == 403

    admin = launch("admin-ada")
    organisation = admin.get("/admin/reports")
    assert organisation.status_code == 200 and "By platform" in organisation.text
    assert PRIVATE not in organisation.text and PRIVATE not in admin.get("/admin/reports.csv").text


def test_admin_sets_a_target_for_a_managers_team(peers, launch, team):
    _team_with_a_check_in(peers, launch, team)
    admin = launch("admin-ada")
    platform = peers.lms.issuer
    with peers.engine.connect() as conn:
        from sqlalchemy import select

        from adapter.persistence.tables import platforms
        # The demo LMS's own registration: its admin may set targets on it and on no other.
        platform_id = conn.execute(select(platforms.c.id).where(
            platforms.c.issuer == platform, platforms.c.client_id == peers.lms.client_id)).scalar_one()
    form = {"platform_id": str(platform_id), "manager": f"{team.manager}@example.org", "quarter": "2026-Q4",
            "measure": "validated_applications", "target": "5"}
    saved = admin.post("/admin/reports/targets", form, "/admin/reports")
    assert saved.status_code == 200 and "The target is saved." in saved.text
    unknown = admin.post("/admin/reports/targets", {**form, "manager": "nobody@example.org"}, "/admin/reports")
    assert unknown.status_code == 400
    # An unknown manager is one problem among the others, all said at once, what was typed kept.
    several = admin.post("/admin/reports/targets", {**form, "manager": "nobody@example.org", "target": "lots"},
                         "/admin/reports")
    assert several.status_code == 400
    assert 'href="#target-manager"' in several.text and 'href="#target-number"' in several.text
    assert 'value="nobody@example.org"' in several.text and 'value="lots"' in several.text


def test_a_decision_on_a_request_whose_withdrawal_was_undone_is_timed_from_its_asking(peers, launch, team):
    """Withdrawn then undone, the request's versions in between were not asked again: the
    decision's wait still counts from when it was asked (it was a page error, an unknown wait)."""
    import re

    ana = launch(team.learner)
    ana.post("/learner/validation", {"evidence": "Ran a feedback session"}, "/learner/")
    request_id = re.search(r"/learner/validation/(\d+)/withdrawal", ana.get("/learner/").text).group(1)
    ana.post(f"/learner/validation/{request_id}/withdrawal", {}, "/learner/")
    ana.post(f"/learner/validation/{request_id}/undo", {}, "/learner/")
    maria = launch(team.manager)
    learner_id = person_id(peers, team.learner)
    decided = maria.post(f"/manager/validations/{request_id}", {"outcome": "validated", "feedback": "Well done",
                                                                "learner_id": learner_id}, f"/manager/team/{learner_id}")
    assert decided.status_code == 200
    page = maria.get("/manager/reports")
    assert page.status_code == 200 and "Median time to a validation decision" in page.text
