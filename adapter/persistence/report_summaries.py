"""The organisation's facts kept up to date, so the admin dashboard reads a summary.

Every measure's inputs are one learner's own records (a start's validation, the first
conversation before it, the next conversation after a plan are all the same learner's),
so the organisation's dated facts (adapter.reports.dated_facts.dated_facts) are a sum over
learners. ``refresh_learners`` recomputes the share of the learners whose records just
changed, from their records as they now are, and adds the difference to each course's
rows; it runs in the record's own transaction (adapter.reports.dashboards.keep_summaries,
an event handler), so an edit, a re-ask, a decision or a withdrawal is in the summary
exactly when it is in the records. ``rebuild`` computes everything from scratch (the
migration and `coachbridge report rebuild-summaries`). ``course_facts`` reads the summary
for a report date: one short query per kind over a few hundred rows per course. A
learner's share is also kept per record date and activity in ``report_learner_rows``,
which the breakdowns by manager, team and period add up (breakdown_sums.py).

The record-level values mirror report_queries.py, which the manager and instructor
dashboards still run live; tests/reports proves both give the same facts.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable, Sequence

from sqlalchemy import Connection, String, case, cast, delete, func, insert, literal_column, select, tuple_

from adapter.domain.admin_scope import AdminScope
from adapter.domain.report_filters import month_index
from adapter.reports.dated_facts import (
    COMMITMENT, CONVERSATION, DECISION, EPOCH, PLAN, START, Counts, add_dated, dated_facts, day_number,
)
from adapter.reports.measures import (
    APPLICATION_DAYS, FOLLOW_UP_GRACE_DAYS, ActivityStart, Commitment, DecisionWait, Facts, HeldConversation,
    PlannedConversation,
)

from .coaching_tables import agreed_actions, conversations, reflections, validation_decisions, \
    validation_requests
from .database import conflict_insert, is_postgresql
from .report_queries import asked_for_decision
from .report_summary_tables import NO_COURSE, report_course_facts, report_learner_facts, report_learner_rows
from .scoping import within

CourseKey = tuple[int, "int | None"]  # (platform id, course id)
Share = dict[tuple[int, int, str, int], Counts]  # (platform, context or NO_COURSE, kind, bucket) -> counts
# (platform, context or NO_COURSE, activity, day, kind, bucket) -> counts: a share per record date and activity
DatedShare = dict[tuple[int, int, str, int, str, int], Counts]
REBUILD_BATCH = 2000  # learners per pass of rebuild


# --- one learner's records as the measures see them ----------------------------------------
def _utc_day(moment: float) -> date:
    return datetime.fromtimestamp(moment, timezone.utc).date()


def _activity(row: Any) -> str:
    """The learning activity a record is about: the xAPI activity, else the link, else none."""
    return row.activity_iri or (f"link:{row.resource_link_pk}" if row.resource_link_pk is not None else "")


def _learner_filter(table, learner_ids: Sequence[int]):
    return [table.c.learner_id.in_(learner_ids), table.c.withdrawn_at.is_(None)]


def shares_of(conn: Connection, learner_ids: Sequence[int]) -> dict[int, DatedShare]:
    """Each learner's dated facts per course, activity and the day each record counts on
    (activity date, planned date, due date, day held, day decided), from their records as
    they are now."""
    r, v, d, c, a = reflections, validation_requests, validation_decisions, conversations, agreed_actions
    learner_ids = sorted(set(learner_ids))
    values: dict[int, dict[tuple[int, int, str, date], dict[str, list]]] = defaultdict(
        lambda: defaultdict(lambda: {"starts": [], "waits": [], "planned": [], "commitments": [], "talks": []}))

    def records(learner: int, row: Any, day: date) -> dict[str, list]:
        return values[learner][(row.platform_id, row.context_pk or NO_COURSE, _activity(row), day)]

    talks: dict[int, list[Any]] = defaultdict(list)
    for row in conn.execute(select(c.c.learner_id, c.c.platform_id, c.c.context_pk, c.c.resource_link_pk,
                                   c.c.activity_iri, c.c.held_on, c.c.next_on, c.c.rating)
                            .where(*_learner_filter(c, learner_ids))):
        talks[row.learner_id].append(row)
    first_talk = {learner: min(t.held_on for t in rows) for learner, rows in talks.items()}
    for learner, rows in talks.items():
        held = sorted({t.held_on for t in rows})
        for t in rows:
            records(learner, t, t.held_on)["talks"].append(HeldConversation(t.rating))
            if t.next_on is not None:
                after = next((h for h in held if h > t.held_on), None)
                records(learner, t, t.next_on)["planned"].append(PlannedConversation(t.held_on, t.next_on, after))

    # Decisions, against when the request they decided was asked (as report_queries._decisions).
    validated: dict[tuple[int, int, str], float] = {}
    for row in conn.execute(select(v.c.learner_id, v.c.platform_id, v.c.context_pk, v.c.resource_link_pk,
                                   v.c.activity_iri, v.c.created_at, d.c.request_version, d.c.decided_at, d.c.outcome,
                                   asked_for_decision().label("asked"))
                            .select_from(d.join(v, v.c.id == d.c.request_id)).where(*_learner_filter(v, learner_ids))):
        records(row.learner_id, row, _utc_day(row.decided_at))["waits"].append(
            DecisionWait(row.asked, row.decided_at, row.outcome == "validated"))
        if row.outcome == "validated" and row.resource_link_pk is not None and row.context_pk is not None:
            key = (row.learner_id, row.context_pk, _activity(row))
            validated[key] = min(validated.get(key, row.decided_at), row.decided_at)

    started: dict[tuple[int, int, int, str], float] = {}
    for row in conn.execute(select(r.c.learner_id, r.c.platform_id, r.c.context_pk, r.c.resource_link_pk,
                                   r.c.activity_iri, r.c.created_at)
                            .where(*_learner_filter(r, learner_ids), r.c.resource_link_pk.is_not(None),
                                   r.c.context_pk.is_not(None))):
        key = (row.learner_id, row.platform_id, row.context_pk, _activity(row))
        started[key] = min(started.get(key, row.created_at), row.created_at)
    for (learner, platform, context, activity), at in started.items():
        validated_at = validated.get((learner, context, activity))
        day = _utc_day(at)
        values[learner][(platform, context, activity, day)]["starts"].append(ActivityStart(
            day, None if validated_at is None else _utc_day(validated_at), first_talk.get(learner)))

    for row in conn.execute(select(a.c.learner_id, a.c.platform_id, a.c.context_pk, a.c.resource_link_pk,
                                   a.c.activity_iri, a.c.due_on, a.c.status, a.c.updated_at)
                            .where(*_learner_filter(a, learner_ids), a.c.due_on.is_not(None))):
        records(row.learner_id, row, row.due_on)["commitments"].append(
            Commitment(row.due_on, _utc_day(row.updated_at) if row.status == "done" else None))

    shares: dict[int, DatedShare] = {learner: {} for learner in learner_ids}
    for learner, groups in values.items():
        for (platform, context, activity, day), found in groups.items():
            for (kind, bucket), counts in dated_facts(found["starts"], found["waits"], found["planned"],
                                                      found["commitments"], found["talks"]).items():
                shares[learner][(platform, context, activity, day_number(day), kind, bucket)] = counts
    return shares


def course_share(share: DatedShare) -> Share:
    """A learner's share per course, kind and bucket (every date and activity added up)."""
    result: dict[Any, Counts] = {}
    for (platform, context, _, _, kind, bucket), counts in share.items():
        add_dated(result, {(platform, context, kind, bucket): counts})
    return result


def _learner_rows(learner: int, share: DatedShare) -> list[dict[str, Any]]:
    return [{"learner_id": learner, "platform_id": p, "context_pk": c, "activity": activity, "kind": kind,
             "day": day, "month": month_index(EPOCH + timedelta(days=day)), "bucket": bucket, **dict(zip("nabcd", counts))}
            for (p, c, activity, day, kind, bucket), counts in share.items()]


def _stored(share: Share) -> list[list[Any]]:
    return [[*key, *counts] for key, counts in sorted(share.items())]


def _loaded(stored: Iterable[Sequence[Any]]) -> DatedShare:
    return {(p, c, activity, day, kind, bucket): tuple(counts)  # type: ignore[misc]
            for p, c, activity, day, kind, bucket, *counts in stored}


# --- keeping the summary up to date ------------------------------------------------------------
def refresh_learners(conn: Connection, learner_ids: Iterable[int]) -> int:
    """Replace these learners' shares of the course summary by what their records now say,
    on ``conn`` (the record's transaction). Returns how many course rows changed."""
    learner_ids = sorted(set(learner_ids))
    if not learner_ids:
        return 0
    lf = report_learner_facts
    # Lock the learners' rows first (in id order), then read their records: on PostgreSQL
    # a concurrent change to the same learner waits here and, once it committed, is seen.
    conn.execute(conflict_insert(conn, lf).values([{"learner_id": i, "facts": []} for i in learner_ids])
                 .on_conflict_do_nothing(index_elements=["learner_id"]))
    before = {row.learner_id: _loaded(row.facts) for row in conn.execute(
        select(lf.c.learner_id, lf.c.facts).where(lf.c.learner_id.in_(learner_ids)).order_by(lf.c.learner_id)
        .with_for_update())}
    after = shares_of(conn, learner_ids)
    delta: dict[Any, Counts] = {}
    changed = [learner for learner in learner_ids if before.get(learner, {}) != after[learner]]
    for learner in changed:
        add_dated(delta, course_share(after[learner]))
        add_dated(delta, course_share(before.get(learner, {})), -1)
        conn.execute(lf.update().where(lf.c.learner_id == learner).values(facts=_stored(after[learner])))
    if changed:
        conn.execute(delete(report_learner_rows).where(report_learner_rows.c.learner_id.in_(changed)))
        rows = [row for learner in changed for row in _learner_rows(learner, after[learner])]
        if rows:
            conn.execute(insert(report_learner_rows), rows)
    _apply(conn, delta)
    return len(delta)


def _apply(conn: Connection, delta: dict[Any, Counts]) -> None:
    """Add ``delta`` to the course rows, in key order (concurrent writers never deadlock
    on them), and drop rows that fell to nothing."""
    if not delta:
        return
    t = report_course_facts
    rows = [{"platform_id": p, "context_pk": c, "kind": kind, "bucket": bucket,
             **dict(zip("nabcd", counts))} for (p, c, kind, bucket), counts in sorted(delta.items(),
                                                                                       key=lambda kv: (kv[0][2], kv[0]))]
    statement = conflict_insert(conn, t)
    conn.execute(statement.on_conflict_do_update(
        index_elements=["kind", "platform_id", "context_pk", "bucket"],
        set_={name: getattr(t.c, name) + getattr(statement.excluded, name) for name in "nabcd"}), rows)
    emptied = [(r["kind"], r["platform_id"], r["context_pk"], r["bucket"]) for r in rows if r["n"] < 0]
    if emptied:
        conn.execute(delete(t).where(t.c.n == 0, tuple_(t.c.kind, t.c.platform_id, t.c.context_pk, t.c.bucket)
                                     .in_(emptied)))


def rebuild(conn: Connection, batch: int = REBUILD_BATCH) -> dict[str, int]:
    """Recompute the whole summary from the records, on ``conn``; returns row counts."""
    conn.execute(delete(report_course_facts))
    conn.execute(delete(report_learner_facts))
    conn.execute(delete(report_learner_rows))
    ids = select(reflections.c.learner_id).union(
        *(select(t.c.learner_id) for t in (conversations, agreed_actions, validation_requests))).subquery()
    learners = sorted(conn.execute(select(ids.c.learner_id)).scalars())
    totals: dict[Any, Counts] = {}
    learner_rows = 0
    for start in range(0, len(learners), batch):
        shares = shares_of(conn, learners[start:start + batch])
        rows = [{"learner_id": learner, "facts": _stored(share)} for learner, share in shares.items() if share]
        if rows:
            conn.execute(insert(report_learner_facts), rows)
            conn.execute(insert(report_learner_rows), [row for learner, share in shares.items()
                                                       for row in _learner_rows(learner, share)])
        learner_rows += len(rows)
        for share in shares.values():
            add_dated(totals, course_share(share))
    if totals:  # the table is empty: plain inserts, no upsert
        conn.execute(insert(report_course_facts), [
            {"platform_id": p, "context_pk": c, "kind": kind, "bucket": bucket, **dict(zip("nabcd", counts))}
            for (p, c, kind, bucket), counts in totals.items()])
    return {"learners": learner_rows, "course_rows": len(totals)}


# --- reading it ------------------------------------------------------------------------------
def course_facts(conn: Connection, as_of: date, scope: AdminScope) -> dict[CourseKey, Facts]:
    """Every course's facts on ``as_of`` on the platforms in ``scope``, from the summary; for a
    tool operator the same as report_queries.facts_by_course(conn, Scope(), as_of)."""
    t = report_course_facts
    today = day_number(as_of)
    parts: dict[CourseKey, dict[str, Any]] = defaultdict(dict)

    def course(row) -> CourseKey:
        return row.platform_id, None if row.context_pk == NO_COURSE else row.context_pk

    def grouped(kind: str, *columns, where=()):
        return conn.execute(select(t.c.platform_id, t.c.context_pk, *columns)
                            .where(t.c.kind == kind, within(scope, t.c.platform_id), *where)
                            .group_by(t.c.platform_id, t.c.context_pk))

    def when(condition, column):
        return func.sum(case((condition, column), else_=0))

    start_columns = [func.sum(t.c.n).label("activity_starts"), func.sum(t.c.d).label("conversation_before")]
    for days, applied in zip(APPLICATION_DAYS, (t.c.a, t.c.b, t.c.c)):
        old_enough = t.c.bucket <= today - days
        start_columns += [when(old_enough, t.c.n).label(f"cohort_{days}"),
                          when(old_enough, applied).label(f"applied_{days}")]
    for row in grouped(START, *start_columns):
        parts[course(row)].update({k: int(v or 0) for k, v in row._mapping.items()
                                   if k not in ("platform_id", "context_pk")})
    for row in grouped(PLAN, func.sum(t.c.n).label("planned"), func.sum(t.c.a).label("kept"),
                       where=[t.c.bucket < today - FOLLOW_UP_GRACE_DAYS]):
        parts[course(row)].update(planned=int(row.planned), kept=int(row.kept))
    for row in grouped(COMMITMENT, func.sum(t.c.n).label("due"), func.sum(t.c.a).label("done"),
                       where=[t.c.bucket < today]):
        parts[course(row)].update(commitments_due=int(row.due), done_on_time=int(row.done))
    for row in grouped(CONVERSATION, func.sum(t.c.n).label("n"), func.sum(t.c.a).label("rated"),
                       func.sum(t.c.b).label("total"), func.sum(t.c.c).label("useful")):
        parts[course(row)].update(conversations=int(row.n), rated=int(row.rated), rating_total=int(row.total),
                                  rated_useful=int(row.useful))
    # The decision-time histogram, one "hours:count,…" text per course (a few hundred
    # values each): far cheaper than a row per value through the driver.
    for row in grouped(DECISION, func.sum(t.c.n).label("n"), func.sum(t.c.a).label("validated"),
                       histogram_text(conn, t.c.bucket, t.c.n).label("histogram")):
        parts[course(row)].update(decisions=int(row.n), validated=int(row.validated),
                                  decision_hours=histogram_of(row.histogram))  # hours are unique per course
    return {key: Facts(**values) for key, values in parts.items()}


def histogram_text(conn: Connection, hours, count):
    """An aggregate: a group's (hours, count) pairs as one "hours:count,…" text (see histogram_of)."""
    pair = cast(hours, String) + literal_column("':'", String) + cast(count, String)
    return func.string_agg(pair, literal_column("','", String)) if is_postgresql(conn) \
        else func.group_concat(pair, literal_column("','", String))


def histogram_of(text: str) -> tuple[tuple[int, int], ...]:
    """The sorted (hours, count) pairs of a ``histogram_text`` whose hours are unique."""
    numbers = iter(map(int, text.replace(":", ",").split(",")))
    return tuple(sorted(zip(numbers, numbers)))
