"""Turns of periodic jobs in the database: whichever worker moves a job's next run
forward runs it; the others see the run already taken (on PostgreSQL the second UPDATE
waits for the first transaction and then finds nothing due)."""
from __future__ import annotations

from sqlalchemy import Connection, update

from .database import conflict_insert
from .reminder_tables import scheduler_turns


def take_turn(conn: Connection, job: str, now: float, every: float) -> bool:
    """Whether this caller runs ``job`` now; the turn is held until ``conn``'s transaction
    ends (a crash before the commit leaves the turn to the next worker)."""
    t = scheduler_turns
    conn.execute(conflict_insert(conn, t).values(job=job, next_run_at=now).on_conflict_do_nothing())
    return bool(conn.execute(update(t).where(t.c.job == job, t.c.next_run_at <= now)
                             .values(next_run_at=now + every, last_run_at=now)).rowcount)
