"""Tables of the coaching records, their audit trail and manager nominations.

Kept apart from tables.py (the launch path's schema) so features can grow on their own
migration branch; schema.py imports this module so Alembic sees one metadata.
Timestamps are epoch seconds (Float) like the rest of the schema; calendar dates are Date.
"""
from __future__ import annotations

from sqlalchemy import JSON, Column, Date, Float, ForeignKey, Index, Integer, String, Table, Text

from .tables import metadata


def _activity_columns() -> list[Column]:
    """Where a record belongs (domain ActivityRef)."""
    return [
        Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), nullable=False),
        Column("context_pk", Integer, ForeignKey("contexts.id", ondelete="SET NULL"), nullable=True),
        Column("resource_link_pk", Integer, ForeignKey("resource_links.id", ondelete="SET NULL"), nullable=True),
        Column("activity_iri", Text, nullable=True),
    ]


def _version_columns() -> list[Column]:
    return [
        Column("version", Integer, nullable=False),
        Column("created_at", Float, nullable=False),
        Column("updated_at", Float, nullable=False),
        Column("withdrawn_at", Float, nullable=True),
    ]


# Record ids are never reused on SQLite (migration 0022b): statement ids derive from them, and
# records can be deleted (erasure, retention).
NEVER_REUSED = {"sqlite_autoincrement": True}


def _person(name: str, nullable: bool = False) -> Column:
    return Column(name, Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=nullable)


reflections = Table(
    "reflections", metadata,
    Column("id", Integer, primary_key=True),
    _person("learner_id"),
    *_activity_columns(),
    Column("learned", Text, nullable=False),
    Column("applying", Text, nullable=False),
    Column("support_needed", Text, nullable=False),
    Column("confidence", Integer, nullable=False),
    *_version_columns(),
    **NEVER_REUSED,
)
Index("ix_reflections_learner", reflections.c.learner_id, reflections.c.resource_link_pk)

conversations = Table(
    "conversations", metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # check_in | coaching
    Column("template", String(100), nullable=False),
    _person("learner_id"),
    _person("manager_id"),
    *_activity_columns(),
    Column("held_on", Date, nullable=False),
    Column("answers", JSON, nullable=False),
    Column("shared_notes", Text, nullable=False),
    Column("private_notes", Text, nullable=False),
    Column("next_on", Date, nullable=True),
    Column("rating", Integer, nullable=True),
    *_version_columns(),
    **NEVER_REUSED,
)
Index("ix_conversations_learner", conversations.c.learner_id, conversations.c.held_on)

agreed_actions = Table(
    "agreed_actions", metadata,
    Column("id", Integer, primary_key=True),
    Column("conversation_id", Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    _person("learner_id"),
    _person("manager_id"),
    *_activity_columns(),
    Column("description", Text, nullable=False),
    Column("owner", String(20), nullable=False),
    Column("due_on", Date, nullable=True),
    Column("status", String(20), nullable=False),
    *_version_columns(),
    **NEVER_REUSED,
)
Index("ix_agreed_actions_learner", agreed_actions.c.learner_id, agreed_actions.c.status)

validation_requests = Table(
    "validation_requests", metadata,
    Column("id", Integer, primary_key=True),
    _person("learner_id"),
    *_activity_columns(),
    Column("evidence", Text, nullable=False),
    Column("status", String(30), nullable=False),
    *_version_columns(),
    **NEVER_REUSED,
)
Index("ix_validation_requests_learner", validation_requests.c.learner_id, validation_requests.c.status)

validation_decisions = Table(
    "validation_decisions", metadata,
    Column("id", Integer, primary_key=True),
    Column("request_id", Integer, ForeignKey("validation_requests.id", ondelete="CASCADE"), nullable=False,
           index=True),
    _person("manager_id"),
    Column("outcome", String(30), nullable=False),
    Column("feedback", Text, nullable=False),
    Column("evidence_seen", Text, nullable=False),
    Column("request_version", Integer, nullable=False),
    Column("decided_at", Float, nullable=False),
)

manager_nominations = Table(
    "manager_nominations", metadata,
    Column("id", Integer, primary_key=True),
    _person("learner_id"),
    _person("manager_id"),
    Column("status", String(20), nullable=False),  # pending | confirmed | declined
    Column("created_at", Float, nullable=False),
    Column("decided_at", Float, nullable=True),
)
Index("ix_manager_nominations_manager", manager_nominations.c.manager_id, manager_nominations.c.status)

audit_events = Table(
    "audit_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Float, nullable=False),
    _person("actor_id", nullable=True),
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), nullable=True),
    Column("action", String(60), nullable=False),
    Column("record_type", String(40), nullable=False),
    Column("record_id", Integer, nullable=True),
    Column("record_version", Integer, nullable=True),
    # Which fields changed, counts, outcomes: never the text of notes.
    Column("detail", JSON, nullable=False),
)
Index("ix_audit_events_record", audit_events.c.record_type, audit_events.c.record_id)

# Course-level reports (instructor dashboards) read each record table by course (migration 0008).
for _table in (reflections, conversations, agreed_actions, validation_requests):
    Index(f"ix_{_table.name}_course", _table.c.context_pk)
# The reminder scan walks due dates by range (migration 0019a).
Index("ix_conversations_next_on", conversations.c.next_on)
Index("ix_agreed_actions_due_on", agreed_actions.c.due_on)
