"""Retention on the database: each platform's limits, what is past them, and removing it.

``past_limits`` is the one query a dry run lists and a real run deletes, so the two agree
by construction when given the same moment.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Sequence

from sqlalchemy import Connection, delete, func, select, update

from .coaching_tables import agreed_actions, conversations, reflections, validation_decisions, validation_requests
from .database import conflict_insert
from .retention_tables import retention_settings
from .tables import people

DAY = 86400.0
LIMITS = ("private_notes_days", "withdrawn_days", "inactive_months")
# Children first: an action belongs to a conversation, a decision to a request.
TABLES = {"action": agreed_actions, "conversation": conversations, "reflection": reflections,
          "validation": validation_requests}


@dataclass(frozen=True, order=True)
class Expired:
    """One thing a retention run removes."""

    platform_id: int
    what: str  # "private notes" (blanked) | "record" (deleted)
    table: str  # a key of TABLES
    record_id: int
    learner_id: int
    rule: str  # which limit: one of LIMITS
    record_type: str  # as events and the outbox name it: "check_in", "coaching_conversation", ...

    @property
    def source(self) -> str:
        return f"{self.record_type} {self.record_id}"


def settings_of(conn: Connection, platform_id: int | None = None) -> list[dict[str, Any]]:
    query = select(retention_settings).order_by(retention_settings.c.platform_id)
    if platform_id is not None:
        query = query.where(retention_settings.c.platform_id == platform_id)
    return [dict(row) for row in conn.execute(query).mappings()]


def save_settings(conn: Connection, platform_id: int, limits: dict[str, int | None], now: float) -> None:
    values = {**{name: limits.get(name) for name in LIMITS}, "updated_at": now}
    insert = conflict_insert(conn, retention_settings)
    conn.execute(insert.values(platform_id=platform_id, **values)
                 .on_conflict_do_update(index_elements=["platform_id"], set_=values))


def claim_daily_run(conn: Connection, platform_id: int, today: date) -> bool:
    """Whether this caller runs today's retention for the platform (one worker wins)."""
    day = today.isoformat()
    return conn.execute(update(retention_settings).where(
        retention_settings.c.platform_id == platform_id,
        (retention_settings.c.last_run_on.is_(None)) | (retention_settings.c.last_run_on < day))
        .values(last_run_on=day)).rowcount == 1


def _months_before(day: date, months: int) -> date:
    month = day.year * 12 + day.month - 1 - months
    year, month = divmod(month, 12)
    last_day = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30,
                31, 30, 31][month]
    return date(year, month + 1, min(day.day, last_day))


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()


def _rows(conn: Connection, table, *where) -> list[tuple[int, int, str]]:
    """(id, learner id, record type) of the rows of ``table`` meeting ``where``."""
    name = next(n for n, t in TABLES.items() if t is table)
    if name != "conversation":
        return [(i, learner, name) for i, learner in conn.execute(select(table.c.id, table.c.learner_id).where(*where))]
    return [(i, learner, "check_in" if kind == "check_in" else "coaching_conversation")
            for i, learner, kind in conn.execute(select(table.c.id, table.c.learner_id, table.c.kind).where(*where))]


def past_limits(conn: Connection, limits: dict[str, Any], now: float) -> list[Expired]:
    """What the platform's limits say must go at ``now``, in a stable order."""
    platform_id = limits["platform_id"]
    today = datetime.fromtimestamp(now, timezone.utc).date()
    found: set[Expired] = set()
    if limits["private_notes_days"] is not None:
        c = conversations.c
        cutoff = date.fromordinal(today.toordinal() - limits["private_notes_days"])
        for i, learner, kind in _rows(conn, conversations, c.platform_id == platform_id, c.private_notes != "",
                                      c.held_on < cutoff):
            found.add(Expired(platform_id, "private notes", "conversation", i, learner, "private_notes_days", kind))
    if limits["withdrawn_days"] is not None:
        before = now - limits["withdrawn_days"] * DAY
        for name, table in TABLES.items():
            for i, learner, kind in _rows(conn, table, table.c.platform_id == platform_id,
                                          table.c.withdrawn_at < before):
                found.add(Expired(platform_id, "record", name, i, learner, "withdrawn_days", kind))
    if limits["inactive_months"] is not None:
        before = _epoch(_months_before(today, limits["inactive_months"]))
        for learner in _inactive_since(conn, platform_id, before):
            for name, table in TABLES.items():
                for i, _, kind in _rows(conn, table, table.c.learner_id == learner):
                    found.add(Expired(platform_id, "record", name, i, learner, "inactive_months", kind))
    conversations_deleted = {e.record_id: e.rule for e in found if e.what == "record" and e.table == "conversation"}
    if conversations_deleted:  # the actions agreed in a deleted conversation go with it
        a = agreed_actions.c
        listed = {e.record_id for e in found if e.table == "action"}
        for i, learner, conversation in conn.execute(select(a.id, a.learner_id, a.conversation_id).where(
                a.conversation_id.in_(list(conversations_deleted)))):
            if i not in listed:
                found.add(Expired(platform_id, "record", "action", i, learner, conversations_deleted[conversation],
                                  "action"))
    unique: dict[tuple[str, str, int], Expired] = {}
    for e in sorted(found):  # a record past two limits is listed once
        unique.setdefault((e.what, e.table, e.record_id), e)
    deleted = {(e.table, e.record_id) for e in unique.values() if e.what == "record"}
    # A conversation deleted anyway needs no blanking of its private notes.
    return [e for e in unique.values() if not (e.what == "private notes" and (e.table, e.record_id) in deleted)]


def _inactive_since(conn: Connection, platform_id: int, before: float) -> list[int]:
    """People of the platform with records, who neither launched nor had a record change since ``before``."""
    latest: dict[int, float] = {}
    for table in TABLES.values():
        for learner, at in conn.execute(select(table.c.learner_id, func.max(table.c.updated_at))
                                        .where(table.c.platform_id == platform_id).group_by(table.c.learner_id)):
            latest[learner] = max(at, latest.get(learner, 0.0))
    if not latest:
        return []
    launched = dict(conn.execute(select(people.c.id, func.coalesce(people.c.last_launch_at, people.c.created_at))
                                 .where(people.c.id.in_(list(latest)))).all())
    return sorted(p for p, at in latest.items() if max(at, launched.get(p) or 0.0) < before)


def remove(conn: Connection, expired: Sequence[Expired]) -> None:
    """Blank the private notes and delete the records listed, children before parents."""
    notes = [e.record_id for e in expired if e.what == "private notes"]
    if notes:
        conn.execute(update(conversations).where(conversations.c.id.in_(notes)).values(private_notes=""))
    for name, table in TABLES.items():
        ids = [e.record_id for e in expired if e.what == "record" and e.table == name]
        if not ids:
            continue
        if name == "validation":
            conn.execute(delete(validation_decisions).where(validation_decisions.c.request_id.in_(ids)))
        conn.execute(delete(table).where(table.c.id.in_(ids)))
