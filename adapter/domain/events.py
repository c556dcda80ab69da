"""Domain events: what happened to a coaching record, one value per record version.

The service layer hands them to the registered handlers (adapter/services/
event_handlers.py) inside the transaction that wrote the record, so an xAPI outbox row
or an AGS score post is written with the record or not at all. Each event carries what a
statement needs; ``kind`` is the event name mappings/xapi.yaml uses (the kinds are listed
once, in xapi.events.EventKind).

Private values never travel: ``shared_fields`` holds only what the learner and manager
both see, and ``private_fields`` names what was held back (a second lock downstream).

Each event is a new version of its record. A new state is a new fact (an action done, a
request asked again, a decision): ``corrects`` is empty and the earlier statements stay.
A correction names in ``corrects`` the kinds whose statements it replaces (a revised
reflection, a conversation re-sent with its rating, an action's closing undone); a
withdrawal takes back everything the record said. ``occurred_at`` is when it happened
(the day a conversation was held, the time of a submission or decision), ``recorded_at``
when the tool wrote it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timezone
from typing import Any, Mapping

from xapi.events import EventKind


@dataclass(frozen=True)
class RecordEvent:
    kind: str  # what happened: one of xapi.events.EventKind (a value; handlers are chosen by it)
    record_type: str  # reflection | check_in | coaching_conversation | action | validation
    record_id: int
    record_version: int
    occurred_at: datetime  # timezone-aware, UTC: when it happened
    actor_id: int  # who did it (the learner or the manager)
    learner_id: int
    manager_id: int | None
    platform_id: int
    context_pk: int | None
    resource_link_pk: int | None
    activity_iri: str | None
    shared_fields: Mapping[str, Any] = field(default_factory=dict)
    private_fields: frozenset[str] = frozenset()
    corrects: frozenset[str] = frozenset()  # kinds whose statements this version replaces
    answers: str | None = None  # the kind of the (latest) statement this one answers
    recorded_at: datetime | None = None  # when the tool wrote it, if not occurred_at
    restored: bool = False  # re-sent because a withdrawal was undone (see restored())


def _event(kind: EventKind, record_type: str, record: Any, actor_id: int, at: datetime,
           manager_id: int | None, shared: Mapping[str, Any], private: frozenset[str] = frozenset(),
           corrects: frozenset[str] = frozenset(), recorded_at: datetime | None = None,
           answers: str | None = None) -> RecordEvent:
    activity = record.activity
    return RecordEvent(kind=kind.value, record_type=record_type, record_id=record.id,
                       record_version=record.version, occurred_at=at, actor_id=actor_id,
                       learner_id=record.learner_id, manager_id=manager_id, platform_id=activity.platform_id,
                       context_pk=activity.context_pk, resource_link_pk=activity.resource_link_pk,
                       activity_iri=activity.activity_iri,
                       shared_fields={k: v for k, v in shared.items() if v not in (None, "")},
                       private_fields=private, corrects=corrects, recorded_at=recorded_at, answers=answers)


def day_start(day: date) -> datetime:
    """A day the tool records without its hour, as a moment: its start in UTC."""
    return datetime.combine(day, time(), timezone.utc)


def reflection_submitted(reflection, at: datetime, manager_id: int | None) -> RecordEvent:
    """Submitted at ``at``; a revision corrects the earlier version."""
    revised = frozenset({EventKind.REFLECTION_SUBMITTED.value}) if reflection.version > 1 else frozenset()
    return _event(EventKind.REFLECTION_SUBMITTED, "reflection", reflection, reflection.learner_id, at, manager_id, {
        "response": reflection.learned, "applying": reflection.applying,
        "support_needed": reflection.support_needed, "confidence": reflection.confidence}, corrects=revised)


def conversation_record_type(conversation) -> str:
    """Check-ins and coaching conversations (every template) are statements of two record types."""
    return "check_in" if conversation.kind == "check_in" else "coaching_conversation"


def conversation_held(conversation, actor_id: int, recorded_at: datetime) -> RecordEvent:
    """As of the day it was held, whenever it was recorded or rated (a rating re-sends
    the conversation: it corrects the statement sent without it)."""
    record_type = conversation_record_type(conversation)
    kind = EventKind.CHECK_IN_HELD if record_type == "check_in" else EventKind.COACHING_CONVERSATION_HELD
    rated = frozenset({kind.value}) if conversation.version > 1 else frozenset()
    return _event(kind, record_type, conversation, actor_id, day_start(conversation.held_on),
                  conversation.manager_id, {
                      "template": conversation.template, "answers": dict(conversation.answers),
                      "notes": conversation.shared_notes, "held_on": conversation.held_on.isoformat(),
                      "next_on": conversation.next_on.isoformat() if conversation.next_on else None,
                      "rating": conversation.rating}, private=frozenset({"private_notes"}), corrects=rated,
                  recorded_at=recorded_at)


def action_agreed(action, actor_id: int, held_on: date, recorded_at: datetime) -> RecordEvent:
    """Agreed in a conversation: as of the day it was held."""
    return _event(EventKind.ACTION_AGREED, "action", action, actor_id, day_start(held_on), action.manager_id, {
        "action": action.description, "owner": action.owner, "status": action.status,
        "due_date": action.due_on.isoformat() if action.due_on else None}, recorded_at=recorded_at)


_CLOSINGS = frozenset({EventKind.ACTION_COMPLETED.value, EventKind.ACTION_DROPPED.value})


def action_status_changed(action, actor_id: int, at: datetime) -> RecordEvent:
    """Done or dropped is a new fact, answering the agreement (which stays); one closing
    replaces the other, and back to open takes the closing back."""
    kind = {"done": EventKind.ACTION_COMPLETED, "dropped": EventKind.ACTION_DROPPED,
            "open": EventKind.ACTION_REOPENED}[action.status]
    return _event(kind, "action", action, actor_id, at, action.manager_id, {"owner": action.owner},
                  corrects=_CLOSINGS - {kind.value}, answers=EventKind.ACTION_AGREED.value)


def validation_changed(request, actor_id: int, at: datetime, manager_id: int | None) -> RecordEvent:
    """The event for the request's new state: asked (again), validated, or sent back; each
    a fact of its own."""
    decision = request.last_decision if request.status != "pending" else None
    kind = {"pending": EventKind.VALIDATION_REQUESTED, "validated": EventKind.APPLICATION_VALIDATED,
            "needs_more_evidence": EventKind.NEEDS_MORE_EVIDENCE}[request.status]
    shared = {"evidence": request.evidence}
    if decision is not None:
        shared["feedback"] = decision.feedback
        manager_id = decision.manager_id
    answers = EventKind.VALIDATION_REQUESTED.value if decision is not None else None  # the request decided on
    return _event(kind, "validation", request, actor_id, at, manager_id, shared, answers=answers)


def restored(event: RecordEvent) -> RecordEvent:
    """``event`` re-sending a record whose withdrawal was undone: its earlier statements were
    voided for good, so it corrects nothing; it is new statements (its version is new), a
    score again, and no mail (nobody was told of the withdrawal either) but the calendar's
    check-in the withdrawal cancelled."""
    return replace(event, corrects=frozenset(), restored=True)


def record_withdrawn(record_type: str, record, actor_id: int, at: datetime, manager_id: int | None) -> RecordEvent:
    """Everything the record said is taken back, by ``actor_id`` (the voids name them).
    The one way to void a record's statements: publish this event."""
    return _event(EventKind.RECORD_WITHDRAWN, record_type, record, actor_id, at, manager_id, {})
