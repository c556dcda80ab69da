"""Build xAPI statements from record events: pure functions, no I/O.

The rules (README "What the statements say"): each verb's actor is set in
mappings/xapi.yaml (the learner, whose learning record it is, except for a manager's
decision); the manager is otherwise ``context.instructor``; the learning activity the
record is about is ``contextActivities.parent`` and the course ``grouping``; timestamps
are when it happened, RFC 3339 UTC with milliseconds and ``Z``; statement ids are
deterministic per record version, so a statement re-sent after a crash or a timeout is
the same statement and the LRS treats it as a duplicate rather than a new fact.

One id, one content: a statement is built alike for xAPI 1.0.3 and 2.0.0 (only what
both versions define: no ``contextAgents``), so an LRS reached through endpoints of both
versions, or an endpoint switched from one to the other, sees the same statement for an
id and never a conflicting one. No ``context.registration``: an LTI launch carries no
attempt to name, and one coined per learner and activity would repeat actor and parent.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import quote

from xapi.agents import PrivacySettings, agent
from xapi.events import VOID_ONLY, Course, EventKind, StatementEvent
from xapi.mapping import EventRule, FieldRule, XapiMapping
from xapi.profile import PROFILE_IRI

STATEMENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, f"{PROFILE_IRI}/statements")
"""uuid5 namespace of our statement ids; changing it would re-send every statement as new.
(Voids name the ids stored when the statements were queued, never recomputed ones.)"""

PLATFORM = "coachbridge"


class EventDataError(ValueError):
    """The event cannot become a statement (unknown field, value out of range, ...)."""


@dataclass(frozen=True)
class BuildSettings:
    """What the builder needs besides the event.

    ``activity_iri_base``: the tool's public base URL for the activities it coins (one per
    record, one per course without an IRI of its own), e.g.
    ``https://coach.example.org/xapi/activities``. ``privacy`` comes from the platform,
    ``language`` tags the names that come from the LMS (learning activity, course); the
    tool's own texts (verb displays, record names) go in every language of the mapping.
    The LRS's xAPI version is not here: the statement is the same for both.
    """

    activity_iri_base: str
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    language: str = "en-US"


def statement_id(settings: BuildSettings, record_id: str | int, record_version: int, kind: EventKind) -> str:
    """Deterministic id of the statement for one event of one record version.

    The record is named by its activity IRI (:func:`record_activity_iri`), which lives
    under the installation's public URL: two installations sending to one LRS number their
    records alike, and would otherwise give different statements the same id (a 409).
    """
    record_iri = record_activity_iri(settings, record_id)
    return str(uuid.uuid5(STATEMENT_NAMESPACE, f"{record_iri}\x1f{record_version}\x1f{kind.value}"))


def voiding_statement_id(voided_id: str) -> str:
    """Deterministic id of the statement voiding ``voided_id``: voiding twice is one fact."""
    return str(uuid.uuid5(STATEMENT_NAMESPACE, f"voids\x1f{voided_id}"))


def format_timestamp(moment: datetime) -> str:
    """RFC 3339, UTC, milliseconds, ``Z``: what both xAPI 1.0.3 and 2.0.0 accept."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise EventDataError("occurred_at must be timezone-aware")
    utc = moment.astimezone(timezone.utc)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def record_activity_iri(settings: BuildSettings, record_id: str | int) -> str:
    return f"{settings.activity_iri_base.rstrip('/')}/records/{quote(str(record_id), safe='')}"


def course_activity_iri(settings: BuildSettings, course: Course) -> str:
    if course.iri:
        return course.iri
    issuer, context_id = quote(course.platform_issuer, safe=""), quote(course.context_id, safe="")
    return f"{settings.activity_iri_base.rstrip('/')}/courses/{issuer}/{context_id}"


def build_statements(event: StatementEvent, settings: BuildSettings, mapping: XapiMapping) -> list[dict[str, Any]]:
    """The statements one record event produces, in the order to send them.

    Voiding statements for ``event.voids`` come first (by the person who withdrew or
    corrected, at the time they did), then, unless the event only voids, the statement
    for this version.
    """
    statements = [_voiding(event, voided, settings, mapping) for voided in event.voids]
    if event.kind in VOID_ONLY:
        if not statements:
            raise EventDataError(f"record {event.record_id}: {event.kind.value} must name the statements it voids")
        return statements
    rule = mapping.events[event.kind]
    placed = _place_fields(event, rule, settings)
    by_manager = _by_manager(event, rule)
    if by_manager and event.manager is None:
        raise EventDataError(f"record {event.record_id}: {event.kind.value} needs the manager who did it")
    statement: dict[str, Any] = {
        "id": statement_id(settings, event.record_id, event.record_version, event.kind),
        "actor": agent(event.manager if by_manager else event.learner, settings.privacy),
        "verb": _verb(rule.verb),
        "object": _object(event, rule, settings, mapping),
    }
    result = {**rule.result_flags, **placed["result"]}
    if placed["result.extensions"]:
        result["extensions"] = placed["result.extensions"]
    if result:
        statement["result"] = result
    statement["context"] = _context(event, rule, by_manager, settings, mapping, placed["context.extensions"])
    statement["timestamp"] = format_timestamp(event.occurred_at)
    statements.append(statement)
    return statements


def _by_manager(event: StatementEvent, rule) -> bool:
    """Is the manager the actor (a decision, or an action that was theirs to do)?"""
    return rule.actor == "manager" or (rule.actor == "owner" and event.fields.get("owner") == "manager")


def _voiding(event: StatementEvent, voided: str, settings: BuildSettings, mapping: XapiMapping) -> dict[str, Any]:
    """The statement taking ``voided`` back. Its context places it like the record's own
    statements (learning activity, course) so that a query by activity finds it too;
    ``platform`` is left out, as xAPI allows it only with an Activity object."""
    context = _context_activities(event, settings, mapping, with_parent=True)
    statement: dict[str, Any] = {
        "id": voiding_statement_id(voided),
        "actor": agent(event.by or event.learner, settings.privacy),
        "verb": _verb(mapping.voiding_verb),
        "object": {"objectType": "StatementRef", "id": str(uuid.UUID(voided))},
    }
    if context:
        statement["context"] = {"contextActivities": context}
    statement["timestamp"] = format_timestamp(event.recorded_at or event.occurred_at)
    return statement


def _verb(verb) -> dict[str, Any]:
    return {"id": verb.id, "display": dict(verb.display)}


def _activity(iri: str, name: dict[str, str] | None, activity_type: str | None) -> dict[str, Any]:
    """``name``: a language map, or None (the LMS gave no name)."""
    definition: dict[str, Any] = {}
    if activity_type:
        definition["type"] = activity_type
    if name:
        definition["name"] = name
    activity: dict[str, Any] = {"objectType": "Activity", "id": iri}
    if definition:
        activity["definition"] = definition
    return activity


def _lms_name(name: str | None, settings: BuildSettings) -> dict[str, str] | None:
    return {settings.language: name} if name else None


def _object(event: StatementEvent, rule: EventRule, settings: BuildSettings, mapping: XapiMapping) -> dict[str, Any]:
    learning = event.learning_activity
    if rule.object == "learning_activity":
        return _activity(learning.iri, _lms_name(learning.name, settings), None)
    name = mapping.record_activity_name(rule.record_name, learning.name)
    return _activity(record_activity_iri(settings, event.record_id), name, rule.activity_type)


def _context(event, rule, by_manager, settings, mapping, extensions) -> dict[str, Any]:
    context: dict[str, Any] = {}
    if event.manager and not by_manager:
        context["instructor"] = agent(event.manager, settings.privacy)
    activities = _context_activities(event, settings, mapping, with_parent=rule.object == "record")
    if activities:
        context["contextActivities"] = activities
    if event.context_statement:
        context["statement"] = {"objectType": "StatementRef", "id": str(uuid.UUID(event.context_statement))}
    context["platform"] = PLATFORM
    if extensions:
        context["extensions"] = extensions
    return context


def _context_activities(event: StatementEvent, settings: BuildSettings, mapping: XapiMapping,
                        with_parent: bool) -> dict[str, Any]:
    activities: dict[str, Any] = {}
    if with_parent:
        learning = event.learning_activity
        activities["parent"] = [_activity(learning.iri, _lms_name(learning.name, settings), None)]
    if event.course:
        course = event.course
        activities["grouping"] = [
            _activity(course_activity_iri(settings, course), _lms_name(course.title, settings),
                      mapping.course_activity_type)
        ]
    return activities


def _place_fields(event: StatementEvent, rule: EventRule, settings: BuildSettings) -> dict[str, dict[str, Any]]:
    """Sort the event's fields into statement parts. The mapping is an allow-list: fields
    it does not place are not sent; private fields never are, and free text only when
    the platform shares it."""
    placed: dict[str, dict[str, Any]] = {"result": {}, "result.extensions": {}, "context.extensions": {}}
    for name, value in event.fields.items():
        field_rule = rule.fields.get(name)
        if field_rule is None or name in event.private_fields or value is None:
            continue
        value = _checked_value(event, field_rule, value)  # checked even when not sent
        if value in ("", {}) or (field_rule.free_text and not settings.privacy.share_free_text):
            continue
        if field_rule.to == "result.response":
            placed["result"]["response"] = value
        elif field_rule.to == "result.score":
            low, high = field_rule.min, field_rule.max
            placed["result"]["score"] = {"raw": value, "min": low, "max": high, "scaled": round((value - low) / (high - low), 4)}
        else:
            placed[field_rule.to][field_rule.key] = value
    return placed


def _checked_value(event: StatementEvent, rule: FieldRule, value: Any) -> Any:
    where = f"{event.kind.value}: field {rule.name!r}"
    if rule.type in ("text", "string"):
        if not isinstance(value, str):
            raise EventDataError(f"{where} must be a string")
        return value.strip()
    if rule.type == "object":
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise EventDataError(f"{where} must map strings to strings")
        return {k: v.strip() for k, v in value.items() if v.strip()}
    if rule.type == "date":
        if isinstance(value, datetime):
            raise EventDataError(f"{where} must be a date, not a date and time")
        try:
            return (value if isinstance(value, date) else date.fromisoformat(value)).isoformat()
        except (TypeError, ValueError):
            raise EventDataError(f"{where} must be a date (YYYY-MM-DD)") from None
    numeric = (int,) if rule.type == "integer" else (int, float)
    if isinstance(value, bool) or not isinstance(value, numeric):
        raise EventDataError(f"{where} must be {'an integer' if rule.type == 'integer' else 'a number'}")
    if (rule.min is not None and value < rule.min) or (rule.max is not None and value > rule.max):
        raise EventDataError(f"{where} must be within {rule.min}..{rule.max}, got {value}")
    return value
