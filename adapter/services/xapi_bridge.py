"""The xAPI bridge: domain events become outbox rows, one per statement per LRS.

Runs as an event handler inside the record's transaction (event_handlers), so the
statements commit with the record or not at all. Each active LRS endpoint of the
event's platform gets the statements built for it (the platform's privacy settings;
the statement is the same whatever the LRS's xAPI version); the worker delivers them.

Voiding follows the domain: a new state is a new statement next to the earlier ones
(an action completed, a request asked again, a decision); a correction voids the live
statements of the kinds it names (``RecordEvent.corrects``); a withdrawal voids every
statement the LRS holds for the record, in a disabled LRS too (delivered once it is
enabled again). What an LRS holds is tracked per LRS (``xapi_live_statements``): an
endpoint added later never got the earlier versions.
To void a record's statements (a withdrawal, an erasure), publish
:func:`adapter.domain.events.record_withdrawn`.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Sequence
from urllib.parse import quote

from sqlalchemy import Connection

from adapter.config import DEFAULT_PUBLIC_URL
from adapter.domain.events import RecordEvent
from adapter.persistence import live_statements_store, lrs_store, outbox_store
from xapi import events as x
from xapi.mapping import XapiMapping, load_mapping
from xapi.statements import BuildSettings, build_statements

CHANNEL = "xapi"


def activity_iri_base(public_url: str) -> str:
    """Where the IRIs the tool coins live; they are stable only if the public URL is."""
    return f"{(public_url or DEFAULT_PUBLIC_URL).rstrip('/')}/xapi/activities"


def record_key(event: RecordEvent) -> str:
    """Record ids are per table: the type keeps a reflection and a check-in with the same
    id apart (in statement ids and in the record's activity IRI)."""
    return f"{event.record_type}-{event.record_id}"


@dataclass(frozen=True)
class XapiBridge:
    """The event handler (adapter/bootstrap.py puts it in the table of handlers)."""

    activity_iri_base: str
    mapping: XapiMapping = field(default_factory=load_mapping, compare=False, repr=False)

    def __call__(self, conn: Connection, events: Sequence[RecordEvent]) -> None:
        rows: list[dict[str, Any]] = []
        for event in events:
            # A withdrawal reaches every LRS holding the record, a disabled one too (its
            # voids wait until it is enabled again): nothing withdrawn stays live anywhere.
            withdrawn = event.kind == x.EventKind.RECORD_WITHDRAWN.value
            targets = lrs_store.endpoints(conn, event.platform_id, active_only=not withdrawn)
            if not targets:
                continue
            privacy = lrs_store.privacy_of(conn, event.platform_id)
            subject = _subject(conn, event, self.activity_iri_base)
            settings = BuildSettings(self.activity_iri_base, privacy=privacy)
            for target in targets:
                rows += self._statement_rows(conn, event, subject, target.name, settings)
        if rows:
            insert_outbox_rows(conn, rows)

    def _statement_rows(self, conn: Connection, event: RecordEvent, subject: x.StatementEvent, target: str,
                        settings: BuildSettings) -> list[dict[str, Any]]:
        key = record_key(event)
        voids: tuple[str, ...] = ()
        if subject.kind is x.EventKind.RECORD_WITHDRAWN:
            voids = live_statements_store.held_statements(conn, target, key)
        elif event.corrects:
            voids = live_statements_store.held_statements(conn, target, key, kinds=event.corrects)
        if subject.kind in x.VOID_ONLY and not voids:
            return []  # this LRS holds nothing to take back
        answered = live_statements_store.latest_held(conn, target, key, event.answers) if event.answers else None
        statements = build_statements(replace(subject, voids=voids, context_statement=answered), settings,
                                      self.mapping)
        if voids:
            live_statements_store.forget_held(conn, target, key, voids)
        if subject.kind not in x.VOID_ONLY:
            live_statements_store.remember_held(conn, target, key, event.kind, event.record_version,
                                                statements[-1]["id"])
        source = f"{event.record_type} {event.record_id} v{event.record_version}"
        return outbox_rows(target, statements, (event.recorded_at or event.occurred_at).timestamp(), source)


def outbox_rows(target: str, statements: Sequence[dict[str, Any]], at: float, source: str) -> list[dict[str, Any]]:
    """The ``xapi`` outbox rows for ``statements`` (voiding ones, whose object is a
    StatementRef, marked in their source)."""
    def marked(statement: dict[str, Any]) -> str:
        return source + " voids" if statement["object"].get("objectType") == "StatementRef" else source

    return [outbox_store.message_row(CHANNEL, target, statement["id"], statement, at, marked(statement))
            for statement in statements]


def insert_outbox_rows(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """All rows of a handler call at once (prebuilt executemany statements); a message
    already queued is kept once."""
    outbox_store.enqueue_many(conn, rows)


def _person(conn: Connection, person_id: int | None, issuer: str) -> x.Person | None:
    if person_id is None:
        return None
    row = live_statements_store.person_named(conn, person_id)
    return x.Person(platform_issuer=issuer, lti_sub=row.sub, email=row.email or None, name=row.name or None)


def _subject(conn: Connection, event: RecordEvent, iri_base: str) -> x.StatementEvent:
    """The event as the statement builder sees it: people, course and learning activity
    read from the launch data the tool keeps (voids and the statement answered are per
    LRS, added later)."""
    issuer = live_statements_store.platform_issuer(conn, event.platform_id)
    course = None
    if event.context_pk is not None:
        row = live_statements_store.course_named(conn, event.context_pk)
        course = x.Course(platform_issuer=issuer, context_id=row.context_id, title=row.title or None)
    learner = _person(conn, event.learner_id, issuer)
    return x.StatementEvent(
        kind=x.EventKind(event.kind), record_id=record_key(event), record_version=event.record_version,
        occurred_at=event.occurred_at, recorded_at=event.recorded_at, learner=learner,
        learning_activity=_learning_activity(conn, event, issuer, iri_base), course=course,
        manager=_person(conn, event.manager_id, issuer), fields=dict(event.shared_fields),
        private_fields=frozenset(event.private_fields),
        by=learner if event.actor_id == event.learner_id else _person(conn, event.actor_id, issuer))


def _learning_activity(conn: Connection, event: RecordEvent, issuer: str, iri_base: str) -> x.LearningActivity:
    """The IRI the instructor attached to the link, or one coined from the platform and the
    resource link (stable: the same link always gets the same IRI)."""
    link = None
    if event.resource_link_pk is not None:
        link = live_statements_store.link_named(conn, event.resource_link_pk)
    name = link.title if link is not None and link.title else None
    if event.activity_iri:
        return x.LearningActivity(event.activity_iri, name)
    parts = [issuer] + ([link.deployment_id, link.resource_link_id] if link is not None else [])
    return x.LearningActivity(f"{iri_base}/links/" + "/".join(quote(p, safe="") for p in parts), name)

