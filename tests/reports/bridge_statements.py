"""The statements the xAPI bridge sends for the seeded records, built here while the
bridge (adapter/services/xapi_bridge.py) is not yet on main: the same builder and mapping,
the same record keys (``<record type>-<id>``), people, course and learning-activity IRIs,
and the same voiding (a new version or a withdrawal voids the record's live statement).
When the bridge lands, this recorder gives way to it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence
from urllib.parse import quote

from sqlalchemy import Connection, select

from adapter.domain.events import RecordEvent
from adapter.persistence.tables import contexts, people, platforms, resource_links
from xapi import events as x
from xapi.mapping import load_mapping
from xapi.statements import BuildSettings, build_statements

ACTIVITY_IRI_BASE = "http://localhost:8000/xapi/activities"


@dataclass
class StatementRecorder:
    """An event handler: what the bridge would have put in the outbox, in order."""

    statements: list[dict[str, Any]] = field(default_factory=list)
    live: dict[str, str] = field(default_factory=dict)
    settings: BuildSettings = field(default_factory=lambda: BuildSettings(ACTIVITY_IRI_BASE))
    mapping: Any = field(default_factory=load_mapping)

    def __call__(self, conn: Connection, events: Sequence[RecordEvent]) -> None:
        for event in events:
            key = f"{event.record_type}-{event.record_id}"
            voids = (self.live[key],) if key in self.live and event.supersedes_version is not None else ()
            subject = _subject(conn, event, key, voids)
            built = build_statements(subject, self.settings, self.mapping)
            self.statements += built
            if subject.kind is x.EventKind.RECORD_WITHDRAWN:
                self.live.pop(key, None)
            else:
                self.live[key] = built[-1]["id"]


def _person(conn: Connection, person_id: int | None, issuer: str) -> x.Person | None:
    if person_id is None:
        return None
    row = conn.execute(select(people.c.sub, people.c.name, people.c.email).where(people.c.id == person_id)).one()
    return x.Person(platform_issuer=issuer, lti_sub=row.sub, email=row.email or None, name=row.name or None)


def _subject(conn: Connection, event: RecordEvent, key: str, voids: tuple[str, ...]) -> x.RecordEvent:
    issuer = conn.execute(select(platforms.c.issuer).where(platforms.c.id == event.platform_id)).scalar_one()
    course = None
    if event.context_pk is not None:
        row = conn.execute(select(contexts.c.context_id, contexts.c.title).where(contexts.c.id == event.context_pk)).one()
        course = x.Course(platform_issuer=issuer, context_id=row.context_id, title=row.title or None)
    link = conn.execute(select(resource_links.c.deployment_id, resource_links.c.resource_link_id, resource_links.c.title)
                        .where(resource_links.c.id == event.resource_link_pk)).one()
    iri = event.activity_iri or f"{ACTIVITY_IRI_BASE}/links/" + "/".join(
        quote(p, safe="") for p in (issuer, link.deployment_id, link.resource_link_id))
    return x.RecordEvent(
        kind=x.EventKind(event.kind), record_id=key, record_version=event.record_version,
        occurred_at=event.occurred_at, learner=_person(conn, event.learner_id, issuer),
        learning_activity=x.LearningActivity(iri, link.title or None), course=course,
        manager=_person(conn, event.manager_id, issuer), fields=dict(event.shared_fields),
        private_fields=frozenset(event.private_fields), voids=voids)
