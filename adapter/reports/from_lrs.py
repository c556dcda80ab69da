"""The measures recomputed from LRS statements alone, with nothing from the database.

Proof that the statements carry enough: the record types are told apart by the
activity types in mappings/xapi.yaml, people by their agent's identifier (the learner is
the actor of the learner's verbs; a decision's actor is the manager), the learning
activity by ``contextActivities.parent`` and the course by ``grouping``. A record is the
statements about one object (its record IRI); it is live while one of its statements is
not voided. Voided versions still count as history: they say when a reflection was first
written or when a request was asked.

Statements sent before profile version 2 stay readable: an action done was then its
"agreed" statement re-sent with status ``done`` (read as completed at that statement's
time), a request asked again voided the first one (still read, being fetched), and a
decision's actor was the learner (the record's learner comes from the learner's verbs).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Iterable

from xapi.events import EventKind
from xapi.mapping import XapiMapping

from .measures import (
    ActivityStart, Commitment, DecisionWait, Facts, HeldConversation, PlannedConversation, tally,
)

CONVERSATION_TYPES = ("check_in", "coaching_conversation")
EPOCH = date(1970, 1, 1)


@dataclass
class Record:
    record_type: str
    learner: str | None
    activity: str | None
    course: str | None
    statements: list[dict[str, Any]] = field(default_factory=list)
    live: list[dict[str, Any]] = field(default_factory=list)

    @property
    def current(self) -> dict[str, Any]:
        return max(self.live, key=lambda s: s["timestamp"])

    def latest_live(self, verb: str) -> dict[str, Any] | None:
        found = [s for s in self.live if s["verb"]["id"] == verb]
        return max(found, key=lambda s: s["timestamp"]) if found else None

    @property
    def first_at(self) -> float:
        return min(_moment(s) for s in self.statements)


def _moment(statement: dict[str, Any]) -> float:
    return datetime.fromisoformat(statement["timestamp"]).timestamp()


def _day(statement: dict[str, Any]) -> date:
    return datetime.fromisoformat(statement["timestamp"]).date()


def _agent_key(agent: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in agent.items() if k in ("account", "mbox", "mbox_sha1sum", "openid")},
                      sort_keys=True)


def _first_id(activities: dict[str, Any], kind: str) -> str | None:
    found = activities.get(kind) or []
    return found[0]["id"] if found else None


class StatementReading:
    """What the mapping says each statement part means."""

    def __init__(self, mapping: XapiMapping) -> None:
        rules = mapping.events
        self.record_types = {rule.activity_type: rule.record_type for rule in rules.values()}
        self.voiding_verb = mapping.voiding_verb.id
        self.requested_verb = rules[EventKind.VALIDATION_REQUESTED].verb.id
        self.validated_verb = rules[EventKind.APPLICATION_VALIDATED].verb.id
        self.agreed_verb = rules[EventKind.ACTION_AGREED].verb.id
        self.completed_verb = rules[EventKind.ACTION_COMPLETED].verb.id
        self.learner_verbs = {rule.verb.id for rule in rules.values() if rule.actor == "learner"}
        talk, action = rules[EventKind.CHECK_IN_HELD].fields, rules[EventKind.ACTION_AGREED].fields
        self.held_on_key, self.next_on_key, self.rating_key = (talk[n].key for n in ("held_on", "next_on", "rating"))
        self.due_date_key, self.status_key = action["due_date"].key, action["status"].key

    def records(self, statements: Iterable[dict[str, Any]]) -> list[Record]:
        statements = list(statements)
        voided = {s["object"]["id"] for s in statements if s["verb"]["id"] == self.voiding_verb}
        records: dict[str, Record] = {}
        for s in statements:
            record_type = self.record_types.get(s["object"].get("definition", {}).get("type"))
            if record_type is None or s["verb"]["id"] == self.voiding_verb:
                continue
            activities = s.get("context", {}).get("contextActivities", {})
            record = records.setdefault(s["object"]["id"], Record(
                record_type, None, _first_id(activities, "parent"), _first_id(activities, "grouping")))
            if record.learner is None and s["verb"]["id"] in self.learner_verbs:
                record.learner = _agent_key(s["actor"])
            record.statements.append(s)
            if s["id"] not in voided:
                record.live.append(s)
        return [r for r in records.values() if r.live]

    def _extension(self, record: Record, where: str, key: str) -> Any:
        return record.current.get(where, {}).get("extensions", {}).get(key)

    def held_on(self, record: Record) -> date:
        return date.fromisoformat(self._extension(record, "context", self.held_on_key))

    def facts_by_course(self, statements: Iterable[dict[str, Any]], as_of: date) -> dict[str | None, Facts]:
        return self._facts_by(self.records(statements), as_of, lambda course, learner, day: course)

    def facts_by_month(self, statements: Iterable[dict[str, Any]], as_of: date) -> dict[str, Facts]:
        """Each record in the month of its own date, as the over-time view counts it."""
        return self._facts_by(self.records(statements), as_of, lambda course, learner, day: f"{day:%Y-%m}")

    def facts_by_manager(self, statements: Iterable[dict[str, Any]], as_of: date) -> dict[str, Facts]:
        """Each learner's records under their manager as the statements tell it (the
        instructor of their latest conversation, else whoever decided their latest
        request), by the manager's name: the by-manager view's team is the learner's current
        manager, the same person whenever the latest conversation was with them."""
        records = self.records(statements)
        latest: dict[str, tuple] = {}
        for record in records:
            if record.record_type in CONVERSATION_TYPES:
                manager, when = record.current.get("context", {}).get("instructor"), (1, self.held_on(record))
            elif record.record_type == "validation":
                decided = record.latest_live(self.validated_verb)
                manager, when = (decided or {}).get("actor"), (0, _day(decided) if decided else None)
            else:
                continue
            if manager and when[1] and (record.learner not in latest or when > latest[record.learner][0]):
                latest[record.learner] = (when, manager.get("name") or _agent_key(manager))
        return self._facts_by(records, as_of, lambda course, learner, day: latest.get(learner, (None, None))[1])

    def _facts_by(self, records: list[Record], as_of: date, key_of) -> dict[Any, Facts]:
        """``tally`` per group: ``key_of(course, learner, the record's date)`` names it."""
        talks = [r for r in records if r.record_type in CONVERSATION_TYPES]
        talk_days: dict[str, list[date]] = {}
        for talk in talks:
            talk_days.setdefault(talk.learner, []).append(self.held_on(talk))
        groups: dict[Any, dict[str, list]] = {}

        def add(course: str | None, learner: str | None, day: date, kind: str, value: Any) -> None:
            groups.setdefault(key_of(course, learner, day), {}).setdefault(kind, []).append(value)

        for course, learner, start in self._activity_starts(records, talk_days):
            add(course, learner, start.started_on, "starts", start)
        for record in records:
            if record.record_type == "validation":
                for wait in self._waits(record):
                    add(record.course, record.learner, _utc_day(wait.decided_at), "waits", wait)
            elif record.record_type == "action":
                commitment = self._commitment(record)
                if commitment is not None:
                    add(record.course, record.learner, commitment.due_on, "commitments", commitment)
        for talk in talks:
            held = self.held_on(talk)
            add(talk.course, talk.learner, held, "conversations",
                HeldConversation(self._extension(talk, "result", self.rating_key)))
            next_on = self._extension(talk, "context", self.next_on_key)
            if next_on:
                later = [d for d in talk_days[talk.learner] if d > held]
                planned = PlannedConversation(held, date.fromisoformat(next_on), min(later) if later else None)
                add(talk.course, talk.learner, planned.next_on, "planned", planned)
        return {key: tally(as_of, **values) for key, values in groups.items()}

    def _commitment(self, record: Record) -> Commitment | None:
        """Due from the agreement; done when a completed statement is live (or, before
        profile version 2, when the agreement was re-sent with status done)."""
        agreed = record.latest_live(self.agreed_verb)
        due = agreed and agreed.get("result", {}).get("extensions", {}).get(self.due_date_key)
        if not due:
            return None
        completed = record.latest_live(self.completed_verb)
        if completed is None and agreed["result"]["extensions"].get(self.status_key) == "done":
            completed = agreed
        return Commitment(date.fromisoformat(due), _day(completed) if completed else None)

    def _activity_starts(self, records: list[Record], talk_days: dict[str, list[date]]):
        started: dict[tuple, float] = {}
        validated: dict[tuple, float] = {}
        for record in records:
            key = (record.course, record.learner, record.activity)
            if record.record_type == "reflection":
                started[key] = min(started.get(key, record.first_at), record.first_at)
            elif record.record_type == "validation":
                for s in record.statements:
                    if s["verb"]["id"] == self.validated_verb and s.get("result", {}).get("success") is True:
                        validated[key] = min(validated.get(key, _moment(s)), _moment(s))
        for key, at in started.items():
            course, learner, _ = key
            talks = talk_days.get(learner)
            yield course, learner, ActivityStart(
                _utc_day(at),
                _utc_day(validated[key]) if key in validated else None, min(talks) if talks else None)

    def _waits(self, record: Record) -> Iterable[DecisionWait]:
        asked = None
        for s in sorted(record.statements, key=_moment):
            if s["verb"]["id"] == self.requested_verb:
                asked = _moment(s)
            elif s["verb"]["id"] == self.validated_verb and asked is not None:
                yield DecisionWait(asked, _moment(s), s.get("result", {}).get("success") is True)


def _utc_day(moment: float) -> date:
    return date.fromordinal(EPOCH.toordinal() + int(moment // 86400))
