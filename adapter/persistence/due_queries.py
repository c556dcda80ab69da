"""The reads behind the to-do lists and the reminder scan: what is waiting or due.

Page reads take one manager's or learner's ids; the scan's reads walk the due-date
indexes by range (ix_conversations_next_on, ix_agreed_actions_due_on) so a scan costs
what is due, not the size of the tables.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from sqlalchemy import Connection, and_, exists, insert, or_, select, text, update
from sqlalchemy.orm import aliased

from adapter.domain.due import CADENCE_PARAMETER, CheckInPlan, check_in_due_on, course_cadence_days

from . import driver_rows, driver_sql
from .coaching_store import LIVE
from .coaching_tables import agreed_actions, conversations, validation_requests
from .plan_store import PLAN_CANCELLED
from .reminder_tables import check_in_cadences
from .tables import manager_links, memberships, resource_links

def _live(table):
    return table.c.withdrawn_at.is_(None)


# The to-do pages' reads, as SQL text on the driver (driver_sql.py says why; driver_rows.py makes
# their rows what SQLAlchemy's were); the reminder scan's below stay SQLAlchemy Core.
def _day(conn: Connection, day: date) -> date | str:
    """A date parameter as SQLAlchemy's Date binds it: ISO text on SQLite, a date for psycopg."""
    return day.isoformat() if conn.dialect.name == "sqlite" else day


_PENDING = (driver_rows.Columns(validation_requests, ("id", "learner_id", "resource_link_pk", "updated_at"),
                                labels={"updated_at": "asked_at"})
            + driver_rows.Columns(resource_links, ("title",), labels={"title": "activity"}))
_PENDING_VALIDATIONS = driver_rows.with_ids(
    f"SELECT {_PENDING.sql} FROM validation_requests LEFT OUTER JOIN resource_links"
    " ON resource_links.id = validation_requests.resource_link_pk"
    " WHERE validation_requests.learner_id {in_ids} AND validation_requests.status = 'pending'"
    f" AND validation_requests.{LIVE} ORDER BY validation_requests.updated_at, validation_requests.id")


def pending_validations(conn: Connection, learner_ids: Iterable[int]) -> list[dict[str, Any]]:
    """Requests waiting for a decision, the longest-waiting first (asked_at: when last asked)."""
    ids = list(learner_ids)
    if not ids:
        return []
    return _PENDING.read(conn, _PENDING_VALIDATIONS, {"ids": driver_rows.ids(conn, ids)})


_LATEST = driver_rows.Columns(conversations, ("id", "learner_id", "held_on", "next_on"), alias="ranked")
_LATEST_CONVERSATIONS = driver_rows.with_ids(
    f"SELECT {_LATEST.sql} FROM (SELECT id, learner_id, held_on,"
    f" CASE WHEN {PLAN_CANCELLED} THEN NULL ELSE next_on END AS next_on, row_number() OVER"
    " (PARTITION BY learner_id ORDER BY held_on DESC, id DESC) AS n FROM conversations"
    f" WHERE learner_id {{in_ids}} AND {LIVE}) AS ranked WHERE ranked.n = 1")


def latest_conversations(conn: Connection, learner_ids: Iterable[int]) -> dict[int, CheckInPlan]:
    """Each learner's last live conversation (with any manager): when, and what it planned
    (no date if that check-in was cancelled)."""
    ids = list(learner_ids)
    if not ids:
        return {}
    rows = _LATEST.read(conn, _LATEST_CONVERSATIONS, {"ids": driver_rows.ids(conn, ids)})
    return {r["learner_id"]: CheckInPlan(r["learner_id"], r["held_on"], r["next_on"], r["id"]) for r in rows}


_DUE = driver_rows.Columns(agreed_actions, ("id", "learner_id", "manager_id", "description", "owner", "due_on",
                                            "resource_link_pk"))
_OPEN_ACTIONS_DUE_BY = driver_rows.with_ids(
    f"SELECT {_DUE.sql} FROM agreed_actions WHERE learner_id {{in_ids}} AND status = 'open' AND due_on <= :until"
    f" AND {LIVE} ORDER BY due_on, id")


def open_actions_due_by(conn: Connection, learner_ids: Iterable[int], until: date) -> list[dict[str, Any]]:
    ids = list(learner_ids)
    if not ids:
        return []
    return _DUE.read(conn, _OPEN_ACTIONS_DUE_BY, {"ids": driver_rows.ids(conn, ids), "until": _day(conn, until)})


_REFLECTED_WITHOUT_TALKING = driver_rows.with_ids(
    "SELECT DISTINCT reflections.learner_id FROM reflections WHERE reflections.learner_id {in_ids}"
    f" AND reflections.{LIVE} AND NOT (EXISTS (SELECT * FROM conversations"
    " WHERE conversations.learner_id = reflections.learner_id AND conversations.manager_id = :manager_id"
    f" AND conversations.{LIVE}))")


def reflected_without_talking(conn: Connection, manager_id: int, learner_ids: Iterable[int]) -> list[int]:
    """Learners with a reflection and no conversation with this manager."""
    ids = list(learner_ids)
    if not ids:
        return []
    return [row[0] for row in driver_sql.run(conn, _REFLECTED_WITHOUT_TALKING, {
        "ids": driver_rows.ids(conn, ids), "manager_id": manager_id})]


_UNRATED = driver_rows.Columns(conversations, ("id", "held_on", "manager_id", "kind"))
_UNRATED_CONVERSATIONS = driver_sql.both(
    f"SELECT {_UNRATED.sql} FROM conversations WHERE learner_id = :learner_id AND rating IS NULL"
    f" AND {LIVE} ORDER BY held_on DESC")


def unrated_conversations(conn: Connection, learner_id: int) -> list[dict[str, Any]]:
    return _UNRATED.read(conn, _UNRATED_CONVERSATIONS, {"learner_id": learner_id})


_CADENCE_OF = driver_sql.both("SELECT every_days FROM check_in_cadences WHERE manager_id = :manager_id")


def cadence_of(conn: Connection, manager_id: int) -> int | None:
    rows = driver_sql.run(conn, _CADENCE_OF, {"manager_id": manager_id})
    return rows[0][0] if rows else None


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
    manager of that learner, unless that check-in was cancelled."""
    c, superseded = conversations, _superseded()
    pairs = _current_pairs()
    return [dict(r) for r in conn.execute(
        select(c.c.id.label("conversation_id"), c.c.learner_id, pairs.c.manager_id, c.c.next_on.label("due_on"),
               c.c.resource_link_pk)
        .join(pairs, pairs.c.learner_id == c.c.learner_id)
        .where(c.c.next_on >= start, c.c.next_on <= end, _live(c), ~superseded, text(f"NOT {PLAN_CANCELLED}"))
    ).mappings()]


_CADENCED = driver_rows.Columns(memberships, ("person_id",)) + driver_rows.Columns(resource_links, ("custom",))
_COURSE_CADENCES = (
    f"SELECT {_CADENCED.sql} FROM memberships JOIN resource_links ON resource_links.context_pk = memberships.context_pk"
    " WHERE memberships.status = 'Active' AND CAST(resource_links.custom AS TEXT) LIKE :cadence")
# Per whether the learners are named: every learner's (the reminder scan), or these learners' (a to-do page).
_COURSE_CADENCES_OF = {False: driver_sql.both(_COURSE_CADENCES),
                       True: driver_rows.with_ids(_COURSE_CADENCES + " AND memberships.person_id {in_ids}")}


def course_cadences(conn: Connection, learner_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Per learner (all, or ``learner_ids``), the shortest check-in rhythm in days that an
    instructor set on an activity of a course they are an active member of."""
    params = {"cadence": f"%{CADENCE_PARAMETER}%"}
    if learner_ids is not None:
        params["ids"] = driver_rows.ids(conn, learner_ids)
    found: dict[int, int] = {}
    for row in _CADENCED.read(conn, _COURSE_CADENCES_OF[learner_ids is not None], params):
        days = course_cadence_days(row["custom"])
        if days:
            found[row["person_id"]] = min(days, found.get(row["person_id"], days))
    return found


def cadence_check_ins_between(conn: Connection, start: date, end: date) -> list[dict[str, Any]]:
    """Learners whose latest conversation planned no date (or one since cancelled) and whose
    rhythm (their manager's, else their courses') falls due in start..end. Only learners with
    a rhythm are read: managers who set one, courses whose instructor did."""
    c, superseded, pairs = conversations, _superseded(), _current_pairs()
    by_course = course_cadences(conn)
    query = (select(c.c.id.label("conversation_id"), c.c.learner_id, pairs.c.manager_id, c.c.held_on,
                    c.c.resource_link_pk, check_in_cadences.c.every_days)
             .join(pairs, pairs.c.learner_id == c.c.learner_id)
             .where(or_(c.c.next_on.is_(None), text(PLAN_CANCELLED)), _live(c), ~superseded))
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
