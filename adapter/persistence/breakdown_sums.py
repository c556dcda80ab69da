"""The breakdowns' sums in SQL: every measure's counts per manager, per team, per month or
quarter, and for the whole organisation, over each learner's share of the report summary
kept per record date and activity (``report_learner_rows``), filtered in the WHERE clause.

One query per kind of record, each first adding up a learner's rows (so that how many
learners a figure rests on is counted exactly), then grouping them: a few thousand rows
come back, not every learner's. Beside the sums, what the small-group rule needs: how many
learners each group has, the learners who belong to several groups (a learner with two
current managers), how many learners a filter leaves out, and per month how many learners
each group's figures rest on (a date range must not be differenced month by month).
Facts mean what adapter.reports.measures.facts_on says; tests/reports check both agree.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, cast, func, literal, not_, null, select, union_all

from adapter.domain.admin_scope import AdminScope
from adapter.domain.report_filters import Filters
from adapter.reports.measures import (
    APPLICATION_DAYS, COMMITMENT, CONVERSATION, DECISION, FOLLOW_UP_GRACE_DAYS, PLAN, START, day_number,
)

from .database import is_postgresql
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


def kept(scope: AdminScope, filters: Filters) -> list[ColumnElement[bool]]:
    """The WHERE clause of the rows a view counts."""
    where: list[ColumnElement[bool]] = [within(scope, r.c.platform_id)]
    if filters.platform_id is not None:
        where.append(r.c.platform_id == filters.platform_id)
    if filters.course_id is not None:
        where.append(r.c.context_pk == filters.course_id)
    if filters.activity:
        where.append(r.c.activity == filters.activity)
    if filters.first_month is not None:
        where.append(r.c.month >= filters.first_month)
    if filters.last_month is not None:
        where.append(r.c.month <= filters.last_month)
    if filters.team:
        where.append(r.c.learner_id.in_(select(people.c.id).where(people.c.team == filters.team)))
    return where


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
               grouping: str) -> dict[Any, GroupSums]:
    """Each group's summed facts and resting counts on ``as_of``; by manager or team, the
    organisation's too, under the key None (from the same per-learner sums, in one statement)."""
    if is_postgresql(conn):  # 50,000 learners' sums in memory, not spilled to disk (this transaction only)
        conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
    where = kept(scope, filters)
    facts: dict[Any, dict[str, int]] = defaultdict(dict)
    resting: dict[Any, dict[str, int]] = defaultdict(dict)
    for kind, (counts, values) in _kinds(as_of).items():
        keys = [r.c.learner_id] + ([_period(grouping).label("g")] if grouping in PERIODS else [])
        per_learner = (select(*keys, *(func.sum(value).label(name) for name, value in values))
                       .where(r.c.kind == kind, *where, *([counts] if counts is not None else []))
                       .group_by(*keys).cte(f"per_learner_{kind}"))
        columns = [func.sum(per_learner.c[name]).label(name) for name, _ in values] + [
            func.sum(case((per_learner.c[name] > 0, 1), else_=0)).label(f"rest_{name}")
            for name, _ in values if name in RESTING]
        for row in conn.execute(_select_groups(scope, per_learner, grouping, columns)):
            mapping = row._mapping
            facts[row.g].update({name: int(mapping[name] or 0) for name, _ in values})
            resting[row.g].update({name: int(mapping[f"rest_{name}"] or 0) for name, _ in values if name in RESTING})
    hours = decision_hours(conn, scope, filters, grouping)
    return {g: GroupSums(facts[g], resting[g], hours.get(g, ())) for g in facts.keys() | hours.keys()}


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


def decision_hours(conn: Connection, scope: AdminScope, filters: Filters, grouping: str) -> dict[Any, tuple]:
    """Each group's histogram of whole hours to a decision (the organisation's key as in
    ``_select_groups``)."""
    where = [r.c.kind == DECISION, *kept(scope, filters)]
    if grouping in PERIODS:
        key = _period(grouping)
        query = select(key.label("g"), r.c.bucket, func.sum(r.c.n)).where(*where).group_by(key, r.c.bucket)
    elif grouping == ORGANISATION:
        query = select(literal(0).label("g"), r.c.bucket, func.sum(r.c.n)).where(*where).group_by(r.c.bucket)
    else:
        members = _members(scope, grouping)
        query = union_all(select(members.c.g, r.c.bucket, func.sum(r.c.n))
                          .select_from(r.join(members, members.c.learner_id == r.c.learner_id))
                          .where(*where).group_by(members.c.g, r.c.bucket),
                          select(cast(null(), members.c.g.type), r.c.bucket, func.sum(r.c.n))
                          .where(*where).group_by(r.c.bucket))
    found: dict[Any, list] = defaultdict(list)
    for g, bucket, n in conn.execute(query):
        found[g].append((bucket, int(n)))
    return {g: tuple(sorted(pairs)) for g, pairs in found.items()}


def learner_counts(conn: Connection, scope: AdminScope, filters: Filters, grouping: str) -> dict[Any, int]:
    """How many learners have records the view counts, per group (the organisation's key
    as in ``_select_groups``)."""
    keys = [r.c.learner_id] + ([_period(grouping).label("g")] if grouping in PERIODS else [])
    per_learner = select(*keys).where(*kept(scope, filters)).distinct().cte("learners")
    return dict(conn.execute(_select_groups(scope, per_learner, grouping, [func.count().label("n")])).all())


def learner_masks(conn: Connection, scope: AdminScope, filters: Filters, as_of: date, grouping: str,
                  learners: list[int] | None = None, by_month: bool = False) -> dict[tuple, int]:
    """(group, learner[, month]) -> the RESTING facts that learner has in it, one bit each
    (bit i is RESTING[i]), for ``learners`` or everyone; learners with no fact have 0."""
    where = kept(scope, filters) + ([r.c.learner_id.in_(learners)] if learners is not None else [])
    bits = []
    for kind, (counts, values) in _kinds(as_of).items():
        for name, value in values:
            if name in RESTING:
                condition = and_(r.c.kind == kind, value > 0, *([counts] if counts is not None else []))
                bits.append(func.max(case((condition, 1 << RESTING.index(name)), else_=0)))
    keys = [r.c.learner_id] + ([_period(grouping).label("g")] if grouping in PERIODS else []) + \
        ([r.c.month] if by_month else [])
    per_learner = select(*keys, *(bit.label(f"bit{i}") for i, bit in enumerate(bits))).where(*where) \
        .group_by(*keys).subquery()
    mask = sum((per_learner.c[f"bit{i}"] for i in range(len(bits))), literal(0))
    months = [per_learner.c.month] if by_month else []
    if grouping in PERIODS:
        query = select(per_learner.c.g, per_learner.c.learner_id, *months, mask)
    elif grouping == ORGANISATION:
        query = select(literal(0), per_learner.c.learner_id, *months, mask)
    else:
        members = _members(scope, grouping)
        query = select(members.c.g, per_learner.c.learner_id, *months, mask).select_from(
            per_learner.join(members, members.c.learner_id == per_learner.c.learner_id))
    return {tuple(row[:-1]): int(row[-1]) for row in conn.execute(query)}


def shared_learners(conn: Connection, scope: AdminScope) -> list[int]:
    """Learners with more than one current manager (in ``scope``): the only ones whose
    figures two manager rows share."""
    members = _members(scope, MANAGER)
    return list(conn.execute(select(members.c.learner_id).group_by(members.c.learner_id)
                             .having(func.count() > 1)).scalars())


def left_out(conn: Connection, scope: AdminScope, filters: Filters) -> int:
    """How many learners (in ``scope``) have records the filters leave out: everyone with
    records but those the filters keep, and those with some left out too (looked up
    learner by learner, not by reading every row)."""
    if not filters.any:
        return 0
    where = kept(scope, filters)

    def learners(*conditions) -> int:
        return int(conn.execute(select(func.count(r.c.learner_id.distinct())).where(*conditions)).scalar() or 0)
    return learners(within(scope, r.c.platform_id)) - learners(*where) + learners(
        r.c.learner_id.in_(select(r.c.learner_id).where(*where)), within(scope, r.c.platform_id), not_(and_(*where)))


def monthly_resting(conn: Connection, scope: AdminScope, filters: Filters, as_of: date,
                    grouping: str) -> dict[tuple[Any, int], dict[str, int]]:
    """(group, month) -> how many learners it has ("") and how many each RESTING fact rests
    on, in that month: a date range adds or drops whole months, which must not be given away."""
    found: dict[tuple[Any, int], dict[str, int]] = defaultdict(dict)
    for (g, _, month), mask in learner_masks(conn, scope, filters, as_of, grouping, by_month=True).items():
        counts = found[(g, month)]
        counts[""] = counts.get("", 0) + 1
        for i, name in enumerate(RESTING):
            if mask >> i & 1:
                counts[name] = counts.get(name, 0) + 1
    return found
