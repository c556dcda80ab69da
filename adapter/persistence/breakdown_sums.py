"""The breakdowns' sums in SQL: every measure's counts per manager, per team, per month or
quarter, and for the whole organisation, over each learner's share of the report summary
kept per record date and activity (``report_learner_rows``), filtered in the WHERE clause.

One query per kind of record, each first adding up a learner's rows (so that how many
learners a figure rests on is counted exactly), then grouping them: a few thousand rows
come back, not every learner's. Beside the sums, what the small-group rule needs: how many
learners each group has, the learners who belong to several groups (a learner with two
current managers), how many learners a filter leaves out, and per month how many learners
each group's figures rest on (a date range must not be differenced month by month).
Facts mean what adapter.reports.dated_facts.facts_on says; tests/reports check both agree.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from datetime import date
from typing import Any, Iterable

from sqlalchemy import ColumnElement, Connection, and_, case, cast, func, literal, not_, null, select, union_all

from adapter.domain.admin_scope import AdminScope
from adapter.domain.report_filters import Filters
from adapter.reports.dated_facts import COMMITMENT, CONVERSATION, DATED_KINDS, DECISION, PLAN, START, day_number
from adapter.reports.measures import APPLICATION_DAYS, FOLLOW_UP_GRACE_DAYS

from .database import is_postgresql
from .report_summaries import histogram_of, histogram_text
from .report_summary_tables import report_learner_rows as r
from .scoping import within
from .tables import manager_links, people

MANAGER, TEAM, MONTH, QUARTER, ORGANISATION = "manager", "team", "month", "quarter", "organisation"
PERIODS = (MONTH, QUARTER)
# The facts a figure rests on (how many learners have some of it): counted per group.
RESTING = ("activity_starts", "cohort_30", "cohort_60", "cohort_90", "decisions", "planned", "commitments_due",
           "rated", "conversations")


@dataclass(frozen=True)
class GroupSums:
    facts: dict[str, int]  # Facts' counts, added up over the group's learners
    resting: dict[str, int]  # fact -> how many of its learners have some of it
    decision_hours: tuple[tuple[int, int], ...]
    learners: int | None = None  # how many learners the group has, when the same statement counted them


def _kinds(as_of: date) -> dict[str, tuple[Any, list[tuple[str, Any]]]]:
    """Per kind: the rows that count on ``as_of`` (None: all) and each fact's value per row."""
    today = day_number(as_of)
    starts: list[tuple[str, Any]] = [("activity_starts", r.c.n), ("conversation_before", r.c.d)]
    for days, applied in zip(APPLICATION_DAYS, (r.c.a, r.c.b, r.c.c)):
        old_enough = r.c.bucket <= today - days
        starts += [(f"cohort_{days}", case((old_enough, r.c.n), else_=0)),
                   (f"applied_{days}", case((old_enough, applied), else_=0))]
    return {
        START: (None, starts),
        DECISION: (None, [("decisions", r.c.n), ("validated", r.c.a)]),
        PLAN: (r.c.bucket < today - FOLLOW_UP_GRACE_DAYS, [("planned", r.c.n), ("kept", r.c.a)]),
        COMMITMENT: (r.c.bucket < today, [("commitments_due", r.c.n), ("done_on_time", r.c.a)]),
        CONVERSATION: (None, [("conversations", r.c.n), ("rated", r.c.a), ("rating_total", r.c.b),
                              ("rated_useful", r.c.c)]),
    }


def _when(conditions: list, value):
    """``value`` where every condition holds, else 0; the column itself when there is none (a
    query of one kind's rows, a fact with no date condition): SQLite evaluates a CASE per row
    and column, ~0.5 M rows at 50,000 learners."""
    return case((and_(*conditions), value), else_=0) if conditions else value


def filter_conditions(filters: Filters) -> dict[str, list[ColumnElement[bool]]]:
    """Each filter the view has (a date range is one), with the conditions it puts on a row."""
    found: dict[str, list[ColumnElement[bool]]] = {}
    if filters.platform_id is not None:
        found["platform"] = [r.c.platform_id == filters.platform_id]
    if filters.course_id is not None:
        found["course"] = [r.c.context_pk == filters.course_id]
    if filters.activity:
        found["activity"] = [r.c.activity == filters.activity]
    months = ([r.c.month >= filters.first_month] if filters.first_month is not None else []) + \
        ([r.c.month <= filters.last_month] if filters.last_month is not None else [])
    if months:
        found["dates"] = months
    if filters.team:
        found["team"] = [r.c.learner_id.in_(select(people.c.id).where(people.c.team == filters.team))]
    return found


def kept(scope: AdminScope, filters: Filters) -> list[ColumnElement[bool]]:
    """The WHERE clause of the rows a view counts."""
    return [within(scope, r.c.platform_id), *(c for conditions in filter_conditions(filters).values()
                                              for c in conditions)]


def _period(grouping: str):
    return r.c.month if grouping == MONTH else r.c.month // 3


def _members(scope: AdminScope, grouping: str):
    """(learner_id, g): who belongs to which manager's current team or which team."""
    if grouping == MANAGER:
        managers_in_scope = [] if scope.is_operator else [manager_links.c.manager_id.in_(
            select(people.c.id).where(within(scope, people.c.platform_id)))]
        return (select(manager_links.c.learner_id, manager_links.c.manager_id.label("g"))
                .where(manager_links.c.ended_at.is_(None), *managers_in_scope).subquery())
    return select(people.c.id.label("learner_id"), people.c.team.label("g")).where(
        people.c.team != "", within(scope, people.c.platform_id)).subquery()


def group_sums(conn: Connection, scope: AdminScope, filters: Filters, as_of: date,
               grouping: str, histograms_of: set | None = None) -> dict[Any, GroupSums]:
    """Each group's summed facts and resting counts on ``as_of``; by manager or team, the
    organisation's too, under the key None (from the same per-learner sums, in one statement).
    ``histograms_of``: the groups whose decision-time histogram is wanted (None: every group's)."""
    postgresql = is_postgresql(conn)
    if postgresql:  # 50,000 learners' sums in memory, not spilled to disk (this transaction only)
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    where = kept(scope, filters)
    facts: dict[Any, dict[str, int]] = defaultdict(dict)
    resting: dict[Any, dict[str, int]] = defaultdict(dict)
    learners: dict[Any, int] = {}
    kinds = _kinds(as_of)
    # PostgreSQL hashes every kind's rows by learner in one pass, then joins the groups once;
    # SQLite reads one kind at a time in its stored (kind, learner) order, without sorting.
    for batch in ([list(kinds)] if postgresql else [[kind] for kind in kinds]):
        mixed = len(batch) > 1  # one kind: the WHERE clause already says which
        values = [(name, _when(([r.c.kind == kind] if mixed else []) + ([counts] if counts is not None else []), value))
                  for kind in batch for counts, kind_values in [kinds[kind]] for name, value in kind_values]
        keys = [r.c.learner_id] + ([_period(grouping).label("g")] if grouping in PERIODS else [])
        per_learner = (select(*keys, *(func.sum(value).label(name) for name, value in values))
                       .where(r.c.kind.in_(batch), *where).group_by(*keys).cte(f"per_learner_{len(facts)}"))
        columns = [func.sum(per_learner.c[name]).label(name) for name, _ in values] + [
            func.sum(case((per_learner.c[name] > 0, 1), else_=0)).label(f"rest_{name}")
            for name, _ in values if name in RESTING] + ([func.count().label("learners")] if postgresql else [])
        names = [name for name, _ in values]
        rested = [name for name in names if name in RESTING]
        for g, *found in conn.execute(_select_groups(scope, per_learner, grouping, columns)):  # thousands: by position
            facts[g].update(zip(names, (int(v or 0) for v in found)))
            resting[g].update(zip(rested, (int(v or 0) for v in found[len(names):])))
            if postgresql:  # every kind's rows: each learner the view counts is here once
                learners[g] = int(found[-1])
    hours = decision_hours(conn, scope, filters, grouping, histograms_of)
    return {g: GroupSums(facts[g], resting[g], hours.get(g, ()), learners.get(g)) for g in facts.keys() | hours.keys()}


def _select_groups(scope: AdminScope, per_learner, grouping: str, columns: list):
    """SELECT g, columns FROM per_learner, grouped as ``grouping`` says (the organisation: one
    row, g = 0; by manager or team, with the organisation's row, g = None, after the groups')."""
    if grouping in PERIODS:
        return select(per_learner.c.g, *columns).group_by(per_learner.c.g)
    if grouping == ORGANISATION:
        return select(literal(0).label("g"), *columns).select_from(per_learner)
    members = _members(scope, grouping)
    return union_all(
        select(members.c.g, *columns).select_from(per_learner.join(
            members, members.c.learner_id == per_learner.c.learner_id)).group_by(members.c.g),
        select(cast(null(), members.c.g.type).label("g"), *columns).select_from(per_learner))


def decision_hours(conn: Connection, scope: AdminScope, filters: Filters, grouping: str,
                   only: set | None = None) -> dict[Any, tuple]:
    """Each group's histogram of whole hours to a decision (the organisation's key as in
    ``_select_groups``); by manager or team, only ``only``'s and the organisation's when given
    (a page shows a hundred managers: the rule needs none of their histograms)."""
    where = [r.c.kind == DECISION, *kept(scope, filters)]
    if grouping in PERIODS:
        key = _period(grouping)
        query = select(key.label("g"), r.c.bucket, func.sum(r.c.n)).where(*where).group_by(key, r.c.bucket)
    elif grouping == ORGANISATION:
        query = select(literal(0).label("g"), r.c.bucket, func.sum(r.c.n)).where(*where).group_by(r.c.bucket)
    else:
        members = _members(scope, grouping)
        # g + 0: SQLite would otherwise probe (learner, manager) once per wanted manager and row.
        wanted = [] if only is None else [(members.c.g + 0).in_(sorted(only))]
        query = union_all(select(members.c.g, r.c.bucket, func.sum(r.c.n))
                          .select_from(r.join(members, members.c.learner_id == r.c.learner_id))
                          .where(*where, *wanted).group_by(members.c.g, r.c.bucket),
                          select(cast(null(), members.c.g.type), r.c.bucket, func.sum(r.c.n))
                          .where(*where).group_by(r.c.bucket))
    # One text per group, not a row per (group, hours): tens of thousands through the driver.
    pairs = query.subquery()
    g, bucket, n = pairs.c
    return {group: histogram_of(text) for group, text in conn.execute(
        select(g, histogram_text(conn, bucket, n)).group_by(g))}


def learner_counts(conn: Connection, scope: AdminScope, filters: Filters, grouping: str) -> dict[Any, int]:
    """How many learners have records the view counts, per group (the organisation's key
    as in ``_select_groups``)."""
    keys = [r.c.learner_id] + ([_period(grouping).label("g")] if grouping in PERIODS else [])
    per_learner = select(*keys).where(*kept(scope, filters)).distinct().cte("learners")
    return dict(conn.execute(_select_groups(scope, per_learner, grouping, [func.count().label("n")])).all())


def _learner_bits(scope: AdminScope, filters: Filters, as_of: date, keys: list, where: list = ()):
    """Per ``keys`` (the learner first): one 0/1 column per RESTING fact, ``bit<i>`` for
    RESTING[i], set when the learner has some of that fact there."""
    columns = []
    for kind, (counts, values) in _kinds(as_of).items():
        for name, value in values:
            if name in RESTING:
                condition = and_(r.c.kind == kind, value > 0, *([counts] if counts is not None else []))
                columns.append(func.max(case((condition, 1), else_=0)).label(f"bit{RESTING.index(name)}"))
    return select(*keys, *columns).where(*kept(scope, filters), *where).group_by(*keys).subquery()


def grouped_keys(grouping: str) -> list:
    """What a per-learner query groups by: the learner, and the period when the view is one."""
    return [r.c.learner_id] + ([_period(grouping).label("g")] if grouping in PERIODS else [])


def with_group(scope: AdminScope, per_learner, grouping: str):
    """(g column, FROM clause): the learner's group beside their bits, as ``_select_groups``
    keys it (a period already is a key; the organisation is 0)."""
    if grouping in PERIODS:
        return per_learner.c.g, per_learner
    if grouping == ORGANISATION:
        return literal(0), per_learner
    members = _members(scope, grouping)
    return members.c.g, per_learner.join(members, members.c.learner_id == per_learner.c.learner_id)


def learner_masks(conn: Connection, scope: AdminScope, filters: Filters, as_of: date, grouping: str,
                  learners: list[int]) -> dict[tuple, int]:
    """(group, learner) -> the RESTING facts that learner has in it, one bit each (bit i is
    RESTING[i]), for ``learners``; learners with no fact have 0."""
    per_learner = _learner_bits(scope, filters, as_of, grouped_keys(grouping), [r.c.learner_id.in_(learners)])
    mask = sum((per_learner.c[f"bit{i}"] * (1 << i) for i in range(len(RESTING))), literal(0))
    g, source = with_group(scope, per_learner, grouping)
    query = select(g, per_learner.c.learner_id, mask).select_from(source)
    return {(row[0], row[1]): int(row[2]) for row in conn.execute(query)}


def shared_learners(conn: Connection, scope: AdminScope) -> list[int]:
    """Learners with more than one current manager (in ``scope``): the only ones whose
    figures two manager rows share."""
    members = _members(scope, MANAGER)
    return list(conn.execute(select(members.c.learner_id).group_by(members.c.learner_id)
                             .having(func.count() > 1)).scalars())


def wider_views(scope: AdminScope, filters: Filters, always: Iterable[str] = ()) -> list[list[ColumnElement[bool]]]:
    """The WHERE clause of each wider view the filters' view lies in: some of its filters
    removed (one or several, down to none; a date range is one filter), never those named in
    ``always`` (the recognition list's quarter). The first keeps only those in ``always``."""
    active = filter_conditions(filters)
    removable = [name for name in active if name not in always]
    views = []
    for size in range(len(removable)):
        for still in combinations(removable, size):  # the removable filters the wider view keeps
            names = [*still, *(name for name in active if name in always)]
            # Every row has one of the kinds: said, a range of months can use the (kind, month)
            # index (everyone's learners are read fastest in learner order, without it).
            views.append([within(scope, r.c.platform_id), *([r.c.kind.in_(DATED_KINDS)] if names else []),
                          *(c for name in names for c in active[name])])
    return views


def left_out(conn: Connection, scope: AdminScope, filters: Filters, always: Iterable[str] = ()) -> list[int]:
    """For each of ``wider_views`` how many learners (in ``scope``) have records in that
    wider view which this one leaves out. Each is the difference a reader would get by
    subtracting this view from that one. Counted without reading every row: the wider
    view's learners, less this view's, plus this view's learners who also have rows the
    wider view keeps and this one leaves out (looked up learner by learner)."""
    views = wider_views(scope, filters, always)
    if not views:
        return []
    where = kept(scope, filters)

    def learners(*conditions) -> int:  # grouped, not count(DISTINCT): PostgreSQL hashes instead of sorting
        grouped = select(r.c.learner_id).where(*conditions).group_by(r.c.learner_id).subquery()
        return int(conn.execute(select(func.count()).select_from(grouped)).scalar() or 0)
    in_view = learners(*where)
    return [learners(*wider) - in_view + learners(
        r.c.learner_id.in_(select(r.c.learner_id).where(*where)), *wider, not_(and_(*where))) for wider in views]


def monthly_resting(conn: Connection, scope: AdminScope, filters: Filters, as_of: date,
                    grouping: str) -> dict[tuple[Any, int], dict[str, int]]:
    """(group, month) -> how many learners it has ("") and how many each RESTING fact rests
    on, in that month: a date range adds or drops whole months, which must not be given away."""
    per_learner = _learner_bits(scope, filters, as_of, [*grouped_keys(grouping), r.c.month])
    g, source = with_group(scope, per_learner, grouping)
    query = select(g.label("g"), per_learner.c.month, func.count().label("n"),
                   *(func.sum(per_learner.c[f"bit{i}"]).label(name) for i, name in enumerate(RESTING))) \
        .select_from(source).group_by(*([] if grouping == ORGANISATION else [g]), per_learner.c.month)
    return {(row.g, row.month): {"": int(row.n), **{name: int(row._mapping[name] or 0) for name in RESTING}}
            for row in conn.execute(query)}


@dataclass(frozen=True)
class PeriodCounts:
    """Each shown period's sums and what the small-group rule needs of it, per RESTING fact,
    without a set of learners in Python: how many learners it rests on, how many of them
    have it in no other shown period (``alone``), and in no other month of its quarter."""

    sums: dict[int, GroupSums]
    learners: dict[int, int]  # period -> learners with a record the view counts
    alone: dict[str, dict[int, int]]
    everyone: dict[str, int]  # fact -> learners with it in some shown period
    alone_in_quarter: dict[str, dict[int, int]]
    quarter_everyone: dict[str, dict[int, int]]  # fact -> quarter -> learners with it in some of its months


def period_counts(conn: Connection, scope: AdminScope, filters: Filters, as_of: date, grouping: str,
                  periods: list[int]) -> PeriodCounts:
    """``PeriodCounts`` for ``periods`` (consecutive months or quarters) in one statement and
    one pass over the rows: each learner's facts per period, how many periods (and months of
    a quarter) each learner has each fact in, then those joined back and added up per period."""
    months = periods if grouping == MONTH else [periods[0] * 3, periods[-1] * 3 + 2]
    facts, bits = [], []
    for kind, (counts, values) in _kinds(as_of).items():
        counted = and_(r.c.kind == kind, *([counts] if counts is not None else []))
        facts += [func.sum(case((counted, value), else_=0)).label(name) for name, value in values]
        bits += [func.max(case((and_(counted, value > 0), 1), else_=0)).label(f"bit{RESTING.index(name)}")
                 for name, value in values if name in RESTING]
    keys = grouped_keys(grouping)
    lp = select(*keys, *facts, *bits).where(*kept(scope, filters), r.c.month >= months[0], r.c.month <= months[-1]) \
        .group_by(*keys).cte("per_learner_period")
    indices = range(len(RESTING))
    per_learner = select(lp.c.learner_id, *(func.sum(lp.c[f"bit{i}"]).label(f"in{i}") for i in indices)) \
        .group_by(lp.c.learner_id).cte("per_learner")
    quarter = lp.c.g // 3
    per_quarter = select(lp.c.learner_id, quarter.label("q"), *(func.sum(lp.c[f"bit{i}"]).label(f"in{i}")
                                                                for i in indices)) \
        .group_by(lp.c.learner_id, quarter).cte("per_learner_quarter")

    def share(i: int, count) -> Any:  # each learner adds up to exactly 1 over their periods
        return func.sum(case((lp.c[f"bit{i}"] == 1, literal(1.0) / count), else_=0.0))
    columns = [func.count().label("n"), *(func.sum(lp.c[name]).label(name) for name in (f.name for f in facts))]
    for i in indices:
        bit = lp.c[f"bit{i}"]
        columns += [func.sum(bit).label(f"size{i}"),
                    func.sum(case((and_(bit == 1, per_learner.c[f"in{i}"] == 1), 1), else_=0)).label(f"alone{i}"),
                    func.sum(case((and_(bit == 1, per_quarter.c[f"in{i}"] == 1), 1), else_=0)).label(f"qalone{i}"),
                    share(i, per_learner.c[f"in{i}"]).label(f"share{i}"),
                    share(i, per_quarter.c[f"in{i}"]).label(f"qshare{i}")]
    joined = lp.join(per_learner, per_learner.c.learner_id == lp.c.learner_id).join(
        per_quarter, and_(per_quarter.c.learner_id == lp.c.learner_id, per_quarter.c.q == quarter))
    rows = [row._mapping for row in conn.execute(select(lp.c.g, *columns).select_from(joined).group_by(lp.c.g))]
    hours = decision_hours(conn, scope, filters, grouping)
    found = PeriodCounts({row["g"]: GroupSums({f.name: int(row[f.name] or 0) for f in facts},
                                              {name: int(row[f"size{i}"] or 0) for i, name in enumerate(RESTING)},
                                              hours.get(row["g"], ())) for row in rows},
                         {row["g"]: int(row["n"]) for row in rows}, *({} for _ in range(4)))
    for i, name in enumerate(RESTING):
        found.alone[name] = {row["g"]: int(row[f"alone{i}"] or 0) for row in rows}
        found.alone_in_quarter[name] = {row["g"]: int(row[f"qalone{i}"] or 0) for row in rows}
        found.everyone[name] = round(sum(float(row[f"share{i}"] or 0) for row in rows))
        quarters: dict[int, float] = defaultdict(float)
        for row in rows:
            quarters[row["g"] // 3] += float(row[f"qshare{i}"] or 0)
        found.quarter_everyone[name] = {q: round(total) for q, total in quarters.items()}
    return found


def learners_in_periods(conn: Connection, scope: AdminScope, filters: Filters, as_of: date, grouping: str,
                        fact: str, periods: set[int]) -> int:
    """How many learners have ``fact`` in some of ``periods``: the rule asks it only of
    the hidden periods (what "the total minus the shown periods" would describe)."""
    if not periods:
        return 0
    per = _learner_bits(scope, filters, as_of, [r.c.learner_id], [_period(grouping).in_(sorted(periods))])
    return int(conn.execute(select(func.count()).where(per.c[f"bit{RESTING.index(fact)}"] == 1)).scalar() or 0)
