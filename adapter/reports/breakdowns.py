"""Every measure by manager and by team, with the organisation's value beside each row,
cut by the small-group rule (adapter/domain/small_groups.py) before anyone sees it.

A manager's row is their current mentees' records (whoever held the conversations), as
on the manager's own dashboard; a team's row is the records of the people whose team it
is. Rows and cells carry counts and rates only: no learner is named. The figures are
added up in SQL (adapter/persistence/breakdown_sums.py) over each learner's share of the
report summary, read on the report date as ``facts_on`` does, so a row adds up like the rest.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine

from adapter.domain.admin_scope import AdminScope
from adapter.domain.authorization import Forbidden, NotFound, Viewer
from adapter.domain.report_filters import Filters
from adapter.domain.small_groups import RULE, filter_hides_rows, filter_hides_view, min_learners_from
from adapter.domain.source_text import Translate, english
from adapter.domain.translatable import N_
from adapter.persistence import breakdown_queries as queries
from adapter.persistence.breakdown_differences import left_out_per_group
from adapter.persistence import breakdown_sums as sums

from .dashboards import spreadsheet_cell
from .figures import COLUMNS, EMPTY, HIDDEN, LEARNERS, Counted, Row, counted, hidden_per_fact, month_rule, row_of, \
    shared_masks

BY_MANAGER, BY_TEAM = "manager", "team"
GROUP_NAMES = {BY_MANAGER: N_("manager"), BY_TEAM: N_("team")}  # a download's first column
PAGE_SIZE = 100  # rows a page shows; the exports have every row


@dataclass(frozen=True)
class Breakdown:
    by: str
    as_of: date
    min_learners: int
    filters: Filters
    organisation: Row
    rows: list[Row] = field(default_factory=list)  # one page of them when a page was asked for
    withheld: bool = False  # the filter leaves out a small group: nothing is shown
    total: int = 0  # how many rows there are in every page

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
                           sort: str = "", descending: bool = False, page: int | None = None) -> Breakdown:
    """Every row, or only page ``page`` (from 1) of PAGE_SIZE; sorted by name, only that
    page's rows are built (thousands of managers)."""
    if scope is None:
        raise Forbidden(N_("breakdowns by manager and team are for administrators"))
    if by not in (BY_MANAGER, BY_TEAM):
        raise NotFound("no such breakdown")
    by_name = page is not None and sort not in COLUMNS
    breakdown = _sorted(_breakdown(conn, scope, by, filters, as_of, page=page if by_name else None,
                                   descending=descending), sort, descending)
    if page is None or by_name:
        return breakdown
    return replace(breakdown, rows=breakdown.rows[(page - 1) * PAGE_SIZE:page * PAGE_SIZE])


def my_team_breakdown(conn: Connection, viewer: Viewer, as_of: date, manager_id: int | None = None) -> Breakdown:
    """A manager's own row and the organisation's, never another manager's: the row is
    cut exactly as on the admin's page, so a manager learns nothing the rule hides."""
    if manager_id is not None and manager_id != viewer.person_id:
        raise Forbidden(N_("a manager sees their own team's figures and the organisation's, not another manager's"))
    scope = AdminScope.of_platform(viewer.platform_id)
    return _breakdown(conn, scope, BY_MANAGER, Filters(), as_of, only_manager=viewer.person_id)


def _breakdown(conn: Connection, scope: AdminScope, by: str, filters: Filters, as_of: date,
               only_manager: int | None = None, page: int | None = None, descending: bool = False) -> Breakdown:
    k = queries.min_learners(conn, scope)
    wanted: set | None = None  # every group's row
    if by == BY_MANAGER:
        names = queries.manager_names(conn, scope)
        if only_manager is not None:
            wanted = {only_manager}
        elif page is not None:  # by name: the page's groups are known before any row is built
            ordered = sorted(names, key=lambda g: names[g], reverse=descending)
            wanted = set(ordered[(page - 1) * PAGE_SIZE:page * PAGE_SIZE])
    organisation, groups = counted_groups(conn, scope, by, filters, as_of, wanted)
    withheld = filters.any and filter_hides_view(organisation.learners, sums.left_out(conn, scope, filters), k)
    if by == BY_TEAM:
        names = {team: team for team in groups}
        if page is not None:
            wanted = set(sorted(names, reverse=descending)[(page - 1) * PAGE_SIZE:page * PAGE_SIZE])
    if wanted is None:
        wanted = set(names)
    crossed = rows_given_away(conn, scope, by, filters, k, withheld, groups)
    org_row, rows = grouped(conn, scope, by, filters, as_of, k, withheld, organisation, groups, names, wanted, crossed)
    return Breakdown(by, as_of, k, filters, org_row, [row for _, row in rows], withheld, len(names))


def counted_groups(conn: Connection, scope: AdminScope, by: str, filters: Filters, as_of: date,
                   histograms_of: set | None = None) -> tuple[Counted, dict[Any, Counted]]:
    groups = counted(conn, scope, filters, as_of, by, histograms_of)
    return groups.pop(None, EMPTY), groups


def rows_given_away(conn: Connection, scope: AdminScope, grouping: str, filters: Filters, k: int, withheld: bool,
                    groups: dict[Any, Counted], always: tuple[str, ...] = ()) -> set:
    """The rows of a filtered view that the same rows of a wider view (some filters removed,
    never those in ``always``) would give away by subtraction."""
    if withheld or not any(name not in always for name in sums.filter_conditions(filters)):
        return set()
    return filter_hides_rows({g: group.learners for g, group in groups.items()},
                             left_out_per_group(conn, scope, filters, grouping, always), k)


def grouped(conn: Connection, scope: AdminScope, by: str, filters: Filters, as_of: date, k: int, withheld: bool,
            organisation: Counted, found: dict[Any, Counted], names: dict[Any, str],
            wanted: set, crossed: set = frozenset()) -> tuple[Row, list[tuple[Any, Row]]]:
    """The organisation's row and the ``wanted`` groups' (its key, its row), cut by the
    small-group rule over every group in ``names`` (each manager with a current team, keyed
    by id: two may share a name; or each team); ``crossed``: groups hidden whole, as
    ``rows_given_away`` found them (the rest then hidden beside them as for any hidden row)."""
    groups = {g: found.get(g, EMPTY) for g in names}
    by_month = month_rule(conn, scope, filters, as_of, by, k)
    org_hidden = {fact for fact, keys in by_month.items() if ("organisation",) in keys}
    # A small month hides a fact's figure (and so its complement), but only a row's count of learners.
    already = {fact: (set() if fact == LEARNERS else keys) | set(crossed) for fact, keys in by_month.items()}
    hidden = hidden_per_fact(groups, organisation, k, shared_masks(conn, scope, filters, as_of, by), already)
    org_row = row_of("Organisation", organisation, k, withheld, org_hidden)
    return org_row, [(g, row_of(names[g], group, k, withheld or g in hidden[LEARNERS],
                                {fact for fact, keys in hidden.items() if g in keys} | org_hidden
                                | ({LEARNERS} if g in by_month[LEARNERS] else set())))
                     for g, group in groups.items() if g in wanted]


def _sorted(breakdown: Breakdown, sort: str, descending: bool) -> Breakdown:
    """By a column (hidden and empty cells last, whatever the order), else by name."""
    if sort in COLUMNS:
        present = [r for r in breakdown.rows if r.cell(sort).value is not None]
        rest = sorted((r for r in breakdown.rows if r.cell(sort).value is None), key=lambda r: r.name)
        rows = sorted(present, key=lambda r: r.cell(sort).value, reverse=descending) + rest
    else:
        rows = sorted(breakdown.rows, key=lambda r: r.name, reverse=descending)
    return replace(breakdown, rows=rows)


def save_privacy(engine: Engine, scope: AdminScope, platform_id: int, text: str, managers_see_recognition: bool,
                 now: float) -> int:
    """The platform's smallest group shown, and whether its managers see the recognition list."""
    value = min_learners_from(text)
    with engine.begin() as conn:
        queries.save_privacy(conn, scope.require(platform_id), value, managers_see_recognition, now)
    return value


def as_dict(breakdown: Breakdown) -> dict:
    return {"by": breakdown.by, "as_of": breakdown.as_of.isoformat(), "min_learners": breakdown.min_learners,
            "rule": breakdown.rule, "filters": breakdown.filters.as_url(), "withheld": breakdown.withheld,
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
