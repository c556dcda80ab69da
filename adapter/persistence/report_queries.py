"""The measures' facts computed in the database, per course, for one scope.

Five grouped queries (one per kind of record) give each course's additive ``Facts``; the
service adds them up per platform and for the organisation. Each query mirrors the
reference definition in adapter.reports.measures.tally (tests/reports proves they agree,
and agree with the LRS). Days are UTC days since the epoch, on SQLite and PostgreSQL.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Integer, String, and_, case, cast, exists, func, literal_column, select

from adapter.reports.measures import APPLICATION_DAYS, FOLLOW_UP_GRACE_DAYS, USEFUL_RATING, Facts

from .coaching_tables import agreed_actions, audit_events, conversations, reflections, validation_decisions, \
    validation_requests
from .database import is_postgresql

EPOCH = date(1970, 1, 1)
CourseKey = tuple[int, "int | None"]  # (platform id, course id)


@dataclass(frozen=True)
class Scope:
    """Whose records: a manager's current mentees, one course, or everyone (admin)."""

    learner_ids: frozenset[int] | None = None
    context_pk: int | None = None

    def where(self, table) -> list[Any]:
        conditions = [table.c.withdrawn_at.is_(None)]
        if self.learner_ids is not None:
            conditions.append(table.c.learner_id.in_(sorted(self.learner_ids)))
        if self.context_pk is not None:
            conditions.append(table.c.context_pk == self.context_pk)
        return conditions


def day_number(day: date) -> int:
    return (day - EPOCH).days


def _whole(conn: Connection, value):
    """Round down to an integer: PostgreSQL's cast rounds, SQLite's truncates."""
    return cast(func.floor(value), Integer) if is_postgresql(conn) else cast(value, Integer)


def _epoch_day(conn: Connection, seconds):
    return _whole(conn, seconds / 86400)


def _date_day(conn: Connection, column):
    if is_postgresql(conn):
        return cast(func.extract("epoch", column) / 86400, Integer)
    return cast(func.julianday(column) - 2440587.5, Integer)


def _date_plus(conn: Connection, column, days: int):
    if is_postgresql(conn):
        return column + days
    return func.date(column, f"+{days} days")


def _activity_key(table):
    """The learning activity: its xAPI IRI, else the link it was placed as."""
    # The prefix is inlined, not a parameter: PostgreSQL must see the GROUP BY expression
    # and the selected one as the same expression.
    return func.coalesce(table.c.activity_iri, literal_column("'link:'", String) + cast(table.c.resource_link_pk, String))


def _course(table) -> list[Any]:
    return [table.c.platform_id, table.c.context_pk]


def facts_by_course(conn: Connection, scope: Scope, as_of: date) -> dict[CourseKey, Facts]:
    parts: dict[CourseKey, dict[str, Any]] = {}
    for query in (_activity_starts, _decisions, _planned, _commitments, _conversations):
        for key, values in query(conn, scope, as_of):
            parts.setdefault(key, {}).update(values)
    return {key: Facts(**values) for key, values in parts.items()}


def _activity_starts(conn: Connection, scope: Scope, as_of: date):
    r, v, d, c = reflections, validation_requests, validation_decisions, conversations
    starts = (select(*_course(r), r.c.learner_id, _activity_key(r).label("activity"),
                     func.min(r.c.created_at).label("started_at"))
              .where(*scope.where(r), r.c.resource_link_pk.is_not(None), r.c.context_pk.is_not(None))
              .group_by(*_course(r), r.c.learner_id, _activity_key(r)).subquery())
    validated = (select(v.c.context_pk, v.c.learner_id, _activity_key(v).label("activity"),
                        func.min(d.c.decided_at).label("validated_at"))
                 .join(d, d.c.request_id == v.c.id)
                 .where(*scope.where(v), v.c.resource_link_pk.is_not(None), d.c.outcome == "validated")
                 .group_by(v.c.context_pk, v.c.learner_id, _activity_key(v)).subquery())
    # The learner's first conversation, any course: one probe of (learner_id, held_on) each.
    first_talk = (select(func.min(c.c.held_on)).where(c.c.learner_id == starts.c.learner_id,
                                                      c.c.withdrawn_at.is_(None)).scalar_subquery())
    started = _epoch_day(conn, starts.c.started_at)
    validated_day = _epoch_day(conn, validated.c.validated_at)
    today = day_number(as_of)

    def count(condition):
        return func.sum(case((condition, 1), else_=0))

    columns = [func.count().label("activity_starts"),
               count(_date_day(conn, first_talk) < started).label("conversation_before")]
    for days in APPLICATION_DAYS:
        old_enough = started <= today - days
        columns += [count(old_enough).label(f"cohort_{days}"),
                    count(and_(old_enough, validated_day <= started + days)).label(f"applied_{days}")]
    query = (select(starts.c.platform_id, starts.c.context_pk, *columns)
             .select_from(starts.outerjoin(validated, and_(
                 validated.c.context_pk == starts.c.context_pk,
                 validated.c.learner_id == starts.c.learner_id, validated.c.activity == starts.c.activity)))
             .group_by(starts.c.platform_id, starts.c.context_pk))
    for row in conn.execute(query).mappings():
        yield (row["platform_id"], row["context_pk"]), {k: int(v or 0) for k, v in row.items()
                                                        if k not in ("platform_id", "context_pk")}


def asked_for_decision():
    """When the request a decision decided was asked: its creation for a first decision, else
    the latest asking (audit row) before the decision. A withdrawal undone in between is no
    asking: the wait still runs from the asking it came back to."""
    v, d, a = validation_requests, validation_decisions, audit_events
    latest_ask = (select(func.max(a.c.at)).where(a.c.record_type == "validation", a.c.record_id == d.c.request_id,
                                                 a.c.record_version < d.c.request_version,
                                                 a.c.action == "validation.requested").scalar_subquery())
    return case((d.c.request_version == 2, v.c.created_at), else_=func.coalesce(latest_ask, v.c.created_at))


def _decisions(conn: Connection, scope: Scope, as_of: date):
    """Each decision against the moment the request it decided was asked (asked_for_decision)."""
    v, d = validation_requests, validation_decisions
    asked = asked_for_decision()
    hours = _whole(conn, (d.c.decided_at - asked) / 3600).label("hours")
    query = (select(*_course(v), hours, func.count().label("n"),
                    func.sum(case((d.c.outcome == "validated", 1), else_=0)).label("validated"))
             .select_from(d.join(v, v.c.id == d.c.request_id))
             .where(*scope.where(v)).group_by(*_course(v), hours))
    by_course: dict[CourseKey, dict[str, Any]] = {}
    for row in conn.execute(query):
        entry = by_course.setdefault((row.platform_id, row.context_pk),
                                     {"decisions": 0, "validated": 0, "decision_hours": []})
        entry["decisions"] += row.n
        entry["validated"] += int(row.validated)
        entry["decision_hours"].append((int(row.hours), row.n))
    for key, entry in by_course.items():
        yield key, {**entry, "decision_hours": tuple(sorted(entry["decision_hours"]))}


def _planned(conn: Connection, scope: Scope, as_of: date):
    c, later = conversations, conversations.alias("later")
    followed = exists().where(later.c.learner_id == c.c.learner_id, later.c.withdrawn_at.is_(None),
                              later.c.held_on > c.c.held_on,
                              later.c.held_on <= _date_plus(conn, c.c.next_on, FOLLOW_UP_GRACE_DAYS))
    query = (select(*_course(c), func.count().label("planned"),
                    func.sum(case((followed, 1), else_=0)).label("kept"))
             .where(*scope.where(c), c.c.next_on.is_not(None),
                    c.c.next_on < as_of - timedelta(days=FOLLOW_UP_GRACE_DAYS))
             .group_by(*_course(c)))
    for row in conn.execute(query):
        yield (row.platform_id, row.context_pk), {"planned": row.planned, "kept": int(row.kept)}


def _commitments(conn: Connection, scope: Scope, as_of: date):
    a = agreed_actions
    on_time = and_(a.c.status == "done", _epoch_day(conn, a.c.updated_at) <= _date_day(conn, a.c.due_on))
    query = (select(*_course(a), func.count().label("due"), func.sum(case((on_time, 1), else_=0)).label("done"))
             .where(*scope.where(a), a.c.due_on.is_not(None), a.c.due_on < as_of).group_by(*_course(a)))
    for row in conn.execute(query):
        yield (row.platform_id, row.context_pk), {"commitments_due": row.due, "done_on_time": int(row.done)}


def _conversations(conn: Connection, scope: Scope, as_of: date):
    c = conversations
    query = (select(*_course(c), func.count().label("n"), func.count(c.c.rating).label("rated"),
                    func.coalesce(func.sum(c.c.rating), 0).label("total"),
                    func.sum(case((c.c.rating >= USEFUL_RATING, 1), else_=0)).label("useful"))
             .where(*scope.where(c)).group_by(*_course(c)))
    for row in conn.execute(query):
        yield (row.platform_id, row.context_pk), {"conversations": row.n, "rated": row.rated,
                                                  "rating_total": int(row.total), "rated_useful": int(row.useful)}
