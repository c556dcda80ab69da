"""Statements already in an LRS stay readable: those sent before profile version 2 (an
action done re-stated as "agreed" with status done, a request asked again voiding the
first, a decision with the learner as actor) give the same facts as today's."""
from __future__ import annotations

import copy
import dataclasses
from datetime import date, datetime, timezone

from adapter.reports.from_lrs import StatementReading
from adapter.reports.measures import total
from tests.xapi.xapi_samples import LEARNER, MANAGER, sample_event
from xapi.agents import PrivacySettings, agent
from xapi.events import EventKind
from xapi.mapping import load_mapping
from xapi.statements import BuildSettings, build_statements, statement_id

MAPPING = load_mapping()
SETTINGS = BuildSettings("https://coach.acme.org/xapi/activities")
AS_OF = date(2026, 6, 30)


def at(day: str, hour: int = 9) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=timezone.utc)


def build(kind: EventKind, record: str, version: int, when: datetime, voids=(), **fields):
    event = sample_event(kind, record_id=record, version=version, occurred_at=when, voids=tuple(voids))
    event = dataclasses.replace(event, fields={**event.fields, **fields})
    return build_statements(event, SETTINGS, MAPPING)


def sid(record: str, version: int, kind: EventKind) -> str:
    return statement_id(SETTINGS, record, version, kind)


def as_learners(statements):
    """A decision as it was sent before profile version 2: the learner as actor."""
    legacy = copy.deepcopy(statements)
    for statement in legacy:
        statement["actor"] = agent(LEARNER, PrivacySettings())
        statement["context"]["instructor"] = agent(MANAGER, PrivacySettings())
        statement["context"].pop("statement", None)
    return legacy


def facts(statements):
    return total(StatementReading(MAPPING).facts_by_course(statements, AS_OF).values())


def test_statements_sent_before_profile_2_give_the_same_facts():
    agreed, requested, decided = EventKind.ACTION_AGREED, EventKind.VALIDATION_REQUESTED, EventKind.NEEDS_MORE_EVIDENCE
    validated = EventKind.APPLICATION_VALIDATED
    today = [
        *build(agreed, "a", 1, at("2026-03-03", 0), due_date="2026-04-01", status="open"),
        *build(EventKind.ACTION_COMPLETED, "a", 2, at("2026-03-20")),
        *build(requested, "v", 1, at("2026-03-01")),
        *build(decided, "v", 2, at("2026-03-02")),
        *build(requested, "v", 3, at("2026-03-05")),
        *build(validated, "v", 4, at("2026-03-10")),
    ]
    before = [
        *build(agreed, "a", 1, at("2026-03-03", 0), due_date="2026-04-01", status="open"),
        *build(agreed, "a", 2, at("2026-03-20"), voids=[sid("a", 1, agreed)], due_date="2026-04-01", status="done"),
        *build(requested, "v", 1, at("2026-03-01")),
        *as_learners(build(decided, "v", 2, at("2026-03-02"))),
        *build(requested, "v", 3, at("2026-03-05"), voids=[sid("v", 1, requested)]),
        *as_learners(build(validated, "v", 4, at("2026-03-10"))),
    ]
    now, then = facts(today), facts(before)
    assert now == then
    assert (now.commitments_due, now.done_on_time) == (1, 1)
    assert (now.decisions, now.validated) == (2, 1)
    assert now.decision_hours == ((24, 1), (120, 1))
