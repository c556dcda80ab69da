"""Outcomes by manager and by team, through the real coaching services: the small-group
rule (including a differencing attack), a manager kept to their own row, the team column
of the relationships import, and the CSV/JSON of what is shown."""
from __future__ import annotations

import csv
import io
import json

import pytest

from adapter.domain.admin_scope import AdminScope
from adapter.domain.authorization import Forbidden
from adapter.domain.commands import HoldConversation
from adapter.domain.relationships import ManagerLink
from adapter.domain.rules import RuleViolation
from adapter.domain.small_groups import hidden_rows
from adapter.mapping_files import load_templates
from adapter.persistence import people_store
from adapter.persistence.relationships_store import link_manager
from adapter.services import coaching
from adapter.reports.breakdowns import (
    BY_MANAGER, BY_TEAM, Filters, as_csv, as_json, my_team_breakdown, organisation_breakdown, save_privacy,
)
from adapter.services.relationships import import_relationships

from .seeded import AS_OF, at, seed

# Three teams: Maria 6 learners, Zoe 5, Omar 2 (too small to show). Teams: "Sales" is
# Maria's and Zoe's people, "Support" Omar's.
SIZES = {"maria": 6, "zoe": 5, "omar": 2}
TEAMS = {"maria": "Sales", "zoe": "Sales", "omar": "Support"}


@pytest.fixture
def company(engine):
    org = seed(engine)  # Maria already coaches Ana, Ben and Cai (3 of her 6)
    catalog = load_templates()
    with engine.begin() as conn:
        managers = {"maria": org.people["maria"]}
        for name in ("zoe", "omar"):
            managers[name] = people_store.save_person(conn, org.platform_id, f"sub-{name}", {
                "name": name.capitalize(), "email": f"{name}@example.org"}, at("2026-01-01"))
        learners = {"maria": [org.people[n] for n in ("ana", "ben", "cai")], "zoe": [], "omar": []}
        for manager, size in SIZES.items():
            while len(learners[manager]) < size:
                sub = f"sub-{manager}-{len(learners[manager])}"
                person = people_store.save_person(conn, org.platform_id, sub, {"name": f"Hidden {sub}"},
                                                  at("2026-01-01"))
                link_manager(conn, ManagerLink(person, managers[manager]), "import", at("2026-01-01"))
                learners[manager].append(person)
    text = "learner_user_id,manager_user_id,team\n" + "".join(
        f"{sub},sub-{manager},{TEAMS[manager]}\n" for manager, ids in learners.items()
        for sub in _subs(engine, ids))
    assert import_relationships(engine, None, org.platform_id, text, at("2026-01-02")).written
    for manager, ids in learners.items():
        with engine.connect() as conn:
            me = coaching.load_viewer(conn, managers[manager], org.platform_id, ["manager"], None)
        for learner in ids:  # one rated check-in each: every learner counts for conversations
            talk = coaching.hold_conversation(engine, me, catalog.by_key["check-in"], HoldConversation(
                learner, held_on="2026-05-04", answers={"progress": "p", "learned": "l", "next_focus": "n"},
                private_notes="Private to the manager", resource_link_pk=org.links["feedback"]), at("2026-05-04", 17))
            with engine.connect() as conn:
                learner_view = coaching.load_viewer(conn, learner, org.platform_id, ["learner"], None)
            coaching.rate_conversation(engine, learner_view, talk.id, "4", at("2026-05-05"))
    return org, managers, learners


def _subs(engine, ids):
    from sqlalchemy import select

    from adapter.persistence.tables import people
    with engine.connect() as conn:
        return [conn.execute(select(people.c.sub).where(people.c.id == i)).scalar() for i in ids]


def _breakdown(engine, by=BY_MANAGER, filters=Filters(), scope=AdminScope.operator()):
    with engine.connect() as conn:
        return organisation_breakdown(conn, scope, by, filters, AS_OF)


def test_a_differencing_attack_on_the_organisation_total_learns_nothing_about_a_small_team(engine, company):
    view = _breakdown(engine)
    rows = {r.name: r for r in view.rows}
    assert rows["Omar"].hidden  # 2 learners
    # Were only Omar hidden, organisation − Maria − Zoe would be Omar's two learners'
    # conversations; Zoe's row (the smallest shown) is hidden beside it.
    assert rows["Zoe"].hidden and not rows["Maria"].hidden
    shown = sum(r.cell("conversations").value for r in view.rows if not r.cell("conversations").hidden)
    left = view.organisation.cell("conversations").value - shown
    assert left == 5 + 2  # Zoe's and Omar's teams together (7 learners), never Omar's 2 alone
    assert rows["Maria"].learners == 6 and rows["Maria"].cell("usefulness").display == "4.0 / 5"
    assert view.organisation.learners == 13


def test_the_rule_hides_the_complement_of_a_filter_and_of_a_row():
    everyone = frozenset(range(20))
    rows = {"big": frozenset(range(18)), "small": frozenset({18, 19})}
    # "big" is 18 of 20: the organisation beside it would give away the other two.
    assert hidden_rows(rows, everyone, 5) == {"big", "small"}
    assert hidden_rows({"a": frozenset(range(10)), "b": frozenset(range(10, 20))}, everyone, 5) == set()


def test_a_filtered_view_that_leaves_out_a_small_group_shows_nothing(engine, company):
    sales = _breakdown(engine, BY_TEAM, Filters(team="Sales"))  # 11 of 13: "everyone − Sales" is Omar's two
    assert sales.withheld and all(c.hidden for c in sales.organisation.cells)
    by_team = {r.name: r for r in _breakdown(engine, BY_TEAM).rows}
    assert by_team["Support"].hidden and by_team["Sales"].hidden  # Sales = organisation − Support


def test_the_admin_setting_never_goes_below_three(engine, company):
    org = company[0]
    with pytest.raises(RuleViolation):
        save_privacy(engine, AdminScope.operator(), org.platform_id, "2", False, at("2026-06-01"))
    assert save_privacy(engine, AdminScope.operator(), org.platform_id, "7", False, at("2026-06-01")) == 7
    assert _breakdown(engine).min_learners == 7
    assert all(r.hidden for r in _breakdown(engine).rows)  # Maria's 6 < 7, and the rest follows


def test_a_manager_sees_their_row_and_the_organisation_never_another_managers(engine, company):
    org, managers, _ = company
    with engine.connect() as conn:
        maria = coaching.load_viewer(conn, managers["maria"], org.platform_id, ["manager"], None)
        mine = my_team_breakdown(conn, maria, AS_OF)
        assert [r.name for r in mine.rows] == ["Maria"] and mine.organisation.learners == 13
        with pytest.raises(Forbidden):
            my_team_breakdown(conn, maria, AS_OF, manager_id=managers["zoe"])


def test_exports_are_exactly_what_is_shown_and_name_no_learner(engine, company):
    view = _breakdown(engine)
    rows = list(csv.reader(io.StringIO(as_csv(view))))
    assert [r[0] for r in rows[1:]] == ["Organisation"] + [r.name for r in view.rows]
    omar = next(r for r in rows if r[0] == "Omar")
    assert omar[1] == "hidden" and set(omar[2:12]) == {"hidden"}
    exported = json.loads(as_json(view))
    assert [r["name"] for r in exported["rows"]] == [r.name for r in view.rows]
    for text in (as_csv(view), as_json(view)):
        assert "Hidden sub" not in text and "Ana" not in text and "Private to the manager" not in text


def test_sorted_by_a_column_with_hidden_cells_last(engine, company):
    with engine.connect() as conn:
        view = organisation_breakdown(conn, AdminScope.operator(), BY_MANAGER, Filters(), AS_OF, "conversations", True)
    assert [r.name for r in view.rows][0] == "Maria"


def test_over_http_a_manager_asking_for_another_managers_row_is_refused(peers, launch, team, other_team):
    maria = launch(team.manager)
    launch(other_team.manager)
    assert maria.get("/manager/reports/by-manager").status_code == 200
    from tests.coaching.test_authorization import person_id
    other = person_id(peers, other_team.manager)
    refused = maria.get(f"/manager/reports/by-manager?manager={other}")
    assert refused.status_code == 403 and "another manager" in refused.text
    admin = launch("admin-ada")
    page = admin.get("/admin/reports/by-manager?sort=conversations&order=desc")
    assert page.status_code == 200 and "Why some figures are hidden" in page.text
    assert admin.get("/admin/reports/by-team?format=json").headers["Content-Type"].startswith("application/json")
    assert admin.get("/admin/reports/by-team?format=xml").status_code == 400
    assert admin.get("/admin/reports/by-manager?course=abc").status_code == 400
    assert maria.get("/admin/reports/by-manager").status_code == 403


def test_the_import_reads_an_optional_team_column_and_refuses_a_bad_one():
    from adapter.domain.relationships import parse_relationship_csv

    rows, problems = parse_relationship_csv("learner_user_id,manager_user_id,team\na,m, Sales \nb,m,\n")
    assert not problems and [r.team for r in rows] == ["Sales", ""]
    _, problems = parse_relationship_csv("learner_user_id,manager_user_id,team\na,m,Sa\x00les\n")
    assert [str(p) for p in problems] == ["line 2: a team holds a control character (a NUL byte, say)"]


def test_over_time_by_quarter_and_month_hides_small_periods(engine, company):
    from adapter.reports.trends import MONTH, QUARTER, organisation_trend

    with engine.connect() as conn:
        quarters = organisation_trend(conn, AdminScope.operator(), QUARTER, Filters(), AS_OF)
        months = organisation_trend(conn, AdminScope.operator(), MONTH, Filters(), AS_OF)
    assert [r.name for r in quarters.rows][-3:] == ["2025-Q4", "2026-Q1", "2026-Q2"] and len(quarters.rows) == 8
    q1, q2 = quarters.rows[-2], quarters.rows[-1]
    assert q1.learners is None and q1.cell("conversations").hidden  # Ana's and Ben's records only
    # Q2 rests on 13 learners, but the dashboard's all-time figure minus Q2 would be Q1's
    # two learners: Q2's conversations are hidden beside Q1's.
    assert q2.learners == 13 and q2.cell("conversations").hidden and q2.cell("usefulness").hidden
    may = next(r for r in months.rows if r.name == "2026-05")
    june = next(r for r in months.rows if r.name == "2026-06")
    # June (Cai alone) is too small; May would be Q2 minus June: hidden beside it.
    assert june.cell("conversations").hidden and may.cell("conversations").hidden
    assert next(r for r in months.rows if r.name == "2026-04").cell("conversations").display == "0"
    assert len(months.rows) == 24


def test_over_time_page_and_exports(peers, launch, team):
    admin = launch("admin-ada")
    page = admin.get("/admin/reports/over-time?period=month&measure=conversations")
    assert page.status_code == 200 and "<svg" in page.text and "Why some figures are hidden" in page.text
    assert admin.get("/admin/reports/over-time?period=week").status_code == 400
    exported = admin.get("/admin/reports/over-time?format=json").json()
    assert exported["kind"] == "quarter" and len(exported["rows"]) == 8
    assert admin.get("/admin/reports/over-time?format=csv").text.startswith("quarter,learners,applied_30")


def test_recognition_lists_managers_meeting_the_bar_but_never_a_hidden_team(engine, company):
    from adapter.domain.targets import Quarter
    from adapter.reports.recognition import as_csv as recognition_csv, chosen_measures, recognised_managers

    with engine.connect() as conn:
        result = recognised_managers(conn, AdminScope.operator(), Quarter(2026, 2), chosen_measures(["usefulness"]),
                                     AS_OF)
    # Every Q2 rating was 4: Maria's and Zoe's teams both reach the organisation's 4.0, but
    # Zoe's row is hidden beside Omar's two learners, so only Maria is named.
    assert result.organisation.cell("usefulness").display == "4.0 / 5"
    assert [r.name for r in result.managers] == ["Maria"]
    assert recognition_csv(result).splitlines()[1].startswith("Maria,2026-Q2,4.00")
    with pytest.raises(RuleViolation):
        chosen_measures(["conversations"])  # a team's volume is not comparable with the organisation's


def test_recognition_page(peers, launch, team):
    admin = launch("admin-ada")
    page = admin.get("/admin/reports/recognition?quarter=2026-Q2&measure=applied_90&measure=cadence_kept")
    assert page.status_code == 200 and "Managers to recognise, 2026-Q2" in page.text
    assert "Why some figures are hidden" in page.text and "two filtered views cannot be subtracted" in page.text
    assert admin.get("/admin/reports/recognition?quarter=2026-Q9").status_code == 400
    assert admin.get("/admin/reports/recognition?measure=bogus").status_code == 400
    assert admin.get("/admin/reports/recognition?format=csv").text.startswith("manager,quarter,applied_90,usefulness")
    assert launch(team.manager).get("/admin/reports/recognition").status_code == 403


def test_an_admin_sets_the_smallest_group_and_opens_recognition_to_managers(peers, launch, team):
    import re
    from html import unescape

    manager = launch(team.manager)
    closed = manager.get("/manager/reports/recognition")
    assert closed.status_code == 403 and "not opened the recognition list" in closed.text
    admin = launch("admin-ada")
    page = admin.get("/admin/reports/by-manager")
    token = unescape(re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1))
    platform = re.search(r'id="privacy-platform" name="platform_id">\s*<option value="(\d+)"', page.text).group(1)
    form = {"platform_id": platform, "min_learners": "2"}
    assert admin.client.post(admin.tool_url + "/admin/reports/privacy", data=form).status_code == 403  # no token
    low = admin.client.post(admin.tool_url + "/admin/reports/privacy", data={**form, "csrf_token": token})
    assert low.status_code == 400 and "from 3 to 1000" in low.text
    saved = admin.client.post(admin.tool_url + "/admin/reports/privacy",
                              data={**form, "min_learners": "6", "csrf_token": token})
    assert saved.status_code == 200 and "The smallest group shown is saved." in saved.text
    assert "fewer than 6 learners" in saved.text
    assert manager.get("/manager/reports/recognition").status_code == 403  # the box was left unticked
    admin.client.post(admin.tool_url + "/admin/reports/privacy", data={
        **form, "min_learners": "6", "managers_see_recognition": "yes", "csrf_token": token})
    opened = manager.get("/manager/reports/recognition?quarter=2026-Q2")
    assert opened.status_code == 200 and "Managers to recognise, 2026-Q2" in opened.text
    elsewhere = admin.client.post(admin.tool_url + "/admin/reports/privacy",
                                  data={**form, "platform_id": "999999", "min_learners": "6", "csrf_token": token})
    assert elsewhere.status_code == 400  # not a platform this admin manages
