"""Known records → known measures, from the database, for each audience's scope."""
from __future__ import annotations

import pytest

from adapter.domain.admin_scope import AdminScope
from adapter.domain.authorization import NotFound, Viewer
from adapter.persistence.report_queries import Scope, facts_by_course
from adapter.reports import dashboards
from adapter.reports.measures import Facts, total

from .seeded import AS_OF, EXPECTED, EXPECTED_FEEDBACK_COURSE


def test_the_organisation_adds_up_to_the_hand_worked_facts(engine, organisation):
    with engine.connect() as conn:
        by_course = facts_by_course(conn, Scope(), AS_OF)
    assert total(by_course.values()) == EXPECTED
    assert by_course[(organisation.platform_id, organisation.feedback_course)] == EXPECTED_FEEDBACK_COURSE


def test_the_measures_read_as_worked_out(engine, organisation):
    with engine.connect() as conn:
        dashboard = dashboards.organisation_dashboard(conn, AdminScope.operator(), AS_OF)
        shown = {m.key: (m.display, m.count) for m in dashboard.measures}
    assert shown == {
        "applied_30": ("50 %", 2), "applied_60": ("100 %", 2), "applied_90": ("100 %", 2),
        "decision_days": ("2.0 days", 3), "cadence_kept": ("50 %", 2), "commitments_on_time": ("50 %", 2),
        "usefulness": ("4.0 / 5", 2), "conversation_before": ("67 %", 3),
    }


def _viewer(org, person: str, roles, context_pk=None, mentees=()):
    return Viewer(person_id=org.people[person], platform_id=org.platform_id, roles=frozenset(roles),
                  mentee_ids=frozenset(org.people[m] for m in mentees), context_pk=context_pk)


def test_a_manager_sees_their_current_team_only(engine, organisation):
    with engine.connect() as conn:
        mine = dashboards.manager_dashboard(conn, _viewer(organisation, "maria", {"manager"},
                                                       mentees=("ana", "ben", "cai")), AS_OF)
        nobody = dashboards.manager_dashboard(conn, _viewer(organisation, "ana", {"manager"}), AS_OF)
        only_cai = dashboards.manager_dashboard(conn, _viewer(organisation, "maria", {"manager"}, mentees=("cai",)), AS_OF)
    assert mine.facts == EXPECTED
    assert nobody.facts == Facts()
    assert only_cai.facts.activity_starts == 1 and only_cai.facts.decisions == 0


def test_an_instructor_sees_their_course_and_nothing_without_one(engine, organisation):
    with engine.connect() as conn:
        course = dashboards.course_dashboard(conn, _viewer(organisation, "maria", {"instructor"},
                                                        context_pk=organisation.feedback_course), AS_OF)
        assert course.facts == EXPECTED_FEEDBACK_COURSE
        assert course.title == "Giving feedback"
        with pytest.raises(NotFound):
            dashboards.course_dashboard(conn, _viewer(organisation, "ana", {"learner"},
                                                   context_pk=organisation.feedback_course), AS_OF)


def test_organisation_reports_are_for_admins(engine, organisation):
    with engine.connect() as conn:
        with pytest.raises(PermissionError):
            dashboards.organisation_dashboard(conn, None, AS_OF)
        dashboard = dashboards.organisation_dashboard(conn, AdminScope.operator(), AS_OF)
    assert [g.name for g in dashboard.by_platform] == ["Example LMS"]
    assert [g.name for g in dashboard.by_course] == ["Delegation", "Giving feedback"]
