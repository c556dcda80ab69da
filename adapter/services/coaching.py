"""Use cases on coaching records: one transaction each, with audit row and domain events.

Each function loads what it needs, lets the domain decide, saves, writes the audit
trail and publishes the events on the same connection (event_handlers.publish), so the
record, its audit row and any outbox rows commit together.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, Engine

from adapter.domain import events as ev
from adapter.domain.authorization import Forbidden, NotFound, Viewer
from adapter.domain.coaching import ActivityRef, AgreedAction, Conversation, Reflection
from adapter.domain.commands import HoldConversation, WriteReflection
from adapter.domain.rules import RuleViolation
from adapter.domain.templates import Template
from adapter.domain.translatable import N_
from adapter.domain.validation import NEEDS_MORE_EVIDENCE, PENDING, ValidationRequest
from adapter.domain.withdrawal import require_no_newer, require_withdrawal
from adapter.persistence import coaching_store as store
from adapter.persistence.people_store import current_mentees, resource_link
from adapter.persistence.relationships_store import managers_of

from . import event_handlers


def load_viewer(conn: Connection, person_id: int, platform_id: int, roles: list[str],
                context_pk: int | None, mentee_ids: frozenset[int] | None = None) -> Viewer:
    """``mentee_ids``: the person's current mentees, when the caller read them already."""
    # Anyone may manage people (an import or a nomination needs no Mentor role).
    mentees = frozenset(m["id"] for m in current_mentees(conn, person_id)) if mentee_ids is None else mentee_ids
    return Viewer(person_id=person_id, platform_id=platform_id, roles=frozenset(roles), mentee_ids=mentees,
                  context_pk=context_pk)


def activity_of(conn: Connection, platform_id: int, resource_link_pk: int | None) -> ActivityRef:
    """The resource link's place, and the learning activity the instructor attached to it."""
    if resource_link_pk is None:
        return ActivityRef(platform_id=platform_id)
    link = resource_link(conn, resource_link_pk)
    if link is None or link["platform_id"] != platform_id:
        raise RuleViolation(N_("Activity"), N_("%(field)s is not an activity of this platform"))
    custom = link["custom"] or {}
    return ActivityRef(platform_id=platform_id, context_pk=link["context_pk"], resource_link_pk=link["id"],
                       activity_iri=custom.get("activity_iri") or None)


def _commit(conn: Connection, viewer: Viewer, action: str, record_type: str, record: Any,
            events: list[ev.RecordEvent], now: float, detail: dict[str, Any] | None = None) -> None:
    store.audit(conn, at=now, actor_id=viewer.person_id, platform_id=viewer.platform_id, action=action,
                record_type=record_type, record_id=record.id, record_version=record.version, detail=detail)
    event_handlers.publish(conn, events)


def _first_manager(conn: Connection, learner_id: int) -> int | None:
    managers = managers_of(conn, learner_id)
    return managers[0] if managers else None


def _at(now: float) -> datetime:
    return datetime.fromtimestamp(now, timezone.utc)


def submit_reflection(engine: Engine, viewer: Viewer, resource_link_pk: int | None, command: WriteReflection,
                      now: float) -> Reflection:
    """Write the learner's reflection on this activity, or revise the one they wrote."""
    with engine.begin() as conn:
        existing = store.reflection_on(conn, viewer.person_id, resource_link_pk)
        if existing is None:
            reflection = Reflection.write(viewer, activity_of(conn, viewer.platform_id, resource_link_pk), command)
            reflection = store.add_reflection(conn, reflection, now)
        else:
            reflection = existing.revise(viewer, command)
            store.save_reflection(conn, reflection, now)
        event = ev.reflection_submitted(reflection, _at(now), _first_manager(conn, viewer.person_id))
        _commit(conn, viewer, "reflection.revised" if existing else "reflection.submitted", "reflection",
                reflection, [event], now, {"confidence": reflection.confidence})
    return reflection


def hold_conversation(engine: Engine, viewer: Viewer, template: Template, command: HoldConversation,
                      now: float) -> Conversation:
    """Record a check-in or coaching conversation, its agreed actions, and what became of
    the open actions carried over from earlier conversations."""
    learner_id = command.learner_id
    with engine.begin() as conn:
        activity = activity_of(conn, viewer.platform_id, command.resource_link_pk)
        conversation = Conversation.hold(viewer, activity, template, command, _at(now).date())
        conversation = store.add_conversation(conn, conversation, now)
        at = _at(now)
        events = [ev.conversation_held(conversation, viewer.person_id, at)]
        events += [ev.action_agreed(action, viewer.person_id, conversation.held_on, at)
                   for action in conversation.actions]
        for action_id, status in command.carried_statuses.items():
            action = store.get_action(conn, action_id)
            if action is None or action.learner_id != learner_id:
                raise NotFound("no such action")
            if status != action.status:
                action = action.set_status(viewer, status)
                store.save_action_status(conn, action, now)
                events.append(ev.action_status_changed(action, viewer.person_id, at))
        _commit(conn, viewer, f"{conversation.kind}.held", conversation.kind, conversation, events, now,
                {"template": conversation.template, "actions": len(conversation.actions),
                 "carried_actions_changed": len(events) - 1 - len(conversation.actions)})
    return conversation


def rate_conversation(engine: Engine, viewer: Viewer, conversation_id: int, rating: str, now: float) -> Conversation:
    with engine.begin() as conn:
        conversation = viewer.visible(store.get_conversation(conn, conversation_id))
        conversation = conversation.rate(viewer, rating)
        store.save_rating(conn, conversation, now)
        _commit(conn, viewer, f"{conversation.kind}.rated", conversation.kind, conversation,
                [ev.conversation_held(conversation, viewer.person_id, _at(now))], now,
                {"rating": conversation.rating})
    return conversation


def set_action_status(engine: Engine, viewer: Viewer, action_id: int, status: str, now: float) -> AgreedAction:
    with engine.begin() as conn:
        action = viewer.visible(store.get_action(conn, action_id)).set_status(viewer, status)
        store.save_action_status(conn, action, now)
        _commit(conn, viewer, "action.status_changed", "action", action,
                [ev.action_status_changed(action, viewer.person_id, _at(now))], now, {"status": status})
    return action


def ask_for_validation(engine: Engine, viewer: Viewer, resource_link_pk: int | None, evidence: str,
                       now: float) -> ValidationRequest:
    """Ask a manager to validate; after "needs more evidence", the same request is asked again."""
    with engine.begin() as conn:
        before = store.open_validation_on(conn, viewer.person_id, resource_link_pk)
        if before is None:
            request = ValidationRequest.ask(viewer, activity_of(conn, viewer.platform_id, resource_link_pk),
                                            evidence)
            request = store.add_validation(conn, request, now)
        else:
            request = before.ask_again(viewer, evidence)
            store.save_validation(conn, request, before, now)
        event = ev.validation_changed(request, viewer.person_id, _at(now), _first_manager(conn, viewer.person_id))
        _commit(conn, viewer, "validation.requested", "validation", request, [event], now)
    return request


def decide_validation(engine: Engine, viewer: Viewer, request_id: int, outcome: str, feedback: str,
                      now: float) -> ValidationRequest:
    with engine.begin() as conn:
        before = viewer.visible(store.get_validation(conn, request_id))
        request = before.decide(viewer, outcome, feedback)
        store.save_validation(conn, request, before, now)
        _commit(conn, viewer, f"validation.{outcome}", "validation", request,
                [ev.validation_changed(request, viewer.person_id, _at(now), viewer.person_id)], now,
                {"outcome": outcome})
    return request


_WITHDRAWABLE = {"reflection": store.get_reflection, "validation": store.get_validation}


def withdraw(engine: Engine, viewer: Viewer, record_type: str, record_id: int, now: float) -> None:
    """A learner withdraws their own reflection or validation request (statements get voided)."""
    load = _WITHDRAWABLE[record_type]
    with engine.begin() as conn:
        record = viewer.visible(load(conn, record_id))
        viewer.require_the_learner(record.learner_id)
        if record_type == "validation" and record.status not in ("pending", NEEDS_MORE_EVIDENCE):
            raise RuleViolation(N_("Validation"), N_("A validated request stays on record"))
        withdrawn = replace(record, version=record.version + 1)
        event = _store_withdrawal(conn, record_type, withdrawn, viewer, now,
                                  _first_manager(conn, record.learner_id))
        _commit(conn, viewer, f"{record_type}.withdrawn", record_type, withdrawn, [event], now)


def withdraw_conversation(engine: Engine, viewer: Viewer, conversation_id: int, now: float) -> Conversation:
    """The manager who recorded a conversation withdraws it, with the actions agreed in it
    (statements the LRSs hold for them get voided)."""
    with engine.begin() as conn:
        withdrawn = viewer.visible(store.get_conversation(conn, conversation_id)).withdraw(viewer)
        events = [_store_withdrawal(conn, ev.conversation_record_type(withdrawn), withdrawn, viewer, now,
                                    withdrawn.manager_id)]
        events += [_store_withdrawal(conn, "action", replace(action, version=action.version + 1),
                                     viewer, now, action.manager_id)
                   for action in store.actions_agreed_in(conn, conversation_id)]
        _commit(conn, viewer, f"{withdrawn.kind}.withdrawn", withdrawn.kind, withdrawn, events, now,
                {"actions": len(events) - 1})
    return withdrawn


def _store_withdrawal(conn: Connection, record_type: str, withdrawn: Any, viewer: Viewer, now: float,
                      manager_id: int | None) -> ev.RecordEvent:
    """Store ``withdrawn`` (its version already bumped) as withdrawn; the event saying so."""
    store.withdraw(conn, record_type, withdrawn.id, withdrawn.version, now)
    return ev.record_withdrawn(record_type, withdrawn, viewer.person_id, _at(now), manager_id)


def undo_withdrawal(engine: Engine, viewer: Viewer, record_type: str, record_id: int, now: float) -> Any:
    """Take back a withdrawal (adapter/domain/withdrawal.py says who may, and until when):
    the record is live again as a new version, re-sent as new statements (its voided ones
    stay voided) and, for a validation request, as a score to the gradebook again. A
    conversation comes back with the actions withdrawn with it. Nobody is mailed again but
    for the check-in invitation the withdrawal cancelled (adapter/services/mail_events.py)."""
    with engine.begin() as conn:
        withdrawal = require_withdrawal(store.withdrawal_of(conn, record_type, record_id))
        record = viewer.visible(store.withdrawn_record(conn, record_type, record_id))
        withdrawal.require_undoable_by(viewer.person_id, now)
        restored = replace(record, version=record.version + 1)
        at = _at(now)
        if record_type == "reflection":
            viewer.require_the_learner(record.learner_id)
            require_no_newer(record_type, store.reflection_on(conn, record.learner_id,
                                                              record.activity.resource_link_pk) is not None)
            events = [ev.reflection_submitted(restored, at, _first_manager(conn, record.learner_id))]
        elif record_type == "validation":
            viewer.require_the_learner(record.learner_id)
            require_no_newer(record_type, any(v.activity.resource_link_pk == record.activity.resource_link_pk
                                               for v in store.validations_of(conn, record.learner_id)))
            decision = restored.last_decision if restored.status != PENDING else None
            events = [ev.validation_changed(restored, decision.manager_id if decision else record.learner_id, at,
                                            _first_manager(conn, record.learner_id))]
        else:
            if not record.may_be_withdrawn_by(viewer):  # still theirs: they recorded it and manage the learner
                raise Forbidden(N_("only the manager who recorded a conversation, while they manage the learner, "
                                   "brings it back"))
            events = _restore_actions(conn, restored, withdrawal.withdrawn_at, viewer, now)
            events.insert(0, ev.conversation_held(restored, viewer.person_id, at))
        store.restore(conn, _stored_type(record_type, restored), record_id, restored.version, now)
        audit_type = restored.kind if record_type == "conversation" else record_type
        _commit(conn, viewer, f"{audit_type}.restored", audit_type, restored, [ev.restored(e) for e in events], now)
    return restored


def _stored_type(record_type: str, record: Any) -> str:
    return ev.conversation_record_type(record) if record_type == "conversation" else record_type


def _restore_actions(conn: Connection, conversation: Conversation, withdrawn_at: float, viewer: Viewer,
                     now: float) -> list[ev.RecordEvent]:
    """The actions withdrawn with the conversation, live again: each agreed again, and
    closed again if it was closed."""
    events, at = [], _at(now)
    for action in store.actions_withdrawn_with(conn, conversation.id, withdrawn_at):
        action = replace(action, version=action.version + 1)
        store.restore(conn, "action", action.id, action.version, now)
        events.append(ev.action_agreed(action, viewer.person_id, conversation.held_on, at))
        if action.status != "open":
            events.append(ev.action_status_changed(action, viewer.person_id, at))
    return events
