"""Recognition: the managers whose teams meet the organisation's bar, for a quarter.

L&D picks the measures; a manager is listed when, on every one of them, their current
team's figure for the quarter is shown (the small-group rule did not hide it) and is at
least the organisation's. Only managers are named; their teams' figures come along.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection

from adapter.domain.admin_scope import AdminScope
from adapter.domain.authorization import Forbidden
from adapter.domain.report_filters import Filters, month_index
from adapter.domain.rules import RuleViolation
from adapter.domain.small_groups import RULE, filter_hides_view
from adapter.domain.source_text import Translate, english
from adapter.domain.translatable import N_
from adapter.domain.targets import Quarter
from adapter.persistence import breakdown_queries as queries
from adapter.persistence import breakdown_sums as sums

from .breakdowns import BY_MANAGER, Row, counted_groups, grouped, rows_given_away
from .dashboards import spreadsheet_cell
from .trends import TREND_COLUMNS

DEFAULT_MEASURES = ("applied_90", "usefulness")
# The page never removes its quarter: the views a filtered list is compared with, as a whole
# and row by row, are the same quarter without some of its other filters.
QUARTER_KEPT = ("dates",)
# Rates and means only: a team's volume is never comparable with the organisation's total.
RECOGNISABLE = tuple(c for c in TREND_COLUMNS if c not in ("conversations", "decisions", "decision_days"))


@dataclass(frozen=True)
class Recognition:
    quarter: Quarter
    measures: tuple[str, ...]
    min_learners: int
    organisation: Row
    managers: list[Row]  # those meeting the bar, by name
    filters: Filters = Filters()  # the page's platform, course, activity and team

    @property
    def rule_message(self) -> tuple[str, dict]:
        """The small-group rule, explained on the page as on the breakdowns (same text)."""
        return RULE, {"k": self.min_learners}


def chosen_measures(asked: list[str]) -> tuple[str, ...]:
    measures = tuple(dict.fromkeys(asked)) or DEFAULT_MEASURES
    if any(m not in RECOGNISABLE for m in measures):
        raise RuleViolation(N_("Measures"), N_("%(field)s must be chosen from the list"), "measure")
    return measures


def recognised_managers(conn: Connection, scope: AdminScope | None, quarter: Quarter, measures: tuple[str, ...],
                        as_of: date, filters: Filters = Filters()) -> Recognition:
    """Records dated in ``quarter`` (and kept by ``filters``' platform, course, activity and
    team), cut like a by-manager view of that date range."""
    if scope is None:
        raise Forbidden(N_("the recognition list is for administrators"))
    k = queries.min_learners(conn, scope)
    start = month_index(quarter.starts_on)
    dated = Filters(filters.platform_id, filters.course_id, filters.team, filters.activity, start, start + 2)
    organisation, groups = counted_groups(conn, scope, BY_MANAGER, dated, as_of)
    left_out = sums.left_out(conn, scope, dated, QUARTER_KEPT)
    withheld = filters.any and filter_hides_view(organisation.learners, left_out, k)
    names = queries.manager_names(conn, scope)
    crossed = rows_given_away(conn, scope, BY_MANAGER, dated, k, withheld, groups, QUARTER_KEPT)
    organisation_row, rows = grouped(conn, scope, BY_MANAGER, dated, as_of, k, withheld, organisation, groups,
                                     names, set(names), crossed)
    bar = {m: organisation_row.cell(m).value for m in measures}
    met = [row for _, row in rows if not row.hidden and all(
        bar[m] is not None and row.cell(m).value is not None and row.cell(m).value >= bar[m] for m in measures)]
    return Recognition(quarter, measures, k, organisation_row, sorted(met, key=lambda r: r.name), filters)


def as_csv(recognition: Recognition, translate: Translate = english) -> str:
    """The list as shown, its words in ``translate``'s language (measure keys stay as they are)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([translate(N_("manager")), translate(N_("quarter")), *recognition.measures,
                     *(translate(N_("organisation:%(measure)s"), measure=m) for m in recognition.measures)])
    bar = ["" if c.value is None else f"{c.value:.2f}" for c in map(recognition.organisation.cell, recognition.measures)]
    for row in recognition.managers:
        writer.writerow([spreadsheet_cell(row.name), str(recognition.quarter),
                         *(f"{row.cell(m).value:.2f}" for m in recognition.measures), *bar])
    return out.getvalue()
