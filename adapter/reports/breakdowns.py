"""Every measure by manager and by team, with the organisation's value beside each row,
cut by the small-group rule (adapter/domain/small_groups.py) before anyone sees it.

A manager's row is their current mentees' records (whoever held the conversations), as
on the manager's own dashboard; a team's row is the records of the people whose team it
is. Rows and cells carry counts and rates only: no learner is named. The figures come
from each learner's share of the report summary, read on the report date with the same
``facts_on`` the organisation dashboard's SQL reproduces, so a row adds up like the rest.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Iterable

from sqlalchemy import Connection, Engine

from adapter.domain.admin_scope import AdminScope
from adapter.domain.authorization import Forbidden, NotFound, Viewer
from adapter.reports.measures import Facts, facts_on, measures, total
from adapter.domain.small_groups import RULE, filter_hides_view, hidden_rows, min_learners_from, too_small
from adapter.domain.source_text import Translate, english
from adapter.domain.translatable import N_
from adapter.persistence import breakdown_queries as queries

from .dashboards import spreadsheet_cell

BY_MANAGER, BY_TEAM = "manager", "team"
GROUP_NAMES = {BY_MANAGER: N_("manager"), BY_TEAM: N_("team")}  # a download's first column
HIDDEN = N_("hidden")  # a figure the small-group rule hides, in a download
VOLUME = (("conversations", N_("Conversations held")), ("decisions", N_("Validations decided")))
# The facts whose learners a column's figure rests on.
RESTS_ON = {"applied_30": "cohort_30", "applied_60": "cohort_60", "applied_90": "cohort_90",
            "decision_days": "decisions", "cadence_kept": "planned", "commitments_on_time": "commitments_due",
            "usefulness": "rated", "conversation_before": "activity_starts", "conversations": "conversations",
            "decisions": "decisions"}
COLUMNS = tuple(RESTS_ON)


@dataclass(frozen=True)
class Filters:
    platform_id: int | None = None
    course_id: int | None = None
    team: str = ""

    def keeps(self, platform_id: int, course_id: int | None) -> bool:
        return (self.platform_id is None or platform_id == self.platform_id) and \
            (self.course_id is None or course_id == self.course_id)

    @property
    def any(self) -> bool:
        return self.platform_id is not None or self.course_id is not None or bool(self.team)


@dataclass(frozen=True)
class Cell:
    key: str
    label: str
    value: float | None  # None when hidden or nothing to measure
    display: str
    learners: int | None  # None when hidden
    hidden: bool
    unit: str = ""  # as Measure.unit; "" for a count


@dataclass(frozen=True)
class Row:
    name: str
    learners: int | None
    cells: list[Cell]
    hidden: bool

    def cell(self, key: str) -> Cell:
        return next(c for c in self.cells if c.key == key)


@dataclass(frozen=True)
class Breakdown:
    by: str
    as_of: date
    min_learners: int
    filters: Filters
    organisation: Row
    rows: list[Row] = field(default_factory=list)
    withheld: bool = False  # the filter leaves out a small group: nothing is shown

    @property
    def rule(self) -> str:
        return RULE % {"k": self.min_learners}

    @property
    def rule_message(self) -> tuple[str, dict]:
        """The rule as the page translates it: (text marked with ``N_``, its values)."""
        return RULE, {"k": self.min_learners}

    @property
    def columns(self) -> list[tuple[str, str]]:
        return [(c.key, c.label) for c in self.organisation.cells]


def organisation_breakdown(conn: Connection, scope: AdminScope | None, by: str, filters: Filters, as_of: date,
                           sort: str = "", descending: bool = False) -> Breakdown:
    if scope is None:
        raise Forbidden(N_("breakdowns by manager and team are for administrators"))
    if by not in (BY_MANAGER, BY_TEAM):
        raise NotFound("no such breakdown")
    breakdown = _breakdown(conn, scope, by, filters, as_of)
    return _sorted(breakdown, sort, descending)


def my_team_breakdown(conn: Connection, viewer: Viewer, as_of: date, manager_id: int | None = None) -> Breakdown:
    """A manager's own row and the organisation's, never another manager's: the row is
    cut exactly as on the admin's page, so a manager learns nothing the rule hides."""
    if manager_id is not None and manager_id != viewer.person_id:
        raise Forbidden(N_("a manager sees their own team's figures and the organisation's, not another manager's"))
    scope = AdminScope.of_platform(viewer.platform_id)
    return _breakdown(conn, scope, BY_MANAGER, Filters(), as_of, only_manager=viewer.person_id)


def filtered_entries(conn: Connection, scope: AdminScope, filters: Filters):
    """(the learners with records the filters leave out, each kept learner's (kind, bucket,
    counts) the filters keep, people's teams)."""
    entries = queries.learner_entries(conn, scope)
    teams = queries.teams_of_people(conn, scope)
    kept_entries, left_out = {}, set()
    for learner, rows in entries.items():
        in_team = not filters.team or teams.get(learner) == filters.team
        kept = [(kind, bucket, counts) for p, c, kind, bucket, counts in rows if in_team and filters.keeps(p, c)]
        if kept:
            kept_entries[learner] = kept
        if len(kept) < len(rows):
            left_out.add(learner)
    return frozenset(left_out), kept_entries, teams


def _breakdown(conn: Connection, scope: AdminScope, by: str, filters: Filters, as_of: date,
               only_manager: int | None = None) -> Breakdown:
    k = queries.min_learners(conn, scope)
    left_out, kept, teams = filtered_entries(conn, scope, filters)
    facts = {learner: facts_on(rows, as_of) for learner, rows in kept.items()}
    withheld = filters.any and filter_hides_view(frozenset(facts), left_out, k)
    organisation, rows = grouped(conn, scope, by, facts, k, withheld, teams)
    if only_manager is not None:
        rows = [row for key, row in rows if key == str(only_manager)]
    else:
        rows = [row for _, row in rows]
    return Breakdown(by, as_of, k, filters, organisation, rows, withheld)


def grouped(conn: Connection, scope: AdminScope, by: str, facts: dict[int, Facts], k: int, withheld: bool,
            teams: dict[int, str]) -> tuple[Row, list[tuple[str, Row]]]:
    """The organisation's row and each group's (its key, its row) from each learner's facts,
    cut by the small-group rule."""
    shown = frozenset(facts)
    groups: dict[str, frozenset[int]] = {}
    if by == BY_MANAGER:  # keyed by id: two managers may share a name
        managers = queries.current_teams_of_managers(conn, scope)
        groups = {str(i): frozenset(t["learners"]) & shown for i, t in managers.items()}
        names = {str(i): t["name"] for i, t in managers.items()}
    else:
        for learner, team in teams.items():
            if learner in shown:
                groups[team] = groups.get(team, frozenset()) | {learner}
        names = {team: team for team in groups}

    row_hidden = hidden_rows(groups, shown, k) if not withheld else set(groups)
    column_hidden = {key: hidden_rows({g: resting(learners, facts, key) for g, learners in groups.items()},
                                      resting(shown, facts, key), k) for key in COLUMNS}
    organisation = row_of("Organisation", shown, facts, k, withheld, set())
    return organisation, [(g, row_of(names[g], learners, facts, k, g in row_hidden,
                                     {key for key in COLUMNS if g in column_hidden[key]}))
                          for g, learners in groups.items()]


def resting(learners: Iterable[int], facts: dict[int, Facts], key: str) -> frozenset[int]:
    name = RESTS_ON[key]
    return frozenset(l for l in learners if getattr(facts[l], name))


def row_of(name: str, learners: frozenset[int], facts: dict[int, Facts], k: int, hidden: bool,
           hidden_columns: set[str], columns: tuple[str, ...] = COLUMNS) -> Row:
    """One row's cells, each cut when the row is hidden, its column is, or it rests on too few."""
    summed = total(facts[l] for l in learners)
    values = {m.key: (m.label, m.value, m.display, m.unit) for m in measures(summed)}
    for key, label in VOLUME:
        count = getattr(summed, key)
        values[key] = (label, float(count), str(count), "")
    cells = []
    for key in columns:
        label, value, display, unit = values[key]
        rest = len(resting(learners, facts, key))
        cut = hidden or key in hidden_columns or too_small(rest, k)
        cells.append(Cell(key, label, None if cut else value, HIDDEN if cut else display,
                          None if cut else rest, cut, unit))
    return Row(name, None if hidden or too_small(len(learners), k) else len(learners), cells, hidden)


def _sorted(breakdown: Breakdown, sort: str, descending: bool) -> Breakdown:
    """By a column (hidden and empty cells last, whatever the order), else by name."""
    if sort in COLUMNS:
        present = [r for r in breakdown.rows if r.cell(sort).value is not None]
        rest = sorted((r for r in breakdown.rows if r.cell(sort).value is None), key=lambda r: r.name)
        rows = sorted(present, key=lambda r: r.cell(sort).value, reverse=descending) + rest
    else:
        rows = sorted(breakdown.rows, key=lambda r: r.name, reverse=descending)
    return Breakdown(breakdown.by, breakdown.as_of, breakdown.min_learners, breakdown.filters,
                     breakdown.organisation, rows, breakdown.withheld)


def save_privacy(engine: Engine, scope: AdminScope, platform_id: int, text: str, managers_see_recognition: bool,
                 now: float) -> int:
    """The platform's smallest group shown, and whether its managers see the recognition list."""
    value = min_learners_from(text)
    with engine.begin() as conn:
        queries.save_privacy(conn, scope.require(platform_id), value, managers_see_recognition, now)
    return value


def as_dict(breakdown: Breakdown) -> dict:
    return {"by": breakdown.by, "as_of": breakdown.as_of.isoformat(), "min_learners": breakdown.min_learners,
            "rule": breakdown.rule, "filters": asdict(breakdown.filters), "withheld": breakdown.withheld,
            "organisation": asdict(breakdown.organisation), "rows": [asdict(r) for r in breakdown.rows]}


def as_json(breakdown: Breakdown) -> str:
    return json.dumps(as_dict(breakdown), indent=1)


def as_csv(breakdown: Breakdown, translate: Translate = english) -> str:
    """The table as shown, its words in ``translate``'s language (measure keys stay as they are)."""
    out = io.StringIO()
    writer = csv.writer(out)
    hidden = translate(HIDDEN)
    writer.writerow([translate(GROUP_NAMES[breakdown.by]), translate(N_("learners")), *COLUMNS,
                     *(translate(N_("organisation:%(measure)s"), measure=key) for key in COLUMNS)])
    org = ["" if c.hidden or c.value is None else f"{c.value:.2f}" for c in breakdown.organisation.cells]
    for row in [breakdown.organisation, *breakdown.rows]:
        writer.writerow([spreadsheet_cell(row.name), hidden if row.learners is None else row.learners,
                         *(hidden if c.hidden else "" if c.value is None else f"{c.value:.2f}" for c in row.cells),
                         *org])
    return out.getvalue()
