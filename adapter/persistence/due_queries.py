"""The reads behind the to-do lists and the reminder scan: what is waiting or due.

Page reads take one manager's or learner's ids; the scan's reads walk the due-date
indexes by range (ix_conversations_next_on, ix_agreed_actions_due_on) so a scan costs
what is due, not the size of the tables.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from sqlalchemy import Connection, Text, and_, cast, exists, func, insert, or_, select, update
from sqlalchemy.orm import aliased

from adapter.domain.due import CADENCE_PARAMETER, CheckInPlan, check_in_due_on, course_cadence_days

from .coaching_tables import agreed_actions, conversations, reflections, validation_requests
from .reminder_tables import check_in_cadences
from .tables import manager_links, memberships, resource_links

def _live(table):
    return table.c.withdrawn_at.is_(None)


def pending_validations(conn: Connection, learner_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Requests waiting for a decision, the longest-waiting first (asked_at: when last asked)."""
    ids = list(learner_ids)
    if not ids:
        return []
    v = validation_requests
    return [dict(r) for r in conn.execute(
        select(v.c.id, v.c.learner_id, v.c.resource_link_pk, v.c.updated_at.label("asked_at"),
               resource_links.c.title.label("activity"))
        .outerjoin(resource_links, resource_links.c.id == v.c.resource_link_pk)
        .where(v.c.learner_id.in_(ids), v.c.status == "pending", _live(v))
        .order_by(v.c.updated_at, v.c.id)).mappings()]


def latest_conversations(conn: Connection, learner_ids: Iterable[int]) -> dict[int, CheckInPlan]:
    """Each learner's last live conversation (with any manager): when, and what it planned."""
    ids = list(learner_ids)
    if not ids:
        return {}
    c = conversations
    ranked = select(c.c.id, c.c.learner_id, c.c.held_on, c.c.next_on, func.row_number().over(
        partition_by=c.c.learner_id, order_by=(c.c.held_on.desc(), c.c.id.desc())).label("n")
    ).where(c.c.learner_id.in_(ids), _live(c)).subquery()
    rows = conn.execute(select(ranked).where(ranked.c.n == 1)).mappings()
    return {r["learner_id"]: CheckInPlan(r["learner_id"], r["held_on"], r["next_on"], r["id"]) for r in rows}


def open_actions_due_by(conn: Connection, learner_ids: Iterable[int], until: date) -> list[dict[str, Any]]:
    ids = list(learner_ids)
    if not ids:
        return []
    a = agreed_actions
    return [dict(r) for r in conn.execute(
        select(a.c.id, a.c.learner_id, a.c.manager_id, a.c.description, a.c.owner, a.c.due_on,
               a.c.resource_link_pk)
        .where(a.c.learner_id.in_(ids), a.c.status == "open", a.c.due_on <= until, _live(a))
        .order_by(a.c.due_on, a.c.id)).mappings()]


def reflected_without_talking(conn: Connection, manager_id: int, learner_ids: Iterable[int]) -> list[int]:
    """Learners with a reflection and no conversation with this manager."""
    ids = list(learner_ids)
    if not ids:
        return []
    r, c = reflections, conversations
    talked = exists().where(c.c.learner_id == r.c.learner_id, c.c.manager_id == manager_id, _live(c))
    return list(conn.execute(select(r.c.learner_id).distinct()
                             .where(r.c.learner_id.in_(ids), _live(r), ~talked)).scalars())


def unrated_conversations(conn: Connection, learner_id: int) -> list[dict[str, Any]]:
    c = conversations
    return [dict(r) for r in conn.execute(
        select(c.c.id, c.c.held_on, c.c.manager_id, c.c.kind)
        .where(c.c.learner_id == learner_id, c.c.rating.is_(None), _live(c))
        .order_by(c.c.held_on.desc())).mappings()]


def cadence_of(conn: Connection, manager_id: int) -> int | None:
    return conn.execute(select(check_in_cadences.c.every_days)
                        .where(check_in_cadences.c.manager_id == manager_id)).scalar()


def set_cadence(conn: Connection, manager_id: int, every_days: int | None, now: float) -> None:
    t = check_in_cadences
    if every_days is None:
        conn.execute(t.delete().where(t.c.manager_id == manager_id))
    elif conn.execute(update(t).where(t.c.manager_id == manager_id)
                      .values(every_days=every_days, updated_at=now)).rowcount == 0:
        conn.execute(insert(t).values(manager_id=manager_id, every_days=every_days, updated_at=now))


# --- the reminder scan: everything due in a date window, for every manager at once -------------
def _current_pairs():
    return select(manager_links.c.manager_id, manager_links.c.learner_id).where(
        manager_links.c.ended_at.is_(None)).distinct().subquery()


def _superseded():
    """A later live conversation exists for the same learner (so this one is not the latest)."""
    c, later = conversations, aliased(conversations)
    return exists().where(later.c.learner_id == c.c.learner_id, _live(later), or_(
        later.c.held_on > c.c.held_on, and_(later.c.held_on == c.c.held_on, later.c.id > c.c.id)))


def planned_check_ins_between(conn: Connection, start: date, end: date) -> list[dict[str, Any]]:
    """Check-ins planned for start..end by a learner's latest conversation, to each current
    manager of that learner."""
    c, superseded = conversations, _superseded()
    pairs = _current_pairs()
    return [dict(r) for r in conn.execute(
        select(c.c.id.label("conversation_id"), c.c.learner_id, pairs.c.manager_id, c.c.next_on.label("due_on"),
               c.c.resource_link_pk)
        .join(pairs, pairs.c.learner_id == c.c.learner_id)
        .where(c.c.next_on >= start, c.c.next_on <= end, _live(c), ~superseded)).mappings()]


def course_cadences(conn: Connection, learner_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Per learner (all, or ``learner_ids``), the shortest check-in rhythm in days that an
    instructor set on an activity of a course they are an active member of."""
    links = resource_links
    query = (select(memberships.c.person_id, links.c.custom)
             .join(links, links.c.context_pk == memberships.c.context_pk)
             .where(memberships.c.status == "Active", cast(links.c.custom, Text).like(f"%{CADENCE_PARAMETER}%")))
    if learner_ids is not None:
        query = query.where(memberships.c.person_id.in_(list(learner_ids)))
    found: dict[int, int] = {}
    for person_id, custom in conn.execute(query):
        days = course_cadence_days(custom)
        if days:
            found[person_id] = min(days, found.get(person_id, days))
    return found


def cadence_check_ins_between(conn: Connection, start: date, end: date) -> list[dict[str, Any]]:
    """Learners whose latest conversation planned no date and whose rhythm (their manager's,
    else their courses') falls due in start..end. Only learners with a rhythm are read:
    managers who set one, courses whose instructor did."""
    c, superseded, pairs = conversations, _superseded(), _current_pairs()
    by_course = course_cadences(conn)
    query = (select(c.c.id.label("conversation_id"), c.c.learner_id, pairs.c.manager_id, c.c.held_on,
                    c.c.resource_link_pk, check_in_cadences.c.every_days)
             .join(pairs, pairs.c.learner_id == c.c.learner_id)
             .where(c.c.next_on.is_(None), _live(c), ~superseded))
    if by_course:
        query = query.outerjoin(check_in_cadences, check_in_cadences.c.manager_id == pairs.c.manager_id)
    else:
        query = query.join(check_in_cadences, check_in_cadences.c.manager_id == pairs.c.manager_id)
    found = []
    for r in conn.execute(query).mappings():
        cadence = r["every_days"] or by_course.get(r["learner_id"])
        due = check_in_due_on(CheckInPlan(r["learner_id"], r["held_on"], None, r["conversation_id"]), cadence)
        if due is not None and start <= due <= end:
            found.append({"conversation_id": r["conversation_id"], "learner_id": r["learner_id"],
                          "manager_id": r["manager_id"], "due_on": due, "resource_link_pk": r["resource_link_pk"]})
    return found


def actions_due_between(conn: Connection, start: date, end: date) -> list[dict[str, Any]]:
    a = agreed_actions
    return [dict(r) for r in conn.execute(
        select(a.c.id, a.c.learner_id, a.c.manager_id, a.c.description, a.c.owner, a.c.due_on,
               a.c.resource_link_pk)
        .where(a.c.due_on >= start, a.c.due_on <= end, a.c.status == "open", _live(a))).mappings()]


def pending_validations_by_manager(conn: Connection) -> list[dict[str, Any]]:
    """Every pending validation request, to each current manager of its learner."""
    v, pairs = validation_requests, _current_pairs()
    return [dict(r) for r in conn.execute(
        select(pairs.c.manager_id, v.c.learner_id, resource_links.c.title.label("activity"))
        .join(pairs, pairs.c.learner_id == v.c.learner_id)
        .outerjoin(resource_links, resource_links.c.id == v.c.resource_link_pk)
        .where(v.c.status == "pending", _live(v))).mappings()]
