"""Build xAPI statements from record events: pure functions, no I/O.

The rules (DESIGN "xAPI rules the bridge follows"): the learner is the actor; the manager
is ``context.instructor`` (and a ``contextAgent`` in 2.0.0); the learning activity the
record is about is ``contextActivities.parent`` and the course ``grouping``; timestamps
are RFC 3339 UTC with milliseconds and ``Z``; statement ids are deterministic per record
version, so a statement re-sent after a crash or a timeout is the same statement and the
LRS treats it as a duplicate rather than a new fact.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import quote

from xapi.agents import PrivacySettings, agent
from xapi.events import Course, EventKind, RecordEvent
from xapi.mapping import EventRule, FieldRule, XapiMapping
from xapi.profile import PROFILE_IRI
from xapi.versions import XAPI_1_0_3, XAPI_2_0_0, check_version

STATEMENT_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, f"{PROFILE_IRI}/statements")
"""uuid5 namespace of our statement ids; changing it would re-send every statement as new.
(Voids name the ids stored when the statements were queued, never recomputed ones.)"""

VERB_LANGUAGE = "en-US"  # the verb displays in mappings/xapi.yaml are English
PLATFORM = "coachbridge"


class EventDataError(ValueError):
    """The event cannot become a statement (unknown field, value out of range, ...)."""


@dataclass(frozen=True)
class BuildSettings:
    """What the builder needs besides the event.

    ``activity_iri_base``: the tool's public base URL for the activities it coins (one per
    record, one per course without an IRI of its own), e.g.
    ``https://coach.example.org/xapi/activities``. ``privacy`` comes from the platform,
    ``xapi_version`` from the LRS the statement is for, ``language`` tags activity names
    (which come from the LMS).
    """

    activity_iri_base: str
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    xapi_version: str = XAPI_1_0_3
    language: str = "en-US"

    def __post_init__(self) -> None:
        check_version(self.xapi_version)


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


def build_statements(event: RecordEvent, settings: BuildSettings, mapping: XapiMapping) -> list[dict[str, Any]]:
    """The statements one record event produces, in the order to send them.

    Voiding statements for ``event.voids`` come first, then (unless the record was
    withdrawn) the statement for this version.
    """
    actor = agent(event.learner, settings.privacy)
    timestamp = format_timestamp(event.occurred_at)
    statements = [
        {
            "id": voiding_statement_id(voided),
            "actor": actor,
            "verb": _verb(mapping.voiding_verb),
            "object": {"objectType": "StatementRef", "id": str(uuid.UUID(voided))},
            "timestamp": timestamp,
        }
        for voided in event.voids
    ]
    if event.kind is EventKind.RECORD_WITHDRAWN:
        if not statements:
            raise EventDataError(f"record {event.record_id}: a withdrawal must name the statements it voids")
        return statements
    rule = mapping.events[event.kind]
    placed = _place_fields(event, rule, settings)
    statement: dict[str, Any] = {
        "id": statement_id(settings, event.record_id, event.record_version, event.kind),
        "actor": actor,
        "verb": _verb(rule.verb),
        "object": _object(event, rule, settings),
    }
    result = {**rule.result_flags, **placed["result"]}
    if placed["result.extensions"]:
        result["extensions"] = placed["result.extensions"]
    if result:
        statement["result"] = result
    statement["context"] = _context(event, rule, settings, mapping, placed["context.extensions"])
    statement["timestamp"] = timestamp
    statements.append(statement)
    return statements


def _verb(verb) -> dict[str, Any]:
    return {"id": verb.id, "display": {VERB_LANGUAGE: verb.display}}


def _activity(iri: str, name: str | None, activity_type: str | None, language: str) -> dict[str, Any]:
    definition: dict[str, Any] = {}
    if activity_type:
        definition["type"] = activity_type
    if name:
        definition["name"] = {language: name}
    activity: dict[str, Any] = {"objectType": "Activity", "id": iri}
    if definition:
        activity["definition"] = definition
    return activity


def _object(event: RecordEvent, rule: EventRule, settings: BuildSettings) -> dict[str, Any]:
    learning = event.learning_activity
    if rule.object == "learning_activity":
        return _activity(learning.iri, learning.name, None, settings.language)
    name = f"{rule.record_name}: {learning.name}" if learning.name else rule.record_name
    return _activity(record_activity_iri(settings, event.record_id), name, rule.activity_type, settings.language)


def _context(event, rule, settings, mapping, extensions) -> dict[str, Any]:
    context: dict[str, Any] = {}
    if event.registration:
        context["registration"] = str(uuid.UUID(event.registration))
    if event.manager:
        manager = agent(event.manager, settings.privacy)
        context["instructor"] = manager
        if settings.xapi_version == XAPI_2_0_0:
            context["contextAgents"] = [
                {"objectType": "contextAgent", "agent": manager, "relevantTypes": [mapping.manager_relevant_type]}
            ]
    activities: dict[str, Any] = {}
    if rule.object == "record":
        learning = event.learning_activity
        activities["parent"] = [_activity(learning.iri, learning.name, None, settings.language)]
    if event.course:
        course = event.course
        activities["grouping"] = [
            _activity(course_activity_iri(settings, course), course.title, mapping.course_activity_type, settings.language)
        ]
    if activities:
        context["contextActivities"] = activities
    context["platform"] = PLATFORM
    if extensions:
        context["extensions"] = extensions
    return context


def _place_fields(event: RecordEvent, rule: EventRule, settings: BuildSettings) -> dict[str, dict[str, Any]]:
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


def _checked_value(event: RecordEvent, rule: FieldRule, value: Any) -> Any:
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
