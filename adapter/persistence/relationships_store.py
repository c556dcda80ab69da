"""Manager links beyond the mentor claim: lookups for imports, and learner nominations."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from adapter.domain.relationships import ManagerLink

from . import driver_sql
from .coaching_tables import audit_events, manager_nominations
from .tables import manager_links, memberships, people


# A learner's landing page asks this on every launch (driver_sql.py: why as SQL text).
_MANAGERS_OF = driver_sql.both(
    "SELECT manager_id FROM manager_links WHERE learner_id = :learner_id AND ended_at IS NULL"
    " ORDER BY created_at, id")


def managers_of(conn: Connection, learner_id: int) -> list[int]:
    """The learner's current managers, oldest link first."""
    return list(dict.fromkeys(manager_id for manager_id, in driver_sql.run(conn, _MANAGERS_OF,
                                                                           {"learner_id": learner_id})))


def people_by_email(conn: Connection, platform_id: int, email: str) -> list[int]:
    return list(conn.execute(select(people.c.id).where(
        people.c.platform_id == platform_id, func.lower(people.c.email) == email.lower())).scalars())


def person_by_sub(conn: Connection, platform_id: int, sub: str) -> int | None:
    return conn.execute(select(people.c.id).where(people.c.platform_id == platform_id,
                                                  people.c.sub == sub)).scalar()


def count_not_launched(conn: Connection, person_ids: set[int]) -> int:
    return conn.execute(select(func.count()).select_from(people).where(
        people.c.id.in_(person_ids), people.c.last_launch_at.is_(None))).scalar_one() if person_ids else 0


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


# Every page's navigation asks these (driver_sql.py: why as SQL text).
_NOMINATION_COLUMNS = ("id", "learner_id", "manager_id", "created_at", "name", "email", "sub")
_PENDING_NOMINATIONS = {
    side: driver_sql.both(
        "SELECT manager_nominations.id, manager_nominations.learner_id, manager_nominations.manager_id,"
        " manager_nominations.created_at, people.name, people.email, people.sub FROM manager_nominations"
        f" JOIN people ON people.id = manager_nominations.{other} WHERE manager_nominations.status = 'pending'"
        f" AND manager_nominations.{side} = :person ORDER BY manager_nominations.id")
    for side, other in (("manager_id", "learner_id"), ("learner_id", "manager_id"))}
_MANAGES_ANYONE = driver_sql.both(
    "SELECT 1 FROM manager_links WHERE manager_id = :person AND ended_at IS NULL LIMIT 1")


def pending_nominations(conn: Connection, *, manager_id: int | None = None,
                        learner_id: int | None = None) -> list[dict[str, Any]]:
    """Nominations waiting for ``manager_id``'s answer (with the learner's name), or made
    by ``learner_id`` (with the manager's)."""
    side, person = ("manager_id", manager_id) if manager_id is not None else ("learner_id", learner_id)
    return [dict(zip(_NOMINATION_COLUMNS, row))
            for row in driver_sql.run(conn, _PENDING_NOMINATIONS[side], {"person": person})]


# A launch's landing page asks both about the person launching (services/navigation.landing).
_TEAM_AND_NOMINATIONS = driver_sql.both(
    "SELECT 0, learner_id, NULL, NULL, NULL, NULL, NULL, NULL FROM manager_links"
    " WHERE manager_id = :person AND ended_at IS NULL UNION ALL"
    " SELECT 1, manager_nominations.id, manager_nominations.learner_id, manager_nominations.manager_id,"
    " manager_nominations.created_at, people.name, people.email, people.sub FROM manager_nominations"
    " JOIN people ON people.id = manager_nominations.learner_id WHERE manager_nominations.status = 'pending'"
    " AND manager_nominations.manager_id = :person ORDER BY 1, 2")


def team_and_nominations(conn: Connection, person_id: int) -> tuple[frozenset[int], list[dict[str, Any]]]:
    """The ids of the person's current mentees and :func:`pending_nominations` waiting for
    their answer, in one statement."""
    mentees: set[int] = set()
    nominations = []
    for kind, row_id, *nomination in driver_sql.run(conn, _TEAM_AND_NOMINATIONS, {"person": person_id}):
        if kind == 0:
            mentees.add(row_id)
        else:
            nominations.append(dict(zip(_NOMINATION_COLUMNS, (row_id, *nomination))))
    return frozenset(mentees), nominations


def manages_anyone(conn: Connection, person_id: int) -> bool:
    """Whether the person currently manages someone, from any source."""
    return bool(driver_sql.run(conn, _MANAGES_ANYONE, {"person": person_id}))


def mentee_in_course(conn: Connection, manager_id: int, context_pk: int) -> bool:
    """Whether one of the manager's current mentees is a member of the course."""
    return conn.execute(select(manager_links.c.id).join(
        memberships, and_(memberships.c.person_id == manager_links.c.learner_id,
                          memberships.c.context_pk == context_pk))
        .where(manager_links.c.manager_id == manager_id, manager_links.c.ended_at.is_(None)).limit(1)
    ).first() is not None


def end_other_managers(conn: Connection, learner_id: int, keep: set[int], sources: tuple[str, ...],
                       now: float) -> int:
    """End the learner's current links from ``sources`` to managers not in ``keep``; how many."""
    return conn.execute(update(manager_links).where(
        manager_links.c.learner_id == learner_id, manager_links.c.ended_at.is_(None),
        manager_links.c.source.in_(sources), manager_links.c.manager_id.not_in(keep or {-1})).values(ended_at=now)
    ).rowcount


def end_links_of(conn: Connection, person_id: int, now: float) -> int:
    """Every current link the person is in, as learner or as manager, from any source."""
    return conn.execute(update(manager_links).where(
        manager_links.c.ended_at.is_(None),
        (manager_links.c.learner_id == person_id) | (manager_links.c.manager_id == person_id)
    ).values(ended_at=now)).rowcount


def current_pairs(conn: Connection, platform_id: int, person: str = "") -> list[dict[str, Any]]:
    """Every current link of the platform (one row per source), learner and manager named;
    ``person`` keeps the pairs where either side's name, email or user id contains it."""
    learner, manager = people.alias("learner"), people.alias("manager")
    query = (select(manager_links.c.learner_id, manager_links.c.manager_id, manager_links.c.source,
                    manager_links.c.created_at, learner.c.name.label("learner_name"),
                    learner.c.email.label("learner_email"), learner.c.sub.label("learner_sub"),
                    learner.c.last_launch_at.label("learner_launched"),
                    manager.c.name.label("manager_name"), manager.c.email.label("manager_email"),
                    manager.c.sub.label("manager_sub"), manager.c.last_launch_at.label("manager_launched"))
             .join(learner, learner.c.id == manager_links.c.learner_id)
             .join(manager, manager.c.id == manager_links.c.manager_id)
             .where(learner.c.platform_id == platform_id, manager_links.c.ended_at.is_(None))
             .order_by(learner.c.name, learner.c.email, manager.c.name, manager_links.c.id))
    if person.strip():
        pattern = f"%{person.strip().lower()}%"
        query = query.where(or_(*(func.lower(column).like(pattern) for side in (learner, manager)
                                  for column in (side.c.name, side.c.email, side.c.sub))))
    return [dict(row) for row in conn.execute(query).mappings()]


def end_pair(conn: Connection, learner_id: int, manager_id: int, now: float) -> list[str]:
    """End the pair's current links from every source; the sources that had it."""
    current = and_(manager_links.c.learner_id == learner_id, manager_links.c.manager_id == manager_id,
                   manager_links.c.ended_at.is_(None))
    sources = list(conn.execute(select(manager_links.c.source).where(current)).scalars())
    conn.execute(update(manager_links).where(current).values(ended_at=now))
    return sources


def removed_pair(conn: Connection, learner_id: int, manager_id: int) -> tuple[float, int | None] | None:
    """When an admin last removed the pair, and who (the audit trail says), while it has not
    come back since; None otherwise."""
    pair = and_(manager_links.c.learner_id == learner_id, manager_links.c.manager_id == manager_id)
    if conn.execute(select(manager_links.c.id).where(pair, manager_links.c.ended_at.is_(None)).limit(1)).first():
        return None
    removals = conn.execute(select(audit_events.c.at, audit_events.c.actor_id, audit_events.c.detail).where(
        audit_events.c.action == "relationship.removed", audit_events.c.record_id == learner_id)
        .order_by(audit_events.c.id.desc())).all()
    removal = next((r for r in removals if (r.detail or {}).get("manager_id") == manager_id), None)
    return (removal.at, removal.actor_id) if removal else None


def restore_pair(conn: Connection, learner_id: int, manager_id: int, ended_at: float) -> list[str]:
    """The links a removal at ``ended_at`` ended are current again; their sources."""
    ended = and_(manager_links.c.learner_id == learner_id, manager_links.c.manager_id == manager_id,
                 manager_links.c.ended_at == ended_at)
    sources = list(conn.execute(select(manager_links.c.source).where(ended)).scalars())
    conn.execute(update(manager_links).where(ended).values(ended_at=None))
    return sources


def platform_of_person(conn: Connection, person_id: int) -> int | None:
    return conn.execute(select(people.c.platform_id).where(people.c.id == person_id)).scalar()
