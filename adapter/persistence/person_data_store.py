"""Everything the database holds about one person: read for an export, deleted for an erasure.

A person's records are those about them (they are the learner). Records they wrote about
someone else (a manager's conversations, agreed actions and validation decisions) belong to
that learner's record: an erasure keeps them, with the author anonymised (see
adapter/services/personal_data.py for the rule).
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from sqlalchemy import Connection, Engine, delete, false, or_, select, update

from .coaching_tables import (
    agreed_actions, audit_events, conversations, manager_nominations, reflections, validation_decisions,
    validation_requests,
)
from .database import is_postgresql
from .locale_tables import locale_choices
from . import scim_store
from .people_store import named_links
from .people_tables import expected_people, scim_users
from .report_summary_tables import report_learner_facts
from .tables import contexts, manager_links, memberships, people, platforms, resource_links, score_clock, \
    web_sessions
from .targets_tables import learning_targets

# The record groups of records_of(), and the table name each holds rows of.
RECORD_KEYS = {"reflections": "reflection", "conversations": "conversation", "agreed_actions": "action",
               "validation_requests": "validation"}


def event_record_type(table_name: str, row: Any) -> str:
    """The record type events and outbox sources use ("check_in", "coaching_conversation", ...)."""
    if table_name == "conversation":
        return "check_in" if row["kind"] == "check_in" else "coaching_conversation"
    return table_name


def audit_record_types(table_name: str) -> tuple[str, ...]:
    """The record types the audit trail uses for rows of this table."""
    return ("check_in", "coaching") if table_name == "conversation" else (table_name,)


# --- finding people --------------------------------------------------------------------------
def find_people(conn: Connection, platform_id: int, sub: str | None = None, email: str | None = None) -> list[int]:
    """People of this platform with this LMS user id, or this email (case-insensitive)."""
    if sub:
        where = people.c.sub == sub
    elif email:
        where = people.c.email.ilike(email.strip().replace("%", r"\%").replace("_", r"\_"), escape="\\")
    else:
        return []
    return list(conn.execute(select(people.c.id).where(people.c.platform_id == platform_id, where)
                             .order_by(people.c.id)).scalars())


def person(conn: Connection, person_id: int) -> dict[str, Any] | None:
    row = conn.execute(select(people, platforms.c.name.label("platform_name"),
                              platforms.c.issuer.label("platform_issuer"))
                       .join(platforms, platforms.c.id == people.c.platform_id)
                       .where(people.c.id == person_id)).mappings().first()
    return dict(row) if row else None


def names(conn: Connection, person_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    ids = sorted(set(i for i in person_ids if i is not None))
    if not ids:
        return {}
    return {row["id"]: dict(row) for row in conn.execute(
        select(people.c.id, people.c.sub, people.c.name, people.c.email).where(people.c.id.in_(ids))).mappings()}


# --- reading for an export -------------------------------------------------------------------
def _rows(conn: Connection, query) -> list[dict[str, Any]]:
    return [dict(row) for row in conn.execute(query).mappings()]


def memberships_of(conn: Connection, person_id: int) -> list[dict[str, Any]]:
    return _rows(conn, select(contexts.c.context_id, contexts.c.title, memberships.c.app_roles,
                              memberships.c.lti_roles, memberships.c.status, memberships.c.updated_at)
                 .join(contexts, contexts.c.id == memberships.c.context_pk)
                 .where(memberships.c.person_id == person_id).order_by(contexts.c.id))


def manager_links_of(conn: Connection, person_id: int) -> list[dict[str, Any]]:
    return _rows(conn, select(manager_links).where(or_(manager_links.c.learner_id == person_id,
                                                       manager_links.c.manager_id == person_id))
                 .order_by(manager_links.c.id))


def nominations_of(conn: Connection, person_id: int) -> list[dict[str, Any]]:
    n = manager_nominations
    return _rows(conn, select(n).where(or_(n.c.learner_id == person_id, n.c.manager_id == person_id)).order_by(n.c.id))


def _activity_joined(table):
    return (select(table, contexts.c.title.label("course_title"), resource_links.c.title.label("activity_title"))
            .select_from(table.outerjoin(contexts, contexts.c.id == table.c.context_pk)
                         .outerjoin(resource_links, resource_links.c.id == table.c.resource_link_pk)))


def records_of(conn: Connection, person_id: int) -> dict[str, list[dict[str, Any]]]:
    """The person's records, withdrawn ones too: those about them, and the conversations,
    actions and decisions they wrote about others."""
    c, a, v, d = conversations, agreed_actions, validation_requests, validation_decisions
    requests = _rows(conn, _activity_joined(v).where(or_(
        v.c.learner_id == person_id, v.c.id.in_(select(d.c.request_id).where(d.c.manager_id == person_id))))
        .order_by(v.c.id))
    decisions = _rows(conn, select(d).where(d.c.request_id.in_([r["id"] for r in requests]) if requests else false())
                      .order_by(d.c.id))
    for request in requests:
        request["decisions"] = [x for x in decisions if x["request_id"] == request["id"]]
    return {
        "reflections": _rows(conn, _activity_joined(reflections).where(reflections.c.learner_id == person_id)
                             .order_by(reflections.c.id)),
        "conversations": _rows(conn, _activity_joined(c).where(or_(c.c.learner_id == person_id,
                                                                   c.c.manager_id == person_id)).order_by(c.c.id)),
        "agreed_actions": _rows(conn, _activity_joined(a).where(or_(a.c.learner_id == person_id,
                                                                    a.c.manager_id == person_id)).order_by(a.c.id)),
        "validation_requests": requests,
    }


def provisioning_of(conn: Connection, person_id: int) -> dict[str, Any]:
    """How the tool knew them before a launch: an import or provisioning's expectation,
    and the identity provider's SCIM resource as last written."""
    expected = conn.execute(select(expected_people).where(expected_people.c.person_id == person_id)).mappings().first()
    return {"expected": dict(expected) if expected else None,
            "scim_users": _rows(conn, select(scim_users.c.id, scim_users.c.external_id, scim_users.c.active,
                                             scim_users.c.resource, scim_users.c.created_at, scim_users.c.updated_at)
                                .where(scim_users.c.person_id == person_id).order_by(scim_users.c.created_at))}


def targets_of(conn: Connection, person_id: int) -> list[dict[str, Any]]:
    t = learning_targets
    return _rows(conn, select(t).where(or_(t.c.manager_id == person_id, t.c.set_by == person_id)).order_by(t.c.id))


def gradebook_entries(conn: Connection, person_id: int) -> list[dict[str, Any]]:
    """The LMS gradebook columns the tool posted (or queued) scores to for this person, each
    with what names its activity (``id``, ``title``, ``custom``, ``followed_title``: named_links)."""
    links = named_links().subquery()
    return _rows(conn, select(contexts.c.title.label("course_title"), links, resource_links.c.lineitem_url,
                              contexts.c.lineitems_url, score_clock.c.last_timestamp_ms)
                 .select_from(score_clock.join(resource_links, resource_links.c.id == score_clock.c.resource_link_pk)
                              .join(links, links.c.id == resource_links.c.id)
                              .outerjoin(contexts, contexts.c.id == resource_links.c.context_pk))
                 .where(score_clock.c.person_id == person_id).order_by(resource_links.c.id))


def record_sources(records: dict[str, list[dict[str, Any]]], learner_id: int | None = None) -> list[str]:
    """The outbox source names ("reflection 12") of these records; only the ones about
    ``learner_id`` when given."""
    return [f"{event_record_type(name, row)} {row['id']}" for key, name in RECORD_KEYS.items() for row in records[key]
            if learner_id is None or row["learner_id"] == learner_id]


# --- erasing -----------------------------------------------------------------------------
def scrub_person(conn: Connection, person_id: int, pseudonym: str) -> None:
    """No name, email or LMS user id left on the row; a launch with the old id is someone new."""
    conn.execute(update(people).where(people.c.id == person_id).values(
        sub=pseudonym, name="", given_name="", family_name="", email="", last_launch_at=None))
    conn.execute(delete(locale_choices).where(locale_choices.c.person_id == person_id))


def delete_records_about(conn: Connection, person_id: int) -> dict[str, int]:
    """Delete the records about this person (their decisions and actions go with them)."""
    counts = {}
    for name, table in (("action", agreed_actions), ("conversation", conversations),
                        ("reflection", reflections), ("validation", validation_requests)):
        ids = list(conn.execute(select(table.c.id).where(table.c.learner_id == person_id)).scalars())
        if name == "validation" and ids:
            conn.execute(delete(validation_decisions).where(validation_decisions.c.request_id.in_(ids)))
        if ids:
            conn.execute(delete(audit_events).where(audit_events.c.record_type.in_(audit_record_types(name)),
                                                    audit_events.c.record_id.in_(ids)))
            conn.execute(delete(table).where(table.c.id.in_(ids)))
        counts[name] = len(ids)
    return counts


def drop_learner_facts(conn: Connection, person_id: int) -> None:
    """Their (by now empty) share of the report summary (run after refreshing it)."""
    conn.execute(delete(report_learner_facts).where(report_learner_facts.c.learner_id == person_id))


def anonymise_authorship(conn: Connection, person_id: int) -> int:
    """Records they wrote about others stay, without their private notes; their audit
    entries stay without them as actor. Returns how many conversations kept."""
    kept = conn.execute(update(conversations).where(conversations.c.manager_id == person_id)
                        .values(private_notes="")).rowcount
    conn.execute(update(audit_events).where(audit_events.c.actor_id == person_id).values(actor_id=None))
    conn.execute(update(learning_targets).where(learning_targets.c.set_by == person_id).values(set_by=None))
    return kept


def delete_links(conn: Connection, person_id: int) -> None:
    """Their relationships, sessions, targets, gradebook clock, and what an import or
    provisioning said about them. The scrubbed row itself stays, a tombstone: records they
    wrote about others point at it, and its number is never given to someone else (SQLite
    reuses the highest id of a deleted row)."""
    for platform_id, scim_id in conn.execute(select(scim_users.c.platform_id, scim_users.c.id)
                                             .where(scim_users.c.person_id == person_id)).all():
        scim_store.delete_user(conn, platform_id, scim_id)  # also unlinks the reports it managed
    for table, column in ((memberships, memberships.c.person_id), (web_sessions, web_sessions.c.person_id),
                          (expected_people, expected_people.c.person_id),
                          (manager_nominations, manager_nominations.c.learner_id),
                          (manager_nominations, manager_nominations.c.manager_id),
                          (manager_links, manager_links.c.learner_id), (manager_links, manager_links.c.manager_id),
                          (learning_targets, learning_targets.c.manager_id), (score_clock, score_clock.c.person_id)):
        conn.execute(delete(table).where(column == person_id))


def overwrite_deletions(conn: Connection) -> None:
    """SQLite: what this connection deletes from now on is overwritten with zeros."""
    if not is_postgresql(conn):
        conn.exec_driver_sql("PRAGMA secure_delete = ON")


def purge_freed_space(engine: Engine) -> None:
    """SQLite keeps deleted and overwritten values in free pages, and old pages in its WAL,
    until they are reused: rebuild the file (VACUUM) and empty the WAL, so what was erased
    is gone from the disk too. PostgreSQL's dead rows are not readable through SQL and
    autovacuum reclaims them."""
    if is_postgresql(engine):
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def learners_managed_by(conn: Connection, person_id: int) -> list[int]:
    """Everyone whose records may name this person as their manager."""
    ids = set(conn.execute(select(manager_links.c.learner_id).where(manager_links.c.manager_id == person_id)).scalars())
    for table in (conversations, agreed_actions):
        ids |= set(conn.execute(select(table.c.learner_id).where(table.c.manager_id == person_id)).scalars())
    ids |= set(conn.execute(select(validation_requests.c.learner_id).join(
        validation_decisions, validation_decisions.c.request_id == validation_requests.c.id)
        .where(validation_decisions.c.manager_id == person_id)).scalars())
    ids.discard(person_id)
    return sorted(ids)


def managers_of_learner(conn: Connection, learner_id: int) -> list[int]:
    """Everyone whose mail may name this learner as one of theirs (the weekly digest)."""
    ids = set(conn.execute(select(manager_links.c.manager_id)
                           .where(manager_links.c.learner_id == learner_id)).scalars())
    for table in (conversations, agreed_actions):
        ids |= set(conn.execute(select(table.c.manager_id).where(table.c.learner_id == learner_id)).scalars())
    ids.discard(learner_id)
    return sorted(ids)


def learner_record_rows(conn: Connection, learner_ids: Sequence[int]) -> dict[str, list[dict[str, Any]]]:
    """These learners' records (all states), for finding statements that name someone."""
    result = {}
    for key, table in (("reflections", reflections), ("conversations", conversations),
                       ("agreed_actions", agreed_actions), ("validation_requests", validation_requests)):
        result[key] = _rows(conn, select(table).where(table.c.learner_id.in_(list(learner_ids)))) if learner_ids \
            else []
    return result
