"""What the by-manager and by-team breakdowns read: each learner's share of the report
summary (adapter/persistence/report_summaries.py keeps it in the record's transaction),
who manages whom now, people's teams, and the smallest group a platform lets reports show.
Every query takes the asking admin's scope."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any, Iterable

from sqlalchemy import Connection, func, select, update

from adapter.domain.admin_scope import AdminScope
from adapter.reports.measures import Counts
from adapter.domain.small_groups import DEFAULT_MIN_LEARNERS

from .breakdown_tables import report_privacy
from .coaching_tables import conversations, validation_decisions, validation_requests
from .database import conflict_insert
from .report_summary_tables import NO_COURSE, report_learner_facts
from .scoping import within
from .tables import contexts, manager_links, people, platforms

Entry = tuple[int, "int | None", str, int, Counts]  # platform, course (None outside one), kind, bucket, counts


def learner_entries(conn: Connection, scope: AdminScope) -> dict[int, list[Entry]]:
    """Every learner's dated facts on the platforms in ``scope``, per course."""
    lf = report_learner_facts
    query = (select(lf.c.learner_id, lf.c.facts).join(people, people.c.id == lf.c.learner_id)
             .where(within(scope, people.c.platform_id)))
    return {row.learner_id: [(p, None if c == NO_COURSE else c, kind, bucket, tuple(counts))
                             for p, c, kind, bucket, *counts in row.facts]
            for row in conn.execute(query)}


def current_teams_of_managers(conn: Connection, scope: AdminScope) -> dict[int, dict[str, Any]]:
    """Each manager on the platforms in ``scope`` with their current mentees' ids (and the
    manager's own name: managers are named, learners never)."""
    m = people.alias("manager")
    query = (select(manager_links.c.manager_id, manager_links.c.learner_id, m.c.name, m.c.email, m.c.sub)
             .join(m, m.c.id == manager_links.c.manager_id)
             .where(manager_links.c.ended_at.is_(None), within(scope, m.c.platform_id)))
    teams: dict[int, dict[str, Any]] = {}
    for row in conn.execute(query):
        entry = teams.setdefault(row.manager_id, {"name": row.name or row.email or row.sub, "learners": set()})
        entry["learners"].add(row.learner_id)
    return teams


def teams_of_people(conn: Connection, scope: AdminScope) -> dict[int, str]:
    """The people in ``scope`` who have a team, and its name."""
    return dict(conn.execute(select(people.c.id, people.c.team)
                             .where(within(scope, people.c.platform_id), people.c.team != "")).all())


def team_names(conn: Connection, scope: AdminScope) -> list[str]:
    return list(conn.execute(select(people.c.team).distinct()
                             .where(within(scope, people.c.platform_id), people.c.team != "")
                             .order_by(people.c.team)).scalars())


def course_titles(conn: Connection, scope: AdminScope) -> dict[int, str]:
    return dict(conn.execute(select(contexts.c.id, contexts.c.title)
                             .where(within(scope, contexts.c.platform_id)).order_by(contexts.c.title)).all())


def set_teams(conn: Connection, teams: Iterable[tuple[int, str]]) -> None:
    for person_id, team in teams:
        conn.execute(update(people).where(people.c.id == person_id).values(team=team))


def min_learners(conn: Connection, scope: AdminScope) -> int:
    """The smallest group shown: the platform's setting (the default where it set none);
    across several platforms, the strictest of theirs."""
    stored = dict(conn.execute(select(report_privacy.c.platform_id, report_privacy.c.min_learners)
                               .where(within(scope, report_privacy.c.platform_id))).all())
    platform_ids = conn.execute(select(platforms.c.id).where(within(scope, platforms.c.id))).scalars()
    return max([stored.get(p, DEFAULT_MIN_LEARNERS) for p in platform_ids] or [DEFAULT_MIN_LEARNERS])


def save_privacy(conn: Connection, platform_id: int, min_learners: int, managers_see_recognition: bool,
                 now: float) -> None:
    values = {"min_learners": min_learners, "managers_see_recognition": managers_see_recognition, "updated_at": now}
    statement = conflict_insert(conn, report_privacy).values(platform_id=platform_id, **values)
    conn.execute(statement.on_conflict_do_update(index_elements=["platform_id"], set_=values))


def managers_see_recognition(conn: Connection, platform_id: int) -> bool:
    return bool(conn.execute(select(report_privacy.c.managers_see_recognition)
                             .where(report_privacy.c.platform_id == platform_id)).scalar())


def dated_conversations(conn: Connection, scope: AdminScope, since: date) -> list[Any]:
    """(learner, platform, course, held_on, rating) of every conversation held since ``since``:
    the summary keeps conversations undated, the over-time view needs their day."""
    c = conversations
    return conn.execute(select(c.c.learner_id, c.c.platform_id, c.c.context_pk, c.c.held_on, c.c.rating)
                        .where(c.c.withdrawn_at.is_(None), c.c.held_on >= since,
                               within(scope, c.c.platform_id))).all()


def dated_decisions(conn: Connection, scope: AdminScope, since: date) -> list[Any]:
    """(learner, platform, course, decided_at, validated) of every decision made since ``since``."""
    v, d = validation_requests, validation_decisions
    start = datetime.combine(since, time(), tzinfo=timezone.utc).timestamp()
    return conn.execute(select(v.c.learner_id, v.c.platform_id, v.c.context_pk, d.c.decided_at,
                               (d.c.outcome == "validated").label("validated"))
                        .select_from(d.join(v, v.c.id == d.c.request_id))
                        .where(v.c.withdrawn_at.is_(None), d.c.decided_at >= start,
                               within(scope, v.c.platform_id))).all()
