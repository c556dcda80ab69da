"""Read models for the coaching pages: what a page needs to know, in as few queries as
the page can afford (adapter/services/coaching_views.py cuts it to what the viewer may see)."""
from __future__ import annotations

from typing import Any, Mapping

from sqlalchemy import Connection, and_, bindparam, exists, func, select

from .coaching_tables import agreed_actions, conversations, manager_nominations, reflections, validation_requests
from .tables import manager_links, memberships, people, resource_links


def names(conn: Connection, person_ids: set[int]) -> dict[int, str]:
    rows = conn.execute(select(people.c.id, people.c.name, people.c.email, people.c.sub)
                        .where(people.c.id.in_(person_ids))).all() if person_ids else []
    return {r.id: r.name or r.email or r.sub for r in rows}


def _exists(table, *conditions):
    return exists().where(*conditions).label(table.name)


# What a learner has at all, with the launched activity's title, in one statement built
# once: the learner page answers every learner launch, and a section with nothing in it
# then costs no query (a learner who just arrived costs this one query).
_LEARNER_HAS = select(
    select(resource_links.c.title).where(resource_links.c.id == bindparam("link")).scalar_subquery()
    .label("link_title"),
    _exists(reflections, reflections.c.learner_id == bindparam("me"), reflections.c.withdrawn_at.is_(None)),
    _exists(conversations, conversations.c.learner_id == bindparam("me"), conversations.c.withdrawn_at.is_(None)),
    _exists(validation_requests, validation_requests.c.learner_id == bindparam("me"),
            validation_requests.c.withdrawn_at.is_(None)),
    _exists(agreed_actions, agreed_actions.c.learner_id == bindparam("me"), agreed_actions.c.withdrawn_at.is_(None)),
    _exists(manager_links, manager_links.c.learner_id == bindparam("me"), manager_links.c.ended_at.is_(None)),
    _exists(manager_nominations, manager_nominations.c.learner_id == bindparam("me"),
            manager_nominations.c.status == "pending"),
)


def learner_has(conn: Connection, learner_id: int, resource_link_pk: int | None) -> Mapping[str, Any]:
    """``link_title`` and, per table name, whether the learner has a live row in it."""
    return conn.execute(_LEARNER_HAS, {"me": learner_id, "link": resource_link_pk}).one()._mapping


def course_links_of(conn: Connection, learner_id: int) -> list[Any]:
    """The resource links (id, title) of the courses the learner is a member of, by title."""
    return conn.execute(
        select(resource_links.c.id, resource_links.c.title).join(
            memberships, and_(memberships.c.context_pk == resource_links.c.context_pk,
                              memberships.c.person_id == learner_id))
        .order_by(resource_links.c.title)).all()


def links_reflected_on(conn: Connection, learner_id: int) -> set[int]:
    return set(conn.execute(select(reflections.c.resource_link_pk).where(
        reflections.c.learner_id == learner_id, reflections.c.withdrawn_at.is_(None))).scalars())


def platform_link_titles(conn: Connection, platform_id: int) -> dict[int, str]:
    return dict(conn.execute(select(resource_links.c.id, resource_links.c.title)
                             .where(resource_links.c.platform_id == platform_id)).all())


def titles_of_links(conn: Connection, link_ids: set[int]) -> dict[int, str]:
    if not link_ids:
        return {}
    return dict(conn.execute(select(resource_links.c.id, resource_links.c.title)
                             .where(resource_links.c.id.in_(link_ids))).all())


def reflection_to_show(conn: Connection, learner_id: int, resource_link_pk: int | None) -> Mapping[str, Any] | None:
    """The learner's live reflection on this link, else their latest."""
    return conn.execute(select(reflections).where(
        reflections.c.learner_id == learner_id, reflections.c.withdrawn_at.is_(None))
        .order_by((reflections.c.resource_link_pk == resource_link_pk).desc(), reflections.c.updated_at.desc())
        .limit(1)).mappings().first()


def live_reflections(conn: Connection, learner_id: int) -> list[Mapping[str, Any]]:
    return conn.execute(select(reflections).where(
        reflections.c.learner_id == learner_id, reflections.c.withdrawn_at.is_(None))).mappings().all()


def course_activity_progress(conn: Connection, context_pk: int) -> list[dict[str, Any]]:
    """Per resource link of the course (by title): its title and custom parameters, and its
    ``progress`` — counts and averages over live records, no notes of any kind."""
    activities = []
    for link in conn.execute(select(resource_links.c.id, resource_links.c.title, resource_links.c.custom)
                             .where(resource_links.c.context_pk == context_pk)
                             .order_by(resource_links.c.title)).all():
        def live(table):
            return and_(table.c.resource_link_pk == link.id, table.c.withdrawn_at.is_(None))

        reflected, confidence = conn.execute(select(func.count(), func.avg(reflections.c.confidence))
                                             .where(live(reflections))).one()
        talks, usefulness = conn.execute(select(func.count(), func.avg(conversations.c.rating))
                                         .where(live(conversations))).one()
        by_status = dict(conn.execute(select(validation_requests.c.status, func.count())
                                      .where(live(validation_requests))
                                      .group_by(validation_requests.c.status)).all())
        activities.append({"title": link.title, "custom": link.custom, "progress": {
            "reflections": reflected, "confidence": confidence, "conversations": talks, "usefulness": usefulness,
            "pending": by_status.get("pending", 0), "validated": by_status.get("validated", 0),
            "needs_more_evidence": by_status.get("needs_more_evidence", 0)}})
    return activities
