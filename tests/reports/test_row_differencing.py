"""One row of a filtered view subtracted from the same row of a wider view (issue 20,
Deliver 4): a manager's or a team's row is hidden when the difference rests on 1 to k−1
learners; a row that differs by none, or by k or more, stays shown. On the organisation
of test_breakdowns (Maria 6 learners, Zoe 5, Omar 2; every one of them had a feedback-course
check-in in May; Cai, one of Maria's, also has delegation-course records), with k = 3."""
from __future__ import annotations

from adapter.domain.admin_scope import AdminScope
from adapter.domain.commands import HoldConversation
from adapter.domain.report_filters import Filters
from adapter.mapping_files import load_templates
from adapter.reports.breakdowns import BY_MANAGER, BY_TEAM, as_json, organisation_breakdown, save_privacy
from adapter.reports.trends import MONTH, organisation_trend
from adapter.services import coaching
from adapter.services.relationships import import_relationships

from .seeded import AS_OF, at
from .test_breakdowns import _subs, company  # noqa: F401  (the fixture)


def _view(engine, filters, by=BY_MANAGER):
    with engine.connect() as conn:
        return organisation_breakdown(conn, AdminScope.operator(), by, filters, AS_OF)


def _rows(view):
    return {row.name: row for row in view.rows}


def _k3(engine, org):
    save_privacy(engine, AdminScope.operator(), org.platform_id, "3", False, at("2026-06-01"))


def _move(engine, org, learners, manager, team):
    text = "learner_user_id,manager_user_id,team\n" + "".join(
        f"{sub},sub-{manager},{team}\n" for sub in _subs(engine, learners))
    assert import_relationships(engine, None, org.platform_id, text, at("2026-06-02")).written


def _delegation_talks(engine, org, manager_id, learners, held_on="2026-05-21"):
    with engine.connect() as conn:
        manager = coaching.load_viewer(conn, manager_id, org.platform_id, ["manager"], None)
    for learner in learners:
        coaching.hold_conversation(engine, manager, load_templates().by_key["check-in"], HoldConversation(
            learner, held_on=held_on, answers={"progress": "p", "learned": "l", "next_focus": "n"},
            resource_link_pk=org.links["delegation"]), at(held_on, 17))


def test_a_managers_row_in_one_course_cannot_be_subtracted_from_the_unfiltered_row(engine, company):  # noqa: F811
    org, managers, learners = company
    _k3(engine, org)
    _delegation_talks(engine, org, managers["omar"], learners["omar"])  # everyone minus the course: Cai + Omar's 2
    course = Filters(course_id=org.feedback_course)
    everything, view = _view(engine, Filters()), _view(engine, course)
    assert not view.withheld  # the view as a whole leaves out 3 learners: k or more
    # Maria's row unfiltered minus her row in the course would be Cai's records alone.
    assert not _rows(everything)["Maria"].hidden and _rows(everything)["Maria"].cell("conversations").value is not None
    maria = _rows(view)["Maria"]
    assert maria.hidden and maria.learners is None and all(c.hidden for c in maria.cells)
    zoe = _rows(view)["Zoe"]  # her row is the same in both views (differs by none): shown
    assert not zoe.hidden and zoe.learners == 5 and zoe.cell("conversations").display == "5"
    assert '"name": "Maria"' in as_json(view) and as_json(view).count('"hidden": true') > 10  # the export cuts it too


def test_a_managers_row_in_one_course_and_team_cannot_be_subtracted_from_the_course_row(engine, company):  # noqa: F811
    org, managers, learners = company
    _k3(engine, org)
    _move(engine, org, learners["maria"][5:], "maria", "Support")  # Maria's team now spans Sales and Support
    _delegation_talks(engine, org, managers["maria"], learners["maria"][3:5])  # Sales outside the course: 3
    narrow = Filters(course_id=org.feedback_course, team="Sales")
    wide, view = _view(engine, Filters(course_id=org.feedback_course)), _view(engine, narrow)
    assert not view.withheld  # each wider view leaves out 0 or 3+ learners of this one
    # Maria's row in the course minus her row in the course and Sales: one learner.
    assert not _rows(wide)["Maria"].hidden and _rows(wide)["Maria"].learners == 6
    assert _rows(view)["Maria"].hidden and _rows(view)["Maria"].cell("usefulness").value is None
    zoe = _rows(view)["Zoe"]  # all five in Sales, only in the course: her row differs by none
    assert not zoe.hidden and zoe.learners == 5


def test_a_teams_row_in_one_course_cannot_be_subtracted_from_the_unfiltered_row(engine, company):  # noqa: F811
    org, managers, learners = company
    _k3(engine, org)
    _move(engine, org, learners["zoe"], "zoe", "Marketing")  # Sales is now Maria's 6 alone
    _delegation_talks(engine, org, managers["omar"], learners["omar"])
    _delegation_talks(engine, org, managers["zoe"], learners["zoe"])
    view = _view(engine, Filters(course_id=org.feedback_course), BY_TEAM)
    assert not view.withheld
    rows = _rows(view)
    assert rows["Sales"].hidden  # Sales unfiltered minus Sales in the course: Cai alone
    assert not rows["Marketing"].hidden and rows["Marketing"].learners == 5  # differs by 5: k or more
    assert not _rows(_view(engine, Filters(), BY_TEAM))["Sales"].hidden


def test_a_month_in_one_course_cannot_be_subtracted_from_the_unfiltered_month(engine, company):  # noqa: F811
    org, managers, learners = company
    _k3(engine, org)
    _delegation_talks(engine, org, managers["omar"], learners["omar"])  # two learners' May records outside the course

    def may(filters):
        with engine.connect() as conn:
            trend = organisation_trend(conn, AdminScope.operator(), MONTH, filters, AS_OF)
        assert not trend.withheld  # everyone minus the course: Cai and Omar's two, k or more
        return next(row for row in trend.rows if row.name == "2026-05")

    assert not may(Filters()).hidden and may(Filters()).learners == 13
    in_course = may(Filters(course_id=org.feedback_course))  # the same 13, two of them with fewer records
    assert in_course.hidden and in_course.cell("conversations").value is None
