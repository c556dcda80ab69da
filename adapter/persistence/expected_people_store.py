"""People named before their first launch, and matching them when they do launch.

Known by LMS user id: their people row has that sub, so the launch finds it. Known only
by email: the row's sub is a placeholder until the first launch whose signed email claim
matches, which gives the row its real sub (or, if the roster already made a row for that
sub, moves the placeholder's relationships onto it). Matched once; the caller audits it.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import Connection, delete, func, insert, select, update

from . import driver_sql
from .coaching_tables import manager_nominations
from .people_tables import expected_people, scim_users
from .people_store import stub_person
from .tables import manager_links, people

PLACEHOLDER_SUB = "expected:"  # never an LMS user id: LTI subs carry no such prefix here


@dataclass(frozen=True)
class Match:
    person_id: int
    by: str  # sub | email
    source: str


def expect_person(conn: Connection, platform_id: int, *, user_id: str = "", email: str = "", name: str = "",
                  source: str, now: float) -> int:
    """The person row for someone named by ``user_id`` and/or ``email``; recorded as
    expected when they have not launched yet."""
    email = email.strip().lower()
    if user_id:
        person_id = stub_person(conn, platform_id, user_id, now)
    else:
        person_id = conn.execute(insert(people).values(
            platform_id=platform_id, sub=PLACEHOLDER_SUB + secrets.token_hex(12), email=email, name=name,
            created_at=now).returning(people.c.id)).scalar_one()
    known = conn.execute(select(people.c.email, people.c.name, people.c.last_launch_at)
                         .where(people.c.id == person_id)).one()
    fill = {k: v for k, v in {"email": email, "name": name}.items() if v and not getattr(known, k)}
    if fill:
        conn.execute(update(people).where(people.c.id == person_id).values(**fill))
    already = conn.execute(select(expected_people.c.person_id).where(expected_people.c.person_id == person_id)).first()
    if known.last_launch_at is None and already is None:
        conn.execute(insert(expected_people).values(person_id=person_id, platform_id=platform_id, email=email,
                                                    user_id=user_id, source=source, created_at=now))
    return person_id


def find_or_expect(conn: Connection, platform_id: int, *, user_id: str = "", email: str = "", name: str = "",
                   source: str, now: float) -> int | None:
    """The person named by LMS user id, else the one person with that email, else a new
    expected person; None when the email (without a user id) belongs to several people."""
    if not user_id and email:
        found = list(conn.execute(select(people.c.id).where(
            people.c.platform_id == platform_id, func.lower(people.c.email) == email.strip().lower())).scalars())
        if len(found) > 1:
            return None
        if found:
            return found[0]
    return expect_person(conn, platform_id, user_id=user_id, email=email, name=name, source=source, now=now)


def update_expected(conn: Connection, person_id: int, *, email: str, name: str) -> None:
    """A source renamed someone who has not launched yet: their row follows (a launched
    person's profile comes from the LMS, not from here)."""
    email = email.strip().lower()
    waiting = conn.execute(select(expected_people.c.person_id).where(
        expected_people.c.person_id == person_id, expected_people.c.matched_at.is_(None))).first()
    if waiting is None:
        return
    conn.execute(update(expected_people).where(expected_people.c.person_id == person_id).values(email=email))
    conn.execute(update(people).where(people.c.id == person_id, people.c.last_launch_at.is_(None))
                 .values(email=email, **({"name": name} if name else {})))


# Every launch asks it (driver_sql.py: why as SQL text). An email matches only when the
# platform vouched for it (``:email`` NULL otherwise), a placeholder not yet matched by id.
# The placeholder test is written out, not a bound LIKE pattern: SQLite prepares a statement
# again for every new LIKE pattern it is given (~50 µs here).
# The two ways of matching are two lookups, each by its index (the person by
# uq_people_platform_sub, then their expected row by its key — an expected row's platform is
# its person's —; the email by ix_expected_people_lower_email): one condition with an OR found the platform's waiting
# rows by platform only and read them all, ~1.8 ms a launch with 5,000 of them. A row
# matched by both is the sub's only, as with the OR.
WAITING_BY_SUB = (
    " FROM expected_people JOIN people ON people.id = expected_people.person_id"
    " WHERE expected_people.person_id = (SELECT id FROM people WHERE platform_id = :platform_id AND sub = :sub)"
    " AND expected_people.platform_id = :platform_id AND expected_people.matched_at IS NULL")
WAITING_BY_EMAIL = (
    " FROM expected_people JOIN people ON people.id = expected_people.person_id"
    " WHERE expected_people.platform_id = :platform_id AND lower(expected_people.email) = :email"
    " AND expected_people.matched_at IS NULL AND expected_people.user_id = ''"
    f" AND substr(people.sub, 1, {len(PLACEHOLDER_SUB)}) = '{PLACEHOLDER_SUB}' AND people.sub <> :sub")
_WAITING_COLUMNS = "SELECT expected_people.person_id, expected_people.source, people.sub = :sub"
_WAITING = driver_sql.both(_WAITING_COLUMNS + WAITING_BY_SUB + " UNION ALL " + _WAITING_COLUMNS + WAITING_BY_EMAIL)


class _Waiting(NamedTuple):
    person_id: int
    source: str
    by_sub: bool


def match_expected(conn: Connection, platform_id: int, sub: str, email: str, now: float) -> Match | None:
    """Match the person the platform vouches for (``sub``; ``email`` only if the platform vouches for it)
    to the expected person waiting for them, once. One query when nobody is waiting."""
    email = email.strip().lower()
    waiting = [_Waiting(*row) for row in driver_sql.run(conn, _WAITING, {
        "platform_id": platform_id, "sub": sub, "email": email or None})]
    by_id = [row for row in waiting if row.by_sub]
    by_mail = [row for row in waiting if not row.by_sub]
    match = _matched(conn, by_id[0].person_id, "sub", by_id[0].source, now) if by_id else None
    if len(by_mail) != 1:  # nobody, or an email shared by several expected people: no guessing
        return match
    placeholder = by_mail[0].person_id
    known = conn.execute(select(people.c.id).where(people.c.platform_id == platform_id, people.c.sub == sub)).scalar()
    if known is None:
        conn.execute(update(people).where(people.c.id == placeholder).values(sub=sub))
        return _matched(conn, placeholder, "email", by_mail[0].source, now)
    # The LMS user id was known already (roster, an import by id): that row takes over.
    _move_relationships(conn, placeholder, known)
    conn.execute(delete(people).where(people.c.id == placeholder))
    return match or Match(known, "email", by_mail[0].source)


def _matched(conn: Connection, person_id: int, by: str, source: str, now: float) -> Match:
    conn.execute(update(expected_people).where(expected_people.c.person_id == person_id)
                 .values(matched_at=now, matched_by=by))
    return Match(person_id, by, source)


def _move_relationships(conn: Connection, old: int, new: int) -> None:
    """Point the placeholder's links, nominations and SCIM user at the person who launched;
    a link they already have (or one to themselves) is dropped instead of duplicated."""
    conn.execute(update(scim_users).where(scim_users.c.person_id == old).values(person_id=new))
    for table, unique in ((manager_links, ("learner_id", "manager_id", "source")),
                          (manager_nominations, None)):
        for side, other in (("learner_id", "manager_id"), ("manager_id", "learner_id")):
            rows = conn.execute(select(table).where(table.c[side] == old)).mappings().all()
            for row in rows:
                clash = row[other] == new or (unique is not None and conn.execute(
                    select(table.c.id).where(table.c[side] == new, table.c[other] == row[other],
                                             table.c.source == row["source"])).first() is not None)
                if clash:
                    conn.execute(delete(table).where(table.c.id == row["id"]))
                else:
                    conn.execute(update(table).where(table.c.id == row["id"]).values({side: new}))


def waiting_count(conn: Connection, platform_id: int) -> int:
    return conn.execute(select(func.count()).select_from(expected_people).where(
        expected_people.c.platform_id == platform_id, expected_people.c.matched_at.is_(None))).scalar_one()
