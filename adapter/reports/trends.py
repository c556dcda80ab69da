"""Each measure over time: by month (last 24) or by quarter (last 8), with the quarterly
targets beside the quarters, cut by the same small-group rule as the breakdowns.

A record counts in the period of its own date: an activity in the month of its activity
date (its application rate read on the report date), a planned conversation in the month
it was planned for, an agreed action in the month it was due, a conversation in the month
it was held, a decision (and its time to a decision) in the month it was made.

A month is hidden when it rests on fewer than *k* learners, when it is the only hidden
month among the shown ones (complementary suppression, as for the breakdowns' rows), and
when its quarter, shown in the quarterly view, minus its other months would give it away.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Iterable

from sqlalchemy import Connection

from adapter.domain.admin_scope import AdminScope
from adapter.domain.authorization import Forbidden, NotFound
from adapter.domain.report_filters import Filters, month_index, month_text
from adapter.domain.small_groups import filter_hides_view, hidden_counted
from adapter.domain.targets import TARGET_MEASURES, Quarter
from adapter.domain.translatable import N_
from adapter.persistence import breakdown_queries as queries
from adapter.persistence import breakdown_sums as sums
from adapter.persistence import targets_store
from adapter.persistence.breakdown_sums import MONTH, ORGANISATION, QUARTER, RESTING

from .breakdowns import rows_given_away
from .figures import COLUMNS, EMPTY, LEARNERS, Counted, Row, month_rule, row_of

PERIODS = {MONTH: 24, QUARTER: 8}
TREND_COLUMNS = COLUMNS


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
    return {**asdict(trend), "as_of": trend.as_of.isoformat(), "filters": trend.filters.as_url()}


def period_name(index: int, kind: str) -> str:
    return f"{index // 4}-Q{index % 4 + 1}" if kind == QUARTER else month_text(index)


def last_periods(as_of: date, kind: str) -> list[int]:
    """The last N months or quarters (as breakdown_sums numbers them), oldest first, ending
    with the one ``as_of`` is in."""
    last = month_index(as_of) // (3 if kind == QUARTER else 1)
    return list(range(last - PERIODS[kind] + 1, last + 1))


def organisation_trend(conn: Connection, scope: AdminScope | None, kind: str, filters: Filters, as_of: date) -> Trend:
    if scope is None:
        raise Forbidden(N_("reports over time are for administrators"))
    if kind not in PERIODS:
        raise NotFound("no such period")
    k = queries.min_learners(conn, scope)
    periods = last_periods(as_of, kind)
    counts = sums.period_counts(conn, scope, filters, as_of, kind, periods)
    withheld = filters.any and filter_hides_view(sums.learner_counts(conn, scope, filters, ORGANISATION).get(0, 0),
                                                 sums.left_out(conn, scope, filters), k)
    crossed = rows_given_away(conn, scope, kind, filters, k, withheld,
                              {p: Counted(EMPTY.sums, n) for p, n in counts.learners.items()})
    by_month = month_rule(conn, scope, filters, as_of, kind, k)
    org_hidden = {fact for fact, keys in by_month.items() if ("organisation",) in keys}

    hidden: dict[str, set] = {}
    for fact in RESTING:
        def union(keys: set, fact: str = fact) -> int:
            return sums.learners_in_periods(conn, scope, filters, as_of, kind, fact, keys)
        sizes = {p: counts.sums[p].resting[fact] if p in counts.sums else 0 for p in periods}
        hidden[fact] = hidden_counted(sizes, counts.alone[fact], counts.everyone[fact], k, union,
                                      (by_month[fact] | crossed) & set(periods))
        if kind == MONTH:  # the quarterly view's total of a quarter must not give a month away
            for quarter in {p // 3 for p in periods}:
                months = {p: n for p, n in sizes.items() if p // 3 == quarter}
                hidden[fact] |= hidden_counted(months, counts.alone_in_quarter[fact],
                                               counts.quarter_everyone[fact].get(quarter, 0), k, union)
    rows = [row_of(period_name(p, kind), Counted(counts.sums.get(p, EMPTY.sums), counts.learners.get(p, 0)), k,
                   withheld or p in crossed,
                   {fact for fact, keys in hidden.items() if p in keys} | org_hidden
                   | ({LEARNERS} if p in by_month[LEARNERS] else set())) for p in periods]
    targets = _targets(conn, scope, [period_name(p, kind) for p in periods]) if kind == QUARTER else []
    return Trend(kind, as_of, k, filters, rows, withheld, targets)


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
