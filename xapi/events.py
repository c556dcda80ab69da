"""The event the application hands to the statement builder.

A plain value, free of Flask and SQLAlchemy, so that building statements stays a pure
function of (event, settings, mapping) and can be tested without a database.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping


class EventKind(str, enum.Enum):
    """What happened to a record; each kind maps to one statement shape."""

    REFLECTION_SUBMITTED = "reflection_submitted"
    CHECK_IN_HELD = "check_in_held"
    COACHING_CONVERSATION_HELD = "coaching_conversation_held"
    ACTION_AGREED = "action_agreed"
    ACTION_COMPLETED = "action_completed"
    ACTION_DROPPED = "action_dropped"
    ACTION_REOPENED = "action_reopened"
    VALIDATION_REQUESTED = "validation_requested"
    APPLICATION_VALIDATED = "application_validated"
    NEEDS_MORE_EVIDENCE = "needs_more_evidence"
    RECORD_WITHDRAWN = "record_withdrawn"


VOID_ONLY = frozenset({EventKind.RECORD_WITHDRAWN, EventKind.ACTION_REOPENED})
"""Kinds that only take statements back: a withdrawal, and an action's closing undone
(marked done or dropped by mistake); they send no statement of their own."""


@dataclass(frozen=True)
class Person:
    """Someone as the LMS launched them: identified by (platform issuer, LTI ``sub``)."""

    platform_issuer: str
    lti_sub: str
    email: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class LearningActivity:
    """The learning activity a record is about (its xAPI activity IRI)."""

    iri: str
    name: str | None = None


@dataclass(frozen=True)
class Course:
    """The LTI context the record was made in.

    ``iri`` is used when the platform gives the course one; otherwise the builder coins
    a stable IRI from (platform issuer, context id).
    """

    platform_issuer: str
    context_id: str
    title: str | None = None
    iri: str | None = None


@dataclass(frozen=True)
class StatementEvent:
    """One version of a record, as saved, about to become statement(s): the application's
    domain event (adapter/domain/events.py's RecordEvent, which names people and places by
    id) with its people, activity and course looked up.

    ``fields`` holds the record's values by the names mappings/xapi.yaml uses (e.g.
    ``response``, ``confidence``, ``notes``, ``rating``, ``template``); only the fields
    the mapping lists are sent. Names listed in ``private_fields`` are never sent: the
    application should not put private notes here at all, this is a second lock.

    ``voids`` lists the statement ids this event takes back: a correction voids the
    statement it corrects, a withdrawal every statement of the record (kinds in
    :data:`VOID_ONLY` only void). A new state is a new statement and voids nothing.
    Compute them with :func:`xapi.statements.statement_id` or read them from the outbox.

    ``occurred_at`` is when it happened (the statement's ``timestamp``: the date held, the
    submission or decision time); ``recorded_at`` when the tool learned of it, the time
    of the voiding statements (a rating re-sends the conversation as of the day it was
    held, but voids the unrated statement at the time of rating). ``by`` is who did it:
    the actor of the voiding statements (the learner when not given).
    ``context_statement`` names the statement this one answers (a decision answers the
    learner's request): ``context.statement``.
    """

    kind: EventKind
    record_id: str | int
    record_version: int
    occurred_at: datetime
    learner: Person
    learning_activity: LearningActivity
    course: Course | None = None
    manager: Person | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    private_fields: frozenset[str] = frozenset()
    voids: tuple[str, ...] = ()
    recorded_at: datetime | None = None
    by: Person | None = None
    context_statement: str | None = None
