"""Loading and saving coaching records (domain values): writes with SQLAlchemy Core, reads as
SQL text on the driver (pages and forms read them on every visit, a learner's landing on every
launch: driver_sql.py says why; driver_rows.py makes their rows what SQLAlchemy's would be),
each filtering out withdrawn records as ``LIVE`` says, but for the reads of a withdrawn record
(undoing a withdrawal)."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, TypeVar

from sqlalchemy import Connection, insert, update

from adapter.domain.coaching import ActivityRef, AgreedAction, Conversation, Reflection
from adapter.domain.validation import Decision, ValidationRequest
from adapter.domain.withdrawal import Withdrawal

from . import driver_rows, driver_sql
from .coaching_tables import (
    agreed_actions, audit_events, conversations, reflections, validation_decisions, validation_requests,
)

R = TypeVar("R")  # a domain value built from a row

_ACTIVITY = ("platform_id", "context_pk", "resource_link_pk", "activity_iri")


def _activity(row: Any) -> ActivityRef:
    return ActivityRef(**{name: row[name] for name in _ACTIVITY})


def _activity_values(activity: ActivityRef) -> dict[str, Any]:
    return {name: getattr(activity, name) for name in _ACTIVITY}


REFLECTION = driver_rows.Columns(reflections)  # coaching_reads reads the learner page's reflections with it too
_CONVERSATION, _ACTION = (driver_rows.Columns(table) for table in (conversations, agreed_actions))
# In every read here and in coaching_reads, so a withdrawn record is gone from every page and action.
LIVE = "withdrawn_at IS NULL"


def _by_id(columns: driver_rows.Columns, table, where: str = LIVE) -> dict[str, str]:
    """The statement reading record ``:id`` of ``table`` (live, or as ``where`` says)."""
    return driver_sql.both(f"SELECT {columns.sql} FROM {table.name} WHERE id = :id AND {where}")


def _record(conn: Connection, columns: driver_rows.Columns, sql: dict[str, str], record_id: int,
            build: Callable[[Any], R]) -> R | None:
    """The record ``record_id`` as ``sql`` (:func:`_by_id`) reads it, built by ``build``."""
    rows = columns.read(conn, sql, {"id": record_id})
    return build(rows[0]) if rows else None


class _ReadOnLink:
    """A read of a learner's records on a resource link, or on none (``resource_link_pk IS
    NULL``, as SQLAlchemy writes ``== None``): ``sql`` says ``{on_link}`` where the link is compared."""

    def __init__(self, sql: str) -> None:
        self._linked, self._unlinked = (driver_sql.both(sql.replace("{on_link}", clause)) for clause in ("= :link", "IS NULL"))

    def statement(self, learner_id: int, resource_link_pk: int | None) -> tuple[dict[str, str], dict[str, Any]]:
        """The statement for this learner and link (or none), and its parameters."""
        if resource_link_pk is None:
            return self._unlinked, {"learner_id": learner_id}
        return self._linked, {"learner_id": learner_id, "link": resource_link_pk}


def _insert(conn: Connection, table, values: dict[str, Any], now: float) -> int:
    return conn.execute(insert(table).values(**values, created_at=now, updated_at=now)
                        .returning(table.c.id)).scalar_one()


def _update(conn: Connection, table, record_id: int, values: dict[str, Any], now: float) -> None:
    conn.execute(update(table).where(table.c.id == record_id).values(**values, updated_at=now))


_TABLE_OF = {"reflection": reflections, "check_in": conversations, "coaching_conversation": conversations,
             "action": agreed_actions, "validation": validation_requests}


def withdraw(conn: Connection, record_type: str, record_id: int, version: int, now: float) -> None:
    _update(conn, _TABLE_OF[record_type], record_id, {"version": version, "withdrawn_at": now}, now)


def restore(conn: Connection, record_type: str, record_id: int, version: int, now: float) -> None:
    """A withdrawal undone: the record is live again, as ``version``."""
    _update(conn, _TABLE_OF[record_type], record_id, {"version": version, "withdrawn_at": None}, now)


# What the audit trail calls each kind of record that may be withdrawn (a conversation by
# its template's kind): who withdrew it is read from there.
_AUDITED_AS = {"reflection": ("reflection",), "validation": ("validation",), "conversation": ("check_in", "coaching")}
_WITHDRAWN_TABLES = {"reflection": reflections, "validation": validation_requests, "conversation": conversations}


# Whether the record is withdrawn, and who withdrew it (the latest withdrawal audited of it), per kind.
_WITHDRAWAL_OF = {record_type: driver_sql.both(
    "SELECT withdrawn_at, (SELECT actor_id FROM audit_events WHERE record_id = :id AND record_type IN ("
    + ", ".join(f"'{audited}'" for audited in _AUDITED_AS[record_type])
    + ") AND action LIKE :withdrawn ORDER BY id DESC LIMIT 1)"
    f" FROM {table.name} WHERE id = :id") for record_type, table in _WITHDRAWN_TABLES.items()}
_WITHDRAWN = {"reflection": (REFLECTION, reflections), "conversation": (_CONVERSATION, conversations)}
_WITHDRAWN_BY_ID = {record_type: _by_id(columns, table, "withdrawn_at IS NOT NULL")
                    for record_type, (columns, table) in _WITHDRAWN.items()}


def withdrawal_of(conn: Connection, record_type: str, record_id: int) -> Withdrawal | None:
    """Who withdrew the record and when; None when it is not withdrawn."""
    rows = driver_sql.run(conn, _WITHDRAWAL_OF[record_type], {"id": record_id, "withdrawn": "%.withdrawn"})
    at, by = rows[0] if rows else (None, None)
    return Withdrawal(record_type, record_id, by, at) if at is not None and by is not None else None


def withdrawn_record(conn: Connection, record_type: str, record_id: int) -> Any:
    """The record as it was withdrawn (reflection, validation request or conversation)."""
    if record_type == "validation":
        return next(iter(_validations(conn, _WITHDRAWN_VALIDATION, {"id": record_id})), None)
    return _record(conn, _WITHDRAWN[record_type][0], _WITHDRAWN_BY_ID[record_type], record_id,
                   _reflection if record_type == "reflection" else _conversation)


_ACTIONS_WITHDRAWN_WITH = driver_sql.both(
    f"SELECT {_ACTION.sql} FROM agreed_actions WHERE conversation_id = :conversation_id"
    " AND withdrawn_at = :withdrawn_at ORDER BY id")


def actions_withdrawn_with(conn: Connection, conversation_id: int, withdrawn_at: float) -> list[AgreedAction]:
    """The actions withdrawn with their conversation (not those withdrawn on their own before)."""
    return [_action(row) for row in _ACTION.read(conn, _ACTIONS_WITHDRAWN_WITH, {
        "conversation_id": conversation_id, "withdrawn_at": withdrawn_at})]


# --- reflections -----------------------------------------------------------------------
def _reflection_values(r: Reflection) -> dict[str, Any]:
    return {"learned": r.learned, "applying": r.applying, "support_needed": r.support_needed,
            "confidence": r.confidence, "version": r.version}


def _reflection(row: Any) -> Reflection:
    return Reflection(learner_id=row["learner_id"], activity=_activity(row), learned=row["learned"],
                      applying=row["applying"], support_needed=row["support_needed"],
                      confidence=row["confidence"], id=row["id"], version=row["version"])


def add_reflection(conn: Connection, r: Reflection, now: float) -> Reflection:
    values = {"learner_id": r.learner_id, **_activity_values(r.activity), **_reflection_values(r)}
    return replace(r, id=_insert(conn, reflections, values, now))


def save_reflection(conn: Connection, r: Reflection, now: float) -> None:
    _update(conn, reflections, r.id, _reflection_values(r), now)


_REFLECTION_BY_ID = _by_id(REFLECTION, reflections)


def get_reflection(conn: Connection, record_id: int) -> Reflection | None:
    return _record(conn, REFLECTION, _REFLECTION_BY_ID, record_id, _reflection)


_REFLECTION_ON = _ReadOnLink(f"SELECT {REFLECTION.sql} FROM reflections WHERE learner_id = :learner_id"
                             f" AND resource_link_pk {{on_link}} AND {LIVE} ORDER BY id DESC LIMIT 1")


def reflection_on(conn: Connection, learner_id: int, resource_link_pk: int | None) -> Reflection | None:
    """The learner's latest live reflection on the link."""
    rows = REFLECTION.read(conn, *_REFLECTION_ON.statement(learner_id, resource_link_pk))
    return _reflection(rows[0]) if rows else None


# --- conversations and agreed actions -----------------------------------------------------
def _conversation(row: Any) -> Conversation:
    return Conversation(kind=row["kind"], template=row["template"], learner_id=row["learner_id"],
                        manager_id=row["manager_id"], activity=_activity(row), held_on=row["held_on"],
                        answers=dict(row["answers"]), shared_notes=row["shared_notes"],
                        private_notes=row["private_notes"], next_on=row["next_on"], rating=row["rating"],
                        id=row["id"], version=row["version"])


def add_conversation(conn: Connection, c: Conversation, now: float) -> Conversation:
    conversation_id = _insert(conn, conversations, {
        "kind": c.kind, "template": c.template, "learner_id": c.learner_id, "manager_id": c.manager_id,
        **_activity_values(c.activity), "held_on": c.held_on, "answers": c.answers,
        "shared_notes": c.shared_notes, "private_notes": c.private_notes, "next_on": c.next_on,
        "rating": c.rating, "version": c.version}, now)
    actions = tuple(add_action(conn, a, conversation_id, now) for a in c.actions)
    return replace(c, id=conversation_id, actions=actions)


def save_rating(conn: Connection, c: Conversation, now: float) -> None:
    _update(conn, conversations, c.id, {"rating": c.rating, "version": c.version}, now)


_CONVERSATION_BY_ID = _by_id(_CONVERSATION, conversations)


def get_conversation(conn: Connection, record_id: int) -> Conversation | None:
    return _record(conn, _CONVERSATION, _CONVERSATION_BY_ID, record_id, _conversation)


_CONVERSATIONS_OF = driver_sql.both(
    f"SELECT {_CONVERSATION.sql} FROM conversations WHERE learner_id = :id AND {LIVE} ORDER BY held_on DESC, id DESC")


def conversations_of(conn: Connection, learner_id: int) -> list[Conversation]:
    """The learner's live conversations, latest first."""
    return [_conversation(row) for row in _CONVERSATION.read(conn, _CONVERSATIONS_OF, {"id": learner_id})]


def _action(row: Any) -> AgreedAction:
    return AgreedAction(learner_id=row["learner_id"], manager_id=row["manager_id"], activity=_activity(row),
                        description=row["description"], owner=row["owner"], due_on=row["due_on"],
                        status=row["status"], conversation_id=row["conversation_id"], id=row["id"],
                        version=row["version"])


def add_action(conn: Connection, a: AgreedAction, conversation_id: int, now: float) -> AgreedAction:
    action_id = _insert(conn, agreed_actions, {
        "conversation_id": conversation_id, "learner_id": a.learner_id, "manager_id": a.manager_id,
        **_activity_values(a.activity), "description": a.description, "owner": a.owner, "due_on": a.due_on,
        "status": a.status, "version": a.version}, now)
    return replace(a, id=action_id, conversation_id=conversation_id)


def save_action_status(conn: Connection, a: AgreedAction, now: float) -> None:
    _update(conn, agreed_actions, a.id, {"status": a.status, "version": a.version}, now)


_ACTION_BY_ID = _by_id(_ACTION, agreed_actions)
_ACTIONS_AGREED_IN = driver_sql.both(
    f"SELECT {_ACTION.sql} FROM agreed_actions WHERE conversation_id = :conversation_id AND {LIVE} ORDER BY id")


def get_action(conn: Connection, record_id: int) -> AgreedAction | None:
    return _record(conn, _ACTION, _ACTION_BY_ID, record_id, _action)


def actions_agreed_in(conn: Connection, conversation_id: int) -> list[AgreedAction]:
    return [_action(row) for row in _ACTION.read(conn, _ACTIONS_AGREED_IN, {"conversation_id": conversation_id})]


# Per open_only: (one learner's, several learners').
_ACTIONS_OF = {open_only: driver_rows.one_and_each(
    f"SELECT {_ACTION.sql} FROM agreed_actions WHERE learner_id {{in_ids}} AND {LIVE}"
    + (" AND status = 'open'" if open_only else "") + " ORDER BY due_on, id") for open_only in (False, True)}


def actions_of(conn: Connection, learner_id: int, open_only: bool = False) -> list[AgreedAction]:
    """The learner's live actions (``open_only``: those still open), by due date (the
    database's order for actions with none: first on SQLite, last on PostgreSQL)."""
    return [_action(row) for row in _ACTION.read(conn, _ACTIONS_OF[open_only][0], {"id": learner_id})]


def actions_of_each(conn: Connection, learner_ids: list[int], open_only: bool = False) -> dict[int, list[AgreedAction]]:
    """:func:`actions_of` for each of these learners, in one statement."""
    return driver_rows.grouped_by_id(conn, learner_ids, lambda ids: [
        (row["learner_id"], _action(row)) for row in _ACTION.read(conn, _ACTIONS_OF[open_only][1], {"ids": ids})])


# --- validation ----------------------------------------------------------------------------
# Requests are read with their decisions in one statement: each request's row once per decision
# (once, with NULL decision columns, when it has none), requests in the statement's order,
# each one's decisions oldest first.
_REQUEST, _DECISION = driver_rows.Columns(validation_requests), driver_rows.Columns(validation_decisions)


def _validations_sql(where: str, order: str = "validation_requests.id") -> str:
    return (f"SELECT {_REQUEST.sql}, {_DECISION.sql} FROM validation_requests LEFT JOIN validation_decisions"
            f" ON validation_decisions.request_id = validation_requests.id WHERE {where}"
            f" ORDER BY {order}, validation_decisions.id")


def _validations(conn: Connection, sql: dict[str, str], params: dict[str, Any]) -> list[ValidationRequest]:
    values = driver_sql.run(conn, sql, params)
    decided: dict[int, tuple[dict[str, Any], list[Decision]]] = {}
    for row, d in zip(_REQUEST.rows(conn, values), _DECISION.rows(conn, [v[len(_REQUEST):] for v in values])):
        decisions = decided.setdefault(row["id"], (row, []))[1]
        if d["id"] is not None:
            decisions.append(Decision(d["manager_id"], d["outcome"], d["feedback"], d["evidence_seen"],
                                      d["request_version"], d["decided_at"]))
    return [ValidationRequest(
        learner_id=row["learner_id"], activity=_activity(row), evidence=row["evidence"], status=row["status"],
        decisions=tuple(decisions), id=row["id"], version=row["version"],
        asked_at=row["created_at"], updated_at=row["updated_at"]) for row, decisions in decided.values()]


def add_validation(conn: Connection, v: ValidationRequest, now: float) -> ValidationRequest:
    request_id = _insert(conn, validation_requests, {
        "learner_id": v.learner_id, **_activity_values(v.activity), "evidence": v.evidence,
        "status": v.status, "version": v.version}, now)
    return replace(v, id=request_id)


def save_validation(conn: Connection, v: ValidationRequest, before: ValidationRequest, now: float) -> None:
    _update(conn, validation_requests, v.id, {"evidence": v.evidence, "status": v.status,
                                              "version": v.version}, now)
    for d in v.decisions[len(before.decisions):]:
        conn.execute(insert(validation_decisions).values(
            request_id=v.id, manager_id=d.manager_id, outcome=d.outcome, feedback=d.feedback,
            evidence_seen=d.evidence_seen, request_version=d.request_version, decided_at=now))


_LIVE_REQUEST = f"validation_requests.{LIVE}"
_VALIDATION = driver_sql.both(_validations_sql(f"validation_requests.id = :id AND {_LIVE_REQUEST}"))
_WITHDRAWN_VALIDATION = driver_sql.both(_validations_sql(
    "validation_requests.id = :id AND validation_requests.withdrawn_at IS NOT NULL"))
_OPEN_VALIDATION_ON = _ReadOnLink(_validations_sql(
    "validation_requests.learner_id = :learner_id AND validation_requests.resource_link_pk {on_link}"
    f" AND validation_requests.status != 'validated' AND {_LIVE_REQUEST}"))
_VALIDATIONS_OF, _VALIDATIONS_OF_EACH = driver_rows.one_and_each(_validations_sql(
    f"validation_requests.learner_id {{in_ids}} AND {_LIVE_REQUEST}", order="validation_requests.id DESC"))


def get_validation(conn: Connection, record_id: int) -> ValidationRequest | None:
    return next(iter(_validations(conn, _VALIDATION, {"id": record_id})), None)


def open_validation_on(conn: Connection, learner_id: int, resource_link_pk: int | None) -> ValidationRequest | None:
    """The learner's request on this activity that is not validated yet, if any."""
    return next(iter(_validations(conn, *_OPEN_VALIDATION_ON.statement(learner_id, resource_link_pk))), None)


def validations_of(conn: Connection, learner_id: int) -> list[ValidationRequest]:
    """The learner's live requests, latest first."""
    return _validations(conn, _VALIDATIONS_OF, {"id": learner_id})


def validations_of_each(conn: Connection, learner_ids: list[int]) -> dict[int, list[ValidationRequest]]:
    """:func:`validations_of` for each of these learners, in one statement."""
    return driver_rows.grouped_by_id(conn, learner_ids, lambda ids: [
        (v.learner_id, v) for v in _validations(conn, _VALIDATIONS_OF_EACH, {"ids": ids})])


# --- audit trail ---------------------------------------------------------------------------
def audit(conn: Connection, *, at: float, actor_id: int | None, platform_id: int | None, action: str,
          record_type: str, record_id: int | None = None, record_version: int | None = None,
          detail: dict[str, Any] | None = None) -> None:
    conn.execute(insert(audit_events).values(at=at, actor_id=actor_id, platform_id=platform_id, action=action,
                                             record_type=record_type, record_id=record_id,
                                             record_version=record_version, detail=detail or {}))
