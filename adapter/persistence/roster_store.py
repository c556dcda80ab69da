"""Course rosters: what the LMS's roster service (NRPS) told the tool about a course's members."""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import Connection, select, update

from adapter.domain.people import shown_name

from . import driver_rows, driver_sql
from .tables import contexts, memberships, people

ACTIVE = "Active"


def course(conn: Connection, context_pk: int) -> dict[str, Any] | None:
    row = conn.execute(select(contexts).where(contexts.c.id == context_pk)).mappings().first()
    return dict(row) if row else None


def courses_with_roster(conn: Connection) -> list[int]:
    """The courses whose launches offered the roster service."""
    return list(conn.execute(select(contexts.c.id).where(contexts.c.memberships_url != "")
                             .order_by(contexts.c.id)).scalars())


def set_member_status(conn: Connection, context_pk: int, person_id: int, status: str, now: float) -> int:
    """How many memberships changed (0 when the person was never a member)."""
    return conn.execute(update(memberships).where(
        memberships.c.context_pk == context_pk, memberships.c.person_id == person_id
    ).values(status=status, updated_at=now)).rowcount


def deactivate_all_but(conn: Connection, context_pk: int, kept: Iterable[int], now: float) -> int:
    """Active members not in ``kept`` become inactive; how many did."""
    return conn.execute(update(memberships).where(
        memberships.c.context_pk == context_pk, memberships.c.person_id.not_in(list(kept)),
        memberships.c.status == ACTIVE).values(status="Inactive", updated_at=now)).rowcount


def mark_synced(conn: Connection, context_pk: int, differences_url: str, now: float) -> None:
    conn.execute(update(contexts).where(contexts.c.id == context_pk).values(
        roster_differences_url=differences_url, roster_synced_at=now))


# An instructor's launch lands on the course page, which shows this (driver_sql.py: why as text).
_MEMBER = driver_rows.Columns(memberships, ("app_roles",)) + driver_rows.Columns(
    people, ("last_launch_at", "name", "email", "sub"))
_ACTIVE_MEMBERS = driver_sql.both(
    f"SELECT {_MEMBER.sql} FROM memberships JOIN people ON people.id = memberships.person_id"
    f" WHERE memberships.context_pk = :context_pk AND memberships.status = '{ACTIVE}'")
_ROSTER_KNOWN = driver_sql.both("SELECT memberships_url, roster_synced_at FROM contexts WHERE id = :context_pk")


def roster_summary(conn: Connection, context_pk: int) -> dict[str, Any]:
    """Who is in the course, from launches and the LMS roster, and who has started.

    ``learners`` counts active course members with the learner role; ``started`` those of
    them who have opened coachbridge. Without a roster sync, only people who launched are known.
    """
    members = _MEMBER.read(conn, _ACTIVE_MEMBERS, {"context_pk": context_pk})
    learners = [m for m in members if "learner" in (m["app_roles"] or [])]
    not_started = sorted(shown_name(m["name"], m["email"], m["sub"]) for m in learners if m["last_launch_at"] is None)
    (memberships_url, roster_synced_at), = driver_sql.run(conn, _ROSTER_KNOWN, {"context_pk": context_pk})
    return {"members": len(members), "learners": len(learners), "not_started": not_started,
            "started": sum(m["last_launch_at"] is not None for m in learners),
            "roster_available": bool(memberships_url), "roster_synced_at": roster_synced_at}
