"""What the gradebook (AGS) scores need from the database: a link's line item, the
learner's LMS id, and a strictly increasing score timestamp per learner and link."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from .coaching_tables import validation_requests
from .database import conflict_insert
from .tables import contexts, people, resource_links, score_clock


def _link_with_course_lineitems():
    return (select(resource_links, contexts.c.lineitems_url)
            .select_from(resource_links.outerjoin(contexts, contexts.c.id == resource_links.c.context_pk)))


def offers_gradebook(conn: Connection, resource_link_pk: int) -> bool:
    """Whether the LMS named a line item, or a course's line items, for this link."""
    link = conn.execute(_link_with_course_lineitems().where(resource_links.c.id == resource_link_pk)).first()
    return link is not None and bool(link.lineitem_url or link.lineitems_url)


def request_withdrawn(conn: Connection, request_id: int) -> bool:
    return conn.execute(select(validation_requests.c.withdrawn_at).where(validation_requests.c.id == request_id)
                        ).scalar() is not None


def score_subject(conn: Connection, resource_link_pk: int, learner_id: int) -> tuple[dict[str, Any], str] | None:
    """The link (with its course's line items URL) and the learner's LMS user id; None if
    either no longer exists."""
    link = conn.execute(_link_with_course_lineitems().where(resource_links.c.id == resource_link_pk)
                        ).mappings().first()
    user_id = conn.execute(select(people.c.sub).where(people.c.id == learner_id)).scalar()
    return None if link is None or user_id is None else (dict(link), user_id)


def keep_line_item(conn: Connection, resource_link_pk: int, lineitem_url: str, score_maximum: float) -> None:
    conn.execute(update(resource_links).where(resource_links.c.id == resource_link_pk)
                 .values(lineitem_url=lineitem_url, score_maximum=score_maximum))


def next_score_timestamp(conn: Connection, resource_link_pk: int, person_id: int, wanted_ms: int) -> int:
    """``wanted_ms``, or one past the last score's if that is not later: the platform keeps
    the score with the latest timestamp."""
    last = conn.execute(select(score_clock.c.last_timestamp_ms).where(
        score_clock.c.resource_link_pk == resource_link_pk, score_clock.c.person_id == person_id)).scalar()
    stamp = wanted_ms if last is None else max(wanted_ms, last + 1)
    conn.execute(conflict_insert(conn, score_clock).values(resource_link_pk=resource_link_pk, person_id=person_id,
                                                           last_timestamp_ms=stamp)
                 .on_conflict_do_update(index_elements=["resource_link_pk", "person_id"],
                                        set_={"last_timestamp_ms": stamp}))
    return stamp
