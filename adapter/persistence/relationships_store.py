"""Manager links beyond the mentor claim: lookups for imports, and learner nominations."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from adapter.domain.relationships import ManagerLink

from .coaching_tables import manager_nominations
from .people_store import stub_person
from .tables import manager_links, people


def managers_of(conn: Connection, learner_id: int) -> list[int]:
    """The learner's current managers, oldest link first."""
    return list(dict.fromkeys(conn.execute(
        select(manager_links.c.manager_id).where(manager_links.c.learner_id == learner_id,
                                                 manager_links.c.ended_at.is_(None))
        .order_by(manager_links.c.created_at, manager_links.c.id)).scalars()))


def people_by_email(conn: Connection, platform_id: int, email: str) -> list[int]:
    return list(conn.execute(select(people.c.id).where(
        people.c.platform_id == platform_id, func.lower(people.c.email) == email.lower())).scalars())


def person_by_sub(conn: Connection, platform_id: int, sub: str) -> int | None:
    return conn.execute(select(people.c.id).where(people.c.platform_id == platform_id,
                                                  people.c.sub == sub)).scalar()


def person_for_import(conn: Connection, platform_id: int, sub: str, now: float) -> int:
    """An imported LTI user id may not have launched yet: they are known from now on."""
    return stub_person(conn, platform_id, sub, now)


def link_manager(conn: Connection, link: ManagerLink, source: str, now: float) -> bool:
    """Start (or restart) a link from ``source``; True when it was not current before."""
    row = conn.execute(select(manager_links.c.id, manager_links.c.ended_at).where(
        manager_links.c.learner_id == link.learner_id, manager_links.c.manager_id == link.manager_id,
        manager_links.c.source == source)).first()
    if row is None:
        conn.execute(insert(manager_links).values(learner_id=link.learner_id, manager_id=link.manager_id,
                                                  source=source, created_at=now))
        return True
    if row.ended_at is not None:
        conn.execute(update(manager_links).where(manager_links.c.id == row.id).values(ended_at=None))
        return True
    return False


def add_nomination(conn: Connection, learner_id: int, manager_id: int, now: float) -> int:
    return conn.execute(insert(manager_nominations).values(
        learner_id=learner_id, manager_id=manager_id, status="pending", created_at=now
    ).returning(manager_nominations.c.id)).scalar_one()


def get_nomination(conn: Connection, nomination_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(manager_nominations).where(manager_nominations.c.id == nomination_id)
                       ).mappings().first()
    return dict(row) if row else None


def decide_nomination(conn: Connection, nomination_id: int, status: str, now: float) -> None:
    conn.execute(update(manager_nominations).where(manager_nominations.c.id == nomination_id)
                 .values(status=status, decided_at=now))


def pending_nominations(conn: Connection, *, manager_id: int | None = None,
                        learner_id: int | None = None) -> list[dict[str, Any]]:
    query = (select(manager_nominations.c.id, manager_nominations.c.learner_id, manager_nominations.c.manager_id,
                    manager_nominations.c.created_at, people.c.name, people.c.email, people.c.sub)
             .join(people, people.c.id == (manager_nominations.c.learner_id if manager_id is not None
                                           else manager_nominations.c.manager_id))
             .where(manager_nominations.c.status == "pending"))
    if manager_id is not None:
        query = query.where(manager_nominations.c.manager_id == manager_id)
    if learner_id is not None:
        query = query.where(manager_nominations.c.learner_id == learner_id)
    return [dict(row) for row in conn.execute(query.order_by(manager_nominations.c.id)).mappings()]
