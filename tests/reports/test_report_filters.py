"""The reports' date-range and learning-activity filters, time to a decision per period,
and the SQL sums against the dashboard's: through the real coaching services, on the
organisation of test_breakdowns (Maria 6 learners, Zoe 5, Omar 2)."""
from __future__ import annotations

import re
from datetime import date

from adapter.domain.admin_scope import AdminScope
from adapter.domain.commands import AgreeAction, HoldConversation
from adapter.domain.report_filters import Filters, month_from
from adapter.domain.small_groups import too_small
from adapter.mapping_files import load_templates
from adapter.persistence.report_summaries import course_facts
from adapter.persistence import breakdown_sums as sums
from adapter.reports.breakdowns import BY_MANAGER, BY_TEAM, organisation_breakdown
from adapter.reports.figures import counted
from adapter.reports.measures import total
from adapter.reports.trends import QUARTER, organisation_trend
from adapter.services import coaching

from .seeded import AS_OF, at
from .test_breakdowns import company  # noqa: F401  (the fixture)

FEEDBACK = "https://lms.example.org/activities/feedback"


def _view(engine, filters, by=BY_MANAGER):
    with engine.connect() as conn:
        return organisation_breakdown(conn, AdminScope.operator(), by, filters, AS_OF)


def _zoe_and_her_team(engine, company):  # noqa: F811
    org, managers, learners = company
    with engine.connect() as conn:
        zoe = coaching.load_viewer(conn, managers["zoe"], org.platform_id, ["manager"], None)
    return org, zoe, learners["zoe"]


def _months(first: str, last: str) -> Filters:
    return Filters(first_month=month_from(first, "from"), last_month=month_from(last, "to"))


def test_two_date_ranges_that_differ_by_one_learners_records_give_nothing_away(engine, company):  # noqa: F811
    org, zoe, team = _zoe_and_her_team(engine, company)
    catalog = load_templates()
    for learner in team:  # five learners with actions due in July: both ranges leave out six learners
        coaching.hold_conversation(engine, zoe, catalog.by_key["check-in"], HoldConversation(
            learner, held_on="2026-05-20", answers={"progress": "p", "learned": "l", "next_focus": "n"},
            new_actions=(AgreeAction("Try it", "learner", "2026-07-10"),),
            resource_link_pk=org.links["feedback"]), at("2026-05-20", 17))
    # May, and May to June: the second adds June, which is Cai's records alone.
    before, after = _view(engine, _months("2026-05", "2026-05")), _view(engine, _months("2026-05", "2026-06"))
    assert not before.withheld and not after.withheld
    assert before.organisation.cell("conversations").display == "18"  # 13 + 5 in May
    compared = 0
    for one, other in [(before.organisation, after.organisation),
                       *zip(sorted(before.rows, key=lambda r: r.name), sorted(after.rows, key=lambda r: r.name))]:
        assert one.name == other.name
        if one.learners is not None and other.learners is not None:
            assert one.learners == other.learners, one.name
        for a, b in zip(one.cells, other.cells):
            if not a.hidden and not b.hidden:  # both shown: their difference must be nothing
                compared += 1
                assert (a.value, a.learners) == (b.value, b.learners), (one.name, a.key)
    assert compared  # the ranges still show figures that did not change
    june = next(c for c in after.organisation.cells if c.key == "conversations")
    assert june.hidden  # Cai's June check-in is the only one: the organisation's count hides it


def test_an_activity_filter_counts_only_that_activitys_records(engine, company):  # noqa: F811
    delegation_link = "link:%d" % company[0].links["delegation"]
    # Every May check-in is about feedback, Cai's June one about delegation (a link with no
    # xAPI activity): leaving out Cai alone, the feedback view would give Cai away.
    assert _view(engine, Filters(activity=FEEDBACK)).withheld
    org, zoe, team = _zoe_and_her_team(engine, company)
    catalog = load_templates()
    for learner in team:
        coaching.hold_conversation(engine, zoe, catalog.by_key["check-in"], HoldConversation(
            learner, held_on="2026-05-21", answers={"progress": "p", "learned": "l", "next_focus": "n"},
            resource_link_pk=org.links["delegation"]), at("2026-05-21", 17))
    everything = _view(engine, Filters())
    feedback, delegation = _view(engine, Filters(activity=FEEDBACK)), _view(engine, Filters(activity=delegation_link))
    assert not feedback.withheld and not delegation.withheld
    assert delegation.organisation.cell("conversations").display == "6"  # Cai's and Zoe's team's
    assert feedback.organisation.cell("conversations").value == \
        everything.organisation.cell("conversations").value - 6


def test_two_overlapping_filters_cannot_be_subtracted_to_learn_about_a_small_group(engine, company):  # noqa: F811
    org, zoe, team = _zoe_and_her_team(engine, company)
    catalog = load_templates()
    for learner in team:  # Zoe's five also talk about delegation: each view leaves six or more out of everyone
        coaching.hold_conversation(engine, zoe, catalog.by_key["check-in"], HoldConversation(
            learner, held_on="2026-05-21", answers={"progress": "p", "learned": "l", "next_focus": "n"},
            resource_link_pk=org.links["delegation"]), at("2026-05-21", 17))
    course = Filters(course_id=org.feedback_course)
    course_and_sales = Filters(course_id=org.feedback_course, team="Sales")
    with engine.connect() as conn:  # the rule before: each view against everyone only
        assert all(not too_small(n, 5) for n in sums.left_out(conn, AdminScope.operator(), course)[:1])
        assert all(not too_small(n, 5) for n in sums.left_out(conn, AdminScope.operator(), course_and_sales)[:1])
    wide, narrow = _view(engine, course, BY_TEAM), _view(engine, course_and_sales, BY_TEAM)
    # The feedback course minus its Sales people is Omar's two learners: shown side by side,
    # the two views would give their conversations away. The narrower view shows nothing.
    assert not wide.withheld and wide.organisation.cell("conversations").value is not None
    assert narrow.withheld
    assert narrow.organisation.learners is None
    assert all(c.hidden for row in [narrow.organisation, *narrow.rows] for c in row.cells)
    assert _view(engine, Filters(team="Sales"), BY_TEAM).withheld  # everyone minus Sales is Omar's two, as before


def test_time_to_a_decision_is_a_measure_per_period(engine, company):  # noqa: F811
    org, zoe, team = _zoe_and_her_team(engine, company)
    with engine.connect() as conn:
        maria = coaching.load_viewer(conn, company[1]["maria"], org.platform_id, ["manager"], None)

    def decided(manager, learner, day, hours):
        with engine.connect() as conn:
            me = coaching.load_viewer(conn, learner, org.platform_id, ["learner"], None)
        request = coaching.ask_for_validation(engine, me, org.links["feedback"], "Did it", at(day, 8))
        coaching.decide_validation(engine, manager, request.id, "validated", "", at(day, 8) + hours * 3600)

    for hours, learner in zip((2, 4, 6, 8, 50), team):  # five decisions in May, the median 6 h
        decided(zoe, learner, "2026-05-10", hours)
    for learner in company[2]["maria"][3:]:  # three more in March beside Ana's 48 h and Ben's 24 h and 120 h
        decided(maria, learner, "2026-03-02", 1)
    with engine.connect() as conn:
        quarters = organisation_trend(conn, AdminScope.operator(), QUARTER, Filters(), AS_OF)
    q1, q2 = quarters.rows[-2], quarters.rows[-1]
    assert q2.name == "2026-Q2" and q2.cell("decision_days").display == "0.2 days"  # 6 hours
    assert q2.cell("decision_days").learners == 5
    assert q1.cell("decision_days").display == "0.5 days"  # 1, 1, 1, 24, 48, 120 h: 12.5 h
    assert q1.cell("decision_days").learners == 5


def test_the_sql_sums_equal_the_dashboards_summary_on_any_report_date(engine, company):  # noqa: F811
    for as_of in (date(2026, 2, 1), date(2026, 4, 15), AS_OF, date(2026, 9, 30)):
        with engine.connect() as conn:
            organisation = counted(conn, AdminScope.operator(), Filters(), as_of, BY_MANAGER)[None]
            summary = total(course_facts(conn, as_of, AdminScope.operator()).values())
        assert organisation.sums.facts == {k: v for k, v in vars(summary).items() if k != "decision_hours"}, as_of
        assert organisation.sums.decision_hours == summary.decision_hours


def test_the_url_keeps_the_filters_and_refuses_a_bad_month(peers, launch, team):
    admin = launch("admin-ada")
    query = "from=2026-01&to=2026-05&activity=" + FEEDBACK
    page = admin.get("/admin/reports/by-manager?" + query)
    assert page.status_code == 200
    assert 'name="from" type="month" value="2026-01"' in page.text and "activity=https" in page.text
    exported = admin.get("/admin/reports/by-team?format=json&" + query).json()
    assert exported["filters"] == {"from": "2026-01", "to": "2026-05", "activity": FEEDBACK}
    assert admin.get("/admin/reports/over-time?format=json&" + query).json()["filters"]["to"] == "2026-05"
    assert admin.get("/admin/reports/by-manager?from=2026-13").status_code == 400
    assert admin.get("/admin/reports/by-manager?from=2026-06&to=2026-01").status_code == 400
    assert admin.get("/admin/reports/by-manager?page=0").status_code == 400
    recognition = admin.get("/admin/reports/recognition?quarter=2026-Q2&" + query)
    assert recognition.status_code == 200 and 'name="activity"' in recognition.text
    # its quarter sets the dates: no month fields that would be ignored, none carried by its links
    download = re.search(r'href="([^"]*format=csv[^"]*)"', recognition.text).group(1)
    assert 'name="from"' not in recognition.text and "from=" not in download and "activity=" in download


def test_a_page_builds_only_its_rows_in_the_order_every_row_has(engine, company, monkeypatch):  # noqa: F811
    import adapter.reports.breakdowns as breakdowns

    monkeypatch.setattr(breakdowns, "PAGE_SIZE", 2)
    with engine.connect() as conn:
        every = organisation_breakdown(conn, AdminScope.operator(), BY_MANAGER, Filters(), AS_OF, "", True)
        pages = [organisation_breakdown(conn, AdminScope.operator(), BY_MANAGER, Filters(), AS_OF, sort, True, page)
                 for sort in ("", "conversations") for page in (1, 2)]
    assert [r.name for r in every.rows] == ["Zoe", "Omar", "Maria"] and every.total == 3
    assert [[r.name for r in p.rows] for p in pages[:2]] == [["Zoe", "Omar"], ["Maria"]]
    assert pages[2].rows[0].name == "Maria" and len(pages[3].rows) == 1  # hidden cells last, then by name
    assert pages[0].rows[0] == every.rows[0]
