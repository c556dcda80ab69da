"""Record events of every kind, with every mapped field filled, for the tests and bench."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from xapi.events import VOID_ONLY, Course, EventKind, LearningActivity, Person, StatementEvent
from xapi.statements import BuildSettings, statement_id

ISSUER = "https://lms.acme.org"
LEARNER = Person(ISSUER, "learner-sub-1", email="Ann.Learner@acme.org", name="Ann Learner")
MANAGER = Person(ISSUER, "manager-sub-9", email="bo.manager@acme.org", name="Bo Manager")
ACTIVITY = LearningActivity("https://lms.acme.org/mod/scorm/view.php?id=42", "Giving feedback")
COURSE = Course(ISSUER, "course-7", "Leading teams")
SAMPLE_ACTIVITY_BASE = "https://coach.acme.org/xapi/activities"  # where the tool coins IRIs in these tests
MOMENT = datetime(2026, 3, 4, 10, 15, 30, 123456, tzinfo=timezone(timedelta(hours=2)))

FIELDS = {
    EventKind.REFLECTION_SUBMITTED: {
        "response": "I used the SBI model in my 1:1s.", "confidence": 4,
        "applying": "Every Monday 1:1.", "support_needed": "Time in the agenda.",
    },
    EventKind.CHECK_IN_HELD: {
        "notes": "Talked through the SBI attempts.", "rating": 5, "template": "check-in",
        "held_on": "2026-03-03", "next_on": "2026-03-17",
    },
    EventKind.COACHING_CONVERSATION_HELD: {
        "notes": "Goal: weekly feedback.", "rating": 3, "template": "grow",
        "answers": {"goal": "Weekly feedback", "reality": "  ", "will": "Start Monday"},
    },
    EventKind.ACTION_AGREED: {
        "action": "Give one piece of SBI feedback a week", "due_date": "2026-04-01", "owner": "learner", "status": "open",
    },
    EventKind.VALIDATION_REQUESTED: {"evidence": "Feedback notes from three 1:1s."},
    EventKind.APPLICATION_VALIDATED: {"feedback": "Seen it in the team meeting."},
    EventKind.NEEDS_MORE_EVIDENCE: {"feedback": "Show me one with a peer too."},
}


def sample_event(kind: EventKind, record_id: str = "rec-1", version: int = 1, **changes) -> StatementEvent:
    """A full event of ``kind``; a withdrawal (or an action reopened) voids version 1 of the same record."""
    values = dict(
        kind=kind,
        record_id=record_id,
        record_version=version,
        occurred_at=MOMENT,
        learner=LEARNER,
        learning_activity=ACTIVITY,
        course=COURSE,
        manager=MANAGER,
        fields=dict(FIELDS.get(kind, {})),
    )
    if kind in VOID_ONLY:
        values["voids"] = (earlier_statement_id(record_id),)
    values.update(changes)
    return StatementEvent(**values)


def earlier_statement_id(record_id: str) -> str:
    """The id version 1 of check-in ``record_id`` got, built with the tests' activity base."""
    return statement_id(BuildSettings(activity_iri_base=SAMPLE_ACTIVITY_BASE), record_id, 1, EventKind.CHECK_IN_HELD)


def every_event(prefix: str = "") -> list[StatementEvent]:
    """One event of each kind, plus an edit (version 2, voiding version 1); record ids
    start with ``prefix`` so that several sets can go to one LRS without colliding."""
    events = [sample_event(kind, record_id=f"{prefix}rec-{kind.value}") for kind in EventKind]
    check_in = f"{prefix}rec-{EventKind.CHECK_IN_HELD.value}"
    edited = sample_event(
        EventKind.CHECK_IN_HELD, record_id=check_in, version=2, voids=(earlier_statement_id(check_in),)
    )
    return events + [edited]
