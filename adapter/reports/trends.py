"""Each measure over time: by month (last 24) or by quarter (last 8), with the quarterly
targets beside the quarters, cut by the same small-group rule as the breakdowns.

A record counts in the period of its own date: an activity in the month of its activity
date (its application rate read on the report date), a planned conversation in the month
it was planned for, an agreed action in the month it was due, a conversation in the month
it was held, a decision in the month it was made. The median time to a decision needs the
moment each request was asked and is shown for the whole period on the dashboard only.

A month is hidden when it rests on fewer than *k* learners, when it is the only hidden
month among the shown ones (complementary suppression, as for the breakdowns' rows), and
when its quarter, shown in the quarterly view, minus its other months would give it away.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Iterable

from sqlalchemy import Connection

from adapter.domain.admin_scope import AdminScope
from adapter.domain.authorization import Forbidden, NotFound
from adapter.reports.measures import COMMITMENT, EPOCH, PLAN, START, USEFUL_RATING, Facts, facts_on
from adapter.domain.small_groups import filter_hides_view, hidden_rows
from adapter.domain.targets import TARGET_MEASURES, Quarter
from adapter.domain.translatable import N_
from adapter.persistence import breakdown_queries as queries
from adapter.persistence import targets_store

from .breakdowns import COLUMNS, Filters, Row, filtered_entries, resting, row_of

MONTH, QUARTER = "month", "quarter"
PERIODS = {MONTH: 24, QUARTER: 8}
TREND_COLUMNS = tuple(c for c in COLUMNS if c != "decision_days")
DATED_KINDS = (START, PLAN, COMMITMENT)  # the summary's kinds whose bucket is a day


@dataclass(frozen=True)
class QuarterTargets:
    quarter: str
    targets: dict[str, int]  # measure -> the teams' targets added up
    actuals: dict[str, int]  # measure -> what those teams did


@dataclass(frozen=True)
class Trend:
    kind: str
    as_of: date
    min_learners: int
    filters: Filters
    rows: list[Row]  # one per period, oldest first
    withheld: bool = False
    targets: list[QuarterTargets] = field(default_factory=list)

    @property
    def target_labels(self) -> dict[str, str]:
        return TARGET_MEASURES


def as_dict(trend: Trend) -> dict:
    return {**asdict(trend), "as_of": trend.as_of.isoformat()}


def period_of(day: date, kind: str) -> str:
    return str(Quarter.of(day)) if kind == QUARTER else f"{day.year}-{day.month:02d}"


def last_periods(as_of: date, kind: str) -> list[str]:
    """The last N months or quarters, oldest first, ending with the one ``as_of`` is in."""
    year, month = as_of.year, as_of.month - (as_of.month - 1) % 3 if kind == QUARTER else as_of.month
    step = 3 if kind == QUARTER else 1
    periods = []
    for _ in range(PERIODS[kind]):
        periods.append(period_of(date(year, month, 1), kind))
        month -= step
        if month < 1:
            month += 12
            year -= 1
    return periods[::-1]


def _first_day(period: str, kind: str) -> date:
    if kind == QUARTER:
        return Quarter.parse(period).starts_on
    year, month = period.split("-")
    return date(int(year), int(month), 1)


def organisation_trend(conn: Connection, scope: AdminScope | None, kind: str, filters: Filters, as_of: date) -> Trend:
    if scope is None:
        raise Forbidden(N_("reports over time are for administrators"))
    if kind not in PERIODS:
        raise NotFound("no such period")
    k = queries.min_learners(conn, scope)
    periods = last_periods(as_of, kind)
    since = _first_day(periods[0], kind)
    left_out, kept, teams = filtered_entries(conn, scope, filters)
    per_period = _facts_per_period(conn, scope, filters, kind, as_of, since, kept, teams)
    shown = frozenset(learner for facts in per_period.values() for learner in facts)
    withheld = filters.any and filter_hides_view(frozenset(kept) | shown, left_out, k)

    hidden: dict[str, set[str]] = {}
    for key in TREND_COLUMNS:
        groups = {p: resting(per_period.get(p, {}), per_period.get(p, {}), key) for p in periods}
        hidden[key] = hidden_rows(groups, frozenset().union(*groups.values()), k)
        if kind == MONTH:  # the quarterly view's total of a quarter must not give a month away
            for quarter in {str(Quarter.of(_first_day(p, MONTH))) for p in periods}:
                months = {p: g for p, g in groups.items() if str(Quarter.of(_first_day(p, MONTH))) == quarter}
                hidden[key] |= hidden_rows(months, frozenset().union(*months.values()), k)
    rows = [row_of(p, frozenset(per_period.get(p, {})), per_period.get(p, {}), k, withheld,
                   {key for key in TREND_COLUMNS if p in hidden[key]}, TREND_COLUMNS) for p in periods]
    targets = _targets(conn, scope, periods) if kind == QUARTER else []
    return Trend(kind, as_of, k, filters, rows, withheld, targets)


def facts_in_quarter(conn: Connection, scope: AdminScope, quarter: Quarter, as_of: date) -> dict[int, Facts]:
    """Each learner's facts from their records dated in ``quarter`` (every platform in ``scope``)."""
    _, kept, teams = filtered_entries(conn, scope, Filters())
    per_period = _facts_per_period(conn, scope, Filters(), QUARTER, as_of, quarter.starts_on, kept, teams)
    return per_period.get(str(quarter), {})


def _facts_per_period(conn: Connection, scope: AdminScope, filters: Filters, kind: str, as_of: date, since: date,
                      kept: dict[int, list], teams: dict[int, str]) -> dict[str, dict[int, Facts]]:
    """Each period's facts per learner (periods from ``since``): dated summary rows, then
    conversations and decisions, counted as plain numbers and made ``Facts`` once each."""
    first = period_of(since, kind)  # period names sort as their dates do
    dated: dict[tuple[str, int], list] = {}
    for learner, rows in kept.items():
        for row in rows:
            if row[0] in DATED_KINDS:
                period = period_of(EPOCH + timedelta(days=row[1]), kind)
                if period >= first:
                    dated.setdefault((period, learner), []).append(row)
    counts: dict[tuple[str, int], dict[str, int]] = {}

    def count(period: str, learner: int, **values: int) -> None:
        into = counts.setdefault((period, learner), {})
        for name, value in values.items():
            into[name] = into.get(name, 0) + value

    def wanted(row) -> bool:
        return filters.keeps(row.platform_id, row.context_pk) and (not filters.team or
                                                                    teams.get(row.learner_id) == filters.team)

    for row in queries.dated_conversations(conn, scope, since):
        if wanted(row):
            rated = row.rating is not None
            count(period_of(row.held_on, kind), row.learner_id, conversations=1, rated=int(rated),
                  rating_total=row.rating or 0, rated_useful=int(rated and row.rating >= USEFUL_RATING))
    for row in queries.dated_decisions(conn, scope, since):
        if wanted(row):
            count(period_of(_utc_day(row.decided_at), kind), row.learner_id, decisions=1,
                  validated=int(bool(row.validated)))
    per_period: dict[str, dict[int, Facts]] = {}
    for key in dated.keys() | counts.keys():
        facts = facts_on(dated[key], as_of) if key in dated else Facts()
        if key in counts:
            facts = facts + Facts(**counts[key])
        per_period.setdefault(key[0], {})[key[1]] = facts
    return per_period


def _utc_day(moment: float) -> date:
    return EPOCH + timedelta(days=int(moment // 86400))


def _targets(conn: Connection, scope: AdminScope, periods: Iterable[str]) -> list[QuarterTargets]:
    """Every team's targets for each quarter, added up, beside what those teams did in it."""
    result = []
    for period in periods:
        quarter = Quarter.parse(period)
        set_targets = targets_store.targets_of(conn, quarter, scope)
        actuals = targets_store.team_actuals(conn, quarter, scope) if set_targets else {}
        totals: dict[str, int] = {}
        done: dict[str, int] = {}
        for row in set_targets:
            totals[row["measure"]] = totals.get(row["measure"], 0) + row["target"]
            done[row["measure"]] = done.get(row["measure"], 0) + actuals.get((row["manager_id"], row["measure"]), 0)
        result.append(QuarterTargets(period, totals, done))
    return result
