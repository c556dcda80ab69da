"""Domain events: what happened to a coaching record, one value per record version.

The service layer hands them to the registered handlers (adapter/services/
event_handlers.py) inside the transaction that wrote the record, so an xAPI outbox row
or an AGS score post is written with the record or not at all. Each event carries what a
statement needs; ``kind`` is the event name mappings/xapi.yaml uses.

Private values never travel: ``shared_fields`` holds only what the learner and manager
both see, and ``private_fields`` names what was held back (a second lock downstream).
An edit is the same event kind with a higher ``record_version`` and
``supersedes_version`` set, so the earlier version's statements can be voided.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Mapping


@dataclass(frozen=True)
class RecordEvent:
    kind: ClassVar[str]

    record_type: str  # reflection | check_in | coaching_conversation | action | validation
    record_id: int
    record_version: int
    occurred_at: datetime  # timezone-aware, UTC
    actor_id: int  # who did it (the learner or the manager)
    learner_id: int
    manager_id: int | None
    platform_id: int
    context_pk: int | None
    resource_link_pk: int | None
    activity_iri: str | None
    shared_fields: Mapping[str, Any] = field(default_factory=dict)
    private_fields: frozenset[str] = frozenset()
    supersedes_version: int | None = None


class ReflectionSubmitted(RecordEvent):
    kind = "reflection_submitted"


class CheckInHeld(RecordEvent):
    kind = "check_in_held"


class CoachingConversationHeld(RecordEvent):
    kind = "coaching_conversation_held"


class ActionAgreed(RecordEvent):
    kind = "action_agreed"


class ValidationRequested(RecordEvent):
    kind = "validation_requested"


class ApplicationValidated(RecordEvent):
    kind = "application_validated"


class MoreEvidenceRequested(RecordEvent):
    kind = "needs_more_evidence"


class RecordWithdrawn(RecordEvent):
    kind = "record_withdrawn"


def _event(cls: type[RecordEvent], record_type: str, record: Any, actor_id: int, at: datetime,
           manager_id: int | None, shared: Mapping[str, Any], private: frozenset[str] = frozenset()
           ) -> RecordEvent:
    activity = record.activity
    return cls(record_type=record_type, record_id=record.id, record_version=record.version, occurred_at=at,
               actor_id=actor_id, learner_id=record.learner_id, manager_id=manager_id,
               platform_id=activity.platform_id, context_pk=activity.context_pk,
               resource_link_pk=activity.resource_link_pk, activity_iri=activity.activity_iri,
               shared_fields={k: v for k, v in shared.items() if v not in (None, "")},
               private_fields=private,
               supersedes_version=record.version - 1 if record.version > 1 else None)


def reflection_submitted(reflection, at: datetime, manager_id: int | None) -> RecordEvent:
    return _event(ReflectionSubmitted, "reflection", reflection, reflection.learner_id, at, manager_id, {
        "response": reflection.learned, "applying": reflection.applying,
        "support_needed": reflection.support_needed, "confidence": reflection.confidence})


def conversation_held(conversation, actor_id: int, at: datetime) -> RecordEvent:
    cls, record_type = ((CheckInHeld, "check_in") if conversation.kind == "check_in"
                        else (CoachingConversationHeld, "coaching_conversation"))
    return _event(cls, record_type, conversation, actor_id, at, conversation.manager_id, {
        "template": conversation.template, "answers": dict(conversation.answers),
        "notes": conversation.shared_notes, "held_on": conversation.held_on.isoformat(),
        "next_on": conversation.next_on.isoformat() if conversation.next_on else None,
        "rating": conversation.rating}, private=frozenset({"private_notes"}))


def action_agreed(action, actor_id: int, at: datetime) -> RecordEvent:
    return _event(ActionAgreed, "action", action, actor_id, at, action.manager_id, {
        "action": action.description, "owner": action.owner, "status": action.status,
        "due_date": action.due_on.isoformat() if action.due_on else None})


def validation_changed(request, actor_id: int, at: datetime, manager_id: int | None) -> RecordEvent:
    """The event for the request's current state: asked (again), validated, or sent back."""
    decision = request.last_decision if request.status != "pending" else None
    cls = {"pending": ValidationRequested, "validated": ApplicationValidated,
           "needs_more_evidence": MoreEvidenceRequested}[request.status]
    shared = {"evidence": request.evidence}
    if decision is not None:
        shared["feedback"] = decision.feedback
        manager_id = decision.manager_id
    return _event(cls, "validation", request, actor_id, at, manager_id, shared)


def record_withdrawn(record_type: str, record, actor_id: int, at: datetime, manager_id: int | None) -> RecordEvent:
    return _event(RecordWithdrawn, record_type, record, actor_id, at, manager_id, {})
