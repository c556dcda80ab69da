"""Mail and calendar invitations for coaching events, queued in the record's transaction.

- validation asked (again) -> each current manager of the learner, with the evidence;
- validation decided -> the learner, with the manager's feedback;
- a conversation planning a next date -> an invitation (METHOD:REQUEST) to manager and
  learner, again with a higher SEQUENCE when the date changes;
- the planning conversation withdrawn -> METHOD:CANCEL to both (an erasure of either sends the
  same withdrawal event, adapter/services/personal_data.py); that withdrawal undone ->
  the same invitation again (same UID, a higher SEQUENCE), unless a later conversation
  planned a date since (that one stands).
Private notes are never in an event, so never in a mail.
"""
from __future__ import annotations

from datetime import date
from typing import Sequence

from sqlalchemy import Connection

from adapter.domain.activity_names import UNTITLED, activity_title
from adapter.domain.events import RecordEvent
from adapter.domain.source_text import Translate
from adapter.domain.translatable import N_
from adapter.persistence import mail_store, people_store, plan_store
from adapter.persistence.relationships_store import managers_of
from xapi.events import EventKind

from .calendar import PlannedCheckIn, invitation
from .mail_messages import Draft, Mailer, Text

OUTCOME_TEXT = {"validated": N_("validated: applied on the job"), "needs_more_evidence": N_("needs more evidence")}
CONVERSATION_TYPES = ("check_in", "coaching_conversation")


def _activity(conn: Connection, resource_link_pk: int | None) -> str | Text:
    """The activity's name as the pages give it (adapter/domain/activity_names.py)."""
    link = people_store.named_link(conn, resource_link_pk)
    if link is None:
        return ""
    return activity_title(link) or Text(UNTITLED, {"number": link["id"]})


class MailOnEvents:
    """An event handler (adapter/services/event_handlers.py)."""

    def __init__(self, mailer: Mailer) -> None:
        self.mailer = mailer

    def __call__(self, conn: Connection, events: Sequence[RecordEvent]) -> None:
        for event in events:
            now = (event.recorded_at or event.occurred_at).timestamp()  # when written, not the day held
            if event.restored and event.kind not in (EventKind.CHECK_IN_HELD, EventKind.COACHING_CONVERSATION_HELD):
                continue  # an undone withdrawal tells nobody again; only the check-in it cancelled is re-planned
            if event.kind == EventKind.VALIDATION_REQUESTED:
                self._validation_requested(conn, event, now)
            elif event.kind in (EventKind.APPLICATION_VALIDATED, EventKind.NEEDS_MORE_EVIDENCE):
                self._validation_decided(conn, event, now)
            elif event.restored:  # the check-in its withdrawal cancelled, unless a later conversation planned since
                self.send_invitation(conn, plan_store.restore_plan_of(conn, event.record_id, now), now)
            elif event.kind in (EventKind.CHECK_IN_HELD, EventKind.COACHING_CONVERSATION_HELD) and \
                    event.shared_fields.get("next_on") and not event.corrects:  # a rating re-sends it: not a new plan
                self.send_invitation(conn, plan_store.plan_next(
                    conn, event.manager_id, event.learner_id, event.record_id,
                    date.fromisoformat(event.shared_fields["next_on"]), now), now)
            elif event.kind == EventKind.RECORD_WITHDRAWN and event.record_type in CONVERSATION_TYPES:
                self.send_invitation(conn, plan_store.cancel_plan_of(conn, event.record_id, now), now)

    def _event_key(self, event: RecordEvent) -> str:
        return f"{event.kind}:{event.record_type}:{event.record_id}:v{event.record_version}"

    def _validation_requested(self, conn: Connection, event: RecordEvent, now: float) -> None:
        learner = mail_store.contact(conn, event.learner_id)
        values = {"learner": learner["name"] if learner else Text(N_("A team member")),
                  "activity": _activity(conn, event.resource_link_pk),
                  "evidence": event.shared_fields.get("evidence", ""),  # the manager may read it
                  "url": mail_store.activity_url(conn, event.resource_link_pk)}
        self.mailer.queue_many(conn, [Draft(manager_id, "validation_requested", self._event_key(event),
                                            Text(N_("%(learner)s asks you to validate applied learning"),
                                                 {"learner": values["learner"]}), values,
                                            about=event.learner_id)
                                      for manager_id in managers_of(conn, event.learner_id)], now)

    def _validation_decided(self, conn: Connection, event: RecordEvent, now: float) -> None:
        manager = mail_store.contact(conn, event.manager_id) if event.manager_id else None
        outcome = Text(OUTCOME_TEXT["validated" if event.kind == EventKind.APPLICATION_VALIDATED
                                    else "needs_more_evidence"])
        values = {"manager": manager["name"] if manager else Text(N_("Your manager")), "outcome": outcome,
                  "activity": _activity(conn, event.resource_link_pk),
                  "feedback": event.shared_fields.get("feedback", ""),
                  "url": mail_store.activity_url(conn, event.resource_link_pk)}
        self.mailer.queue(conn, Draft(event.learner_id, "validation_decided", self._event_key(event),
                                      Text(N_("Your validation request: %(outcome)s"), {"outcome": outcome}),
                                      values, about=event.learner_id, naming=event.manager_id), now)

    def send_invitation(self, conn: Connection, plan: dict | None, now: float) -> None:
        """The plan's invitation (or cancellation) to both; nothing when no plan changed."""
        if plan is None:
            return
        settings = mail_store.load_settings(conn)
        manager, learner = (mail_store.contact(conn, plan[role], Text) for role in ("manager_id", "learner_id"))
        if settings is None or manager is None or learner is None:
            return
        planned = PlannedCheckIn(plan["id"], plan["planned_on"], plan["sequence"],
                                 plan["status"] == plan_store.CANCELLED, manager, learner)
        def ics(translate: Translate) -> str:
            return invitation(planned, self.mailer.domain, settings.from_address, now, translate)

        method = "CANCEL" if planned.cancelled else "REQUEST"
        subject = Text(N_("Cancelled: check-in on %(day)s") if planned.cancelled else N_("Check-in on %(day)s"),
                       {"day": planned.planned_on})
        self.mailer.queue_many(conn, [
            Draft(me["id"], "check_in_invitation", f"plan:{plan['id']}:seq:{plan['sequence']}", subject,
                  {"other": other["name"], "due_on": planned.planned_on, "cancelled": planned.cancelled},
                  ics=ics, ics_method=method, about=plan["learner_id"], naming=other["id"])
            for me, other in ((manager, learner), (learner, manager))], now, settings=settings)

