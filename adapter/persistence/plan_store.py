"""Planned check-ins (one per manager and learner) behind the calendar invitations and feeds."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from .reminder_tables import check_in_plans

PLANNED, CANCELLED = "planned", "cancelled"

# The check-in a conversation (a row of ``conversations``) planned was cancelled while the
# conversation stays (an erasure of its manager or learner told the other so): nobody is
# reminded of it and no page shows it as the next check-in. SQL text, so the reminder scan's
# Core query and the pages' driver SQL share it.
PLAN_CANCELLED = ("EXISTS (SELECT 1 FROM check_in_plans WHERE check_in_plans.learner_id = conversations.learner_id"
                  f" AND check_in_plans.conversation_id = conversations.id AND check_in_plans.status = '{CANCELLED}')")


def plan_next(conn: Connection, manager_id: int, learner_id: int, conversation_id: int, planned_on: date,
              now: float) -> dict[str, Any] | None:
    """Record the date a conversation planned; the plan when it is new or changed (its
    sequence one higher), None when the calendar already shows that date."""
    t = check_in_plans
    row = conn.execute(select(t).where(t.c.manager_id == manager_id, t.c.learner_id == learner_id)
                       ).mappings().first()
    if row is None:
        plan_id = conn.execute(insert(t).values(
            manager_id=manager_id, learner_id=learner_id, conversation_id=conversation_id, planned_on=planned_on,
            sequence=0, status=PLANNED, updated_at=now).returning(t.c.id)).scalar_one()
        return {"id": plan_id, "manager_id": manager_id, "learner_id": learner_id, "planned_on": planned_on,
                "sequence": 0, "status": PLANNED}
    if row["planned_on"] == planned_on and row["status"] == PLANNED:
        conn.execute(update(t).where(t.c.id == row["id"]).values(conversation_id=conversation_id))
        return None
    changed = {"conversation_id": conversation_id, "planned_on": planned_on, "sequence": row["sequence"] + 1,
               "status": PLANNED, "updated_at": now}
    conn.execute(update(t).where(t.c.id == row["id"]).values(**changed))
    return {**dict(row), **changed}


def cancel_plan_of(conn: Connection, conversation_id: int, now: float) -> dict[str, Any] | None:
    """The conversation that planned a check-in was withdrawn: the plan, cancelled, if it was live."""
    return _set_status(conn, conversation_id, PLANNED, CANCELLED, now)


def restore_plan_of(conn: Connection, conversation_id: int, now: float) -> dict[str, Any] | None:
    """The conversation's withdrawal was undone: its plan, live again, if that withdrawal
    cancelled it and no later conversation planned since; else None."""
    return _set_status(conn, conversation_id, CANCELLED, PLANNED, now)


def _set_status(conn: Connection, conversation_id: int, was: str, becomes: str, now: float) -> dict[str, Any] | None:
    """The conversation's plan, if it is ``was``, now ``becomes`` (its sequence one higher, so
    calendars replace the event they hold)."""
    t = check_in_plans
    row = conn.execute(select(t).where(t.c.conversation_id == conversation_id, t.c.status == was)
                       ).mappings().first()
    if row is None:
        return None
    changed = {"sequence": row["sequence"] + 1, "status": becomes, "updated_at": now}
    conn.execute(update(t).where(t.c.id == row["id"]).values(**changed))
    return {**dict(row), **changed}


def conversations_planning_with(conn: Connection, person_id: int) -> set[int]:
    """The conversations behind the live plans the person takes part in (as manager or learner)."""
    t = check_in_plans
    return set(conn.execute(select(t.c.conversation_id).where(
        or_(t.c.manager_id == person_id, t.c.learner_id == person_id), t.c.status == PLANNED)).scalars())


def upcoming_for(conn: Connection, person_id: int, since: date) -> list[dict[str, Any]]:
    """Plans the person takes part in (as manager or learner) from ``since`` on."""
    t = check_in_plans
    return [dict(r) for r in conn.execute(
        select(t).where(or_(t.c.manager_id == person_id, t.c.learner_id == person_id),
                        t.c.status == PLANNED, t.c.planned_on >= since)
        .order_by(t.c.planned_on)).mappings()]
