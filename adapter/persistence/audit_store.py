"""Reading the audit trail: who did what to which record, when, for the admin page and CSV."""
from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import Connection, and_, or_, select

from .coaching_tables import (
    agreed_actions, audit_events, conversations, manager_nominations, reflections, validation_requests,
)
from .tables import people

# The audit's record types for each record table, and the column naming its learner.
_ABOUT = ((("reflection",), reflections), (("check_in", "coaching"), conversations), (("action",), agreed_actions),
          (("validation",), validation_requests))


def _concerning(person_id: int):
    """Entries by the person, about them (their profile, their manager links, their
    nominations), or about one of their records."""
    ae, n = audit_events, manager_nominations
    return or_(ae.c.actor_id == person_id,
               and_(ae.c.record_type.in_(("person", "manager_link")), ae.c.record_id == person_id),
               and_(ae.c.record_type == "nomination", ae.c.record_id.in_(
                   select(n.c.id).where(or_(n.c.learner_id == person_id, n.c.manager_id == person_id)))),
               *(and_(ae.c.record_type.in_(types), ae.c.record_id.in_(
                   select(table.c.id).where(table.c.learner_id == person_id))) for types, table in _ABOUT))


def events(conn: Connection, *, platform_ids: Sequence[int] | None, person_id: int | None = None,
           since: float | None = None, until: float | None = None, before: int | None = None,
           limit: int | None = None) -> list[dict[str, Any]]:
    """Newest first (by entry number, the order they were written); ``platform_ids`` None
    means every platform (a tool operator's view); ``before`` an entry number: only older ones."""
    ae = audit_events
    query = (select(ae, people.c.name.label("actor_name"), people.c.sub.label("actor_sub"))
             .select_from(ae.outerjoin(people, people.c.id == ae.c.actor_id)).order_by(ae.c.id.desc()))
    if platform_ids is not None:
        query = query.where(ae.c.platform_id.in_(list(platform_ids)))
    if person_id is not None:
        query = query.where(_concerning(person_id))
    if since is not None:
        query = query.where(ae.c.at >= since)
    if until is not None:
        query = query.where(ae.c.at < until)
    if before is not None:
        query = query.where(ae.c.id < before)
    if limit is not None:
        query = query.limit(limit)
    return [dict(row) for row in conn.execute(query).mappings()]
