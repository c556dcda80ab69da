"""What the by-manager and by-team breakdowns read besides the sums (breakdown_sums.py):
who manages a team now, people's teams, the courses and learning activities to filter by,
and the smallest group a platform lets reports show. Every query takes the asking admin's
scope."""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import Connection, select, update

from adapter.domain.admin_scope import AdminScope
from adapter.domain.people import shown_name
from adapter.domain.small_groups import DEFAULT_MIN_LEARNERS

from .breakdown_tables import report_privacy
from .database import conflict_insert
from .scoping import within
from .tables import contexts, manager_links, people, platforms, resource_links


def manager_names(conn: Connection, scope: AdminScope) -> dict[int, str]:
    """Each manager with a current team on the platforms in ``scope``, and their name
    (managers are named, learners never)."""
    m = people.alias("manager")
    query = (select(m.c.id, m.c.name, m.c.email, m.c.sub).distinct()
             .join(manager_links, manager_links.c.manager_id == m.c.id)
             .where(manager_links.c.ended_at.is_(None), within(scope, m.c.platform_id)))
    return {row.id: shown_name(row.name, row.email, row.sub) for row in conn.execute(query)}


def team_names(conn: Connection, scope: AdminScope) -> list[str]:
    return list(conn.execute(select(people.c.team).distinct()
                             .where(within(scope, people.c.platform_id), people.c.team != "")
                             .order_by(people.c.team)).scalars())


def course_titles(conn: Connection, scope: AdminScope) -> dict[int, str]:
    return dict(conn.execute(select(contexts.c.id, contexts.c.title)
                             .where(within(scope, contexts.c.platform_id)).order_by(contexts.c.title)).all())


def activity_titles(conn: Connection, scope: AdminScope) -> dict[str, str]:
    """The learning activities of the links in ``scope`` (as the report rows name them: the
    xAPI activity IRI an instructor attached, else "link:<id>"), with a link's title."""
    found: dict[str, str] = {}
    for row in conn.execute(select(resource_links.c.id, resource_links.c.title, resource_links.c.custom)
                            .where(within(scope, resource_links.c.platform_id)).order_by(resource_links.c.title)):
        iri = (row.custom or {}).get("activity_iri") if isinstance(row.custom, dict) else None
        found.setdefault(iri or f"link:{row.id}", row.title or iri or f"Link {row.id}")
    return found


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
