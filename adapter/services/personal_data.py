"""A person's data on request: an export of everything held (GDPR Art. 15 and 20) and an
erasure (Art. 17). Both take the platform explicitly: an admin may act only on people of
the platforms they administer, and the caller says which one.

The erasure rule, as the README states it for DPOs:
- records about the person (reflections, conversations held with them, agreed actions,
  validation requests and their decisions) are deleted, with their audit entries;
- records they wrote about someone else (as a manager: conversations, actions, decisions)
  are that learner's record and stay, without private notes, the author anonymised: the
  person's row stays as a tombstone without name, email or LMS user id (a pseudonym);
- every statement sent about or by them is voided at each LRS through the outbox (an LRS
  outage delays the voids and loses none); the voids name a pseudonym, never the person;
  pending messages about them are cancelled and no copy of what was sent is kept;
- every check-in planned with them is cancelled, whatever an LRS holds, by the same
  withdrawal event that voids statements: the other person is told once, and no reminder follows;
- their share of the report summaries goes; LMS gradebook entries are listed for the
  admin (the scores are the LMS's data); one tombstone audit entry without personal data
  records the erasure. Erasing again finds nobody: a no-op.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterator

from sqlalchemy import Connection, Engine

from adapter.domain import events as ev
from adapter.domain.coaching import ActivityRef
from adapter.domain.mail import WEEKLY_DIGEST
from adapter.domain.people import ERASED_PREFIX, is_erased, shown_name
from adapter.domain.activity_names import activity_name
from adapter.domain.source_text import Translate, english
from adapter.domain.translatable import N_, Np_, Translatable
from adapter.persistence import audit_store, mail_store, outbox_store, person_data_store as store, report_summaries
from adapter.persistence.coaching_store import audit
from adapter.persistence.plan_store import conversations_planning_with

from . import event_handlers

EXPORT_SCHEMA = "person-export.schema.json"  # in adapter/web/static/, served at /static/
EXPORT_FORMAT = 1


class PersonNotFound(LookupError):
    pass


class SeveralPeople(LookupError):
    pass


@dataclass(frozen=True)
class Actor:
    """Who asks: a person of the tool (an admin, or the person themself), or nobody
    (the command line, the retention job); ``via`` says how, for the audit trail."""

    person_id: int | None
    via: str  # "command line" | "admin page" | "own page" | "retention"


def is_known(profile: dict[str, Any] | None, platform_id: int | None = None) -> bool:
    """Whether ``profile`` is a person of the platform (any platform: None), not an
    erased person's tombstone."""
    return profile is not None and not is_erased(profile["sub"]) and \
        platform_id in (None, profile["platform_id"])


def find_person(conn: Connection, platform_id: int, sub: str | None = None, email: str | None = None) -> int:
    found = [i for i in store.find_people(conn, platform_id, sub=sub, email=email) if is_known(store.person(conn, i))]
    if not found:
        raise PersonNotFound(N_("Nobody with that LMS user id or email is known on this platform."))
    if len(found) > 1:
        raise SeveralPeople(N_("Several people have that email on this platform; use their LMS user id."))
    return found[0]


def _iso(value: Any) -> Any:
    if isinstance(value, float):
        return datetime.fromtimestamp(value, timezone.utc).isoformat(timespec="seconds")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _clean(row: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """A row as JSON: times as ISO 8601 (UTC), internal keys left out."""
    times = ("created_at", "updated_at", "withdrawn_at", "decided_at", "ended_at", "at", "set_at", "delivered_at",
             "last_launch_at", "matched_at")
    return {k: (_iso(v) if k in times or k.endswith("_on") else v) for k, v in row.items()
            if k not in drop and k not in ("platform_id",)}


def _who(names: dict[int, dict[str, Any]], person_id: int | None) -> dict[str, Any] | None:
    """Someone an export names; an erased one by id and the words NAME_REMOVED, not the pseudonym."""
    if person_id is None:
        return None
    p = names.get(person_id)
    if p and is_erased(p["sub"]):
        return {"id": person_id, "name": shown_name(p["name"], p["email"], p["sub"]), "email": "", "lms_user_id": ""}
    return {"id": person_id, "name": p["name"], "email": p["email"], "lms_user_id": p["sub"]} if p else \
        {"id": person_id, "name": "", "email": "", "lms_user_id": ""}


def export_person(engine: Engine, platform_id: int, person_id: int, actor: Actor, now: float) -> dict[str, Any]:
    """Everything held about the person, as one JSON-ready document (schema: EXPORT_SCHEMA);
    the export itself is audited. Private notes only where they are the author."""
    with engine.begin() as conn:
        profile = store.person(conn, person_id)
        if not is_known(profile, platform_id):
            raise PersonNotFound(N_("Nobody with that id is known on this platform."))
        document = _document(conn, profile, now)
        audit(conn, at=now, actor_id=actor.person_id, platform_id=platform_id, action="person.exported",
              record_type="person", record_id=person_id, detail={"via": actor.via})
    return document


def _document(conn: Connection, profile: dict[str, Any], now: float) -> dict[str, Any]:
    person_id = profile["id"]
    records = store.records_of(conn, person_id)
    links = store.manager_links_of(conn, person_id)
    nominations = store.nominations_of(conn, person_id)
    others = [row[k] for row in links + nominations for k in ("learner_id", "manager_id")]
    others += [row[k] for rows in records.values() for row in rows for k in ("learner_id", "manager_id") if k in row]
    others += [d["manager_id"] for r in records["validation_requests"] for d in r["decisions"]]
    names = store.names(conn, others)
    conversations = []
    for row in records["conversations"]:
        shown = _clean(row, drop=() if row["manager_id"] == person_id else ("private_notes",))
        conversations.append({**shown, "learner": _who(names, row["learner_id"]),
                              "manager": _who(names, row["manager_id"])})
    sources = store.record_sources(records)
    messages = outbox_store.messages_from(conn, sources)
    contents = outbox_store.payloads(conn, [m.id for m in messages])
    return {
        "format": EXPORT_FORMAT,
        "schema": f"/static/{EXPORT_SCHEMA}",
        "exported_at": _iso(now),
        "person": {"id": person_id, "platform": {"id": profile["platform_id"], "name": profile["platform_name"],
                                                 "issuer": profile["platform_issuer"]},
                   "lms_user_id": profile["sub"], "name": profile["name"], "given_name": profile["given_name"],
                   "family_name": profile["family_name"], "email": profile["email"],
                   "created_at": _iso(profile["created_at"]), "last_launch_at": _iso(profile["last_launch_at"])},
        "provisioning": _provisioning(store.provisioning_of(conn, person_id)),
        "courses": [_clean(m) for m in store.memberships_of(conn, person_id)],
        "managers": [{"manager": _who(names, link["manager_id"]), "source": link["source"],
                      "since": _iso(link["created_at"]), "ended_at": _iso(link["ended_at"])}
                     for link in links if link["learner_id"] == person_id],
        "team": [{"learner": _who(names, link["learner_id"]), "source": link["source"],
                  "since": _iso(link["created_at"]), "ended_at": _iso(link["ended_at"])}
                 for link in links if link["manager_id"] == person_id],
        "nominations": [{"learner": _who(names, n["learner_id"]), "manager": _who(names, n["manager_id"]),
                         "status": n["status"], "created_at": _iso(n["created_at"]),
                         "decided_at": _iso(n["decided_at"])} for n in nominations],
        "reflections": [_clean(r) for r in records["reflections"]],
        "conversations": conversations,
        "agreed_actions": [{**_clean(a), "learner": _who(names, a["learner_id"]),
                            "manager": _who(names, a["manager_id"])} for a in records["agreed_actions"]],
        "validation_requests": [{**_clean(r, drop=("decisions",)), "learner": _who(names, r["learner_id"]),
                                 "decisions": [{**_clean(d), "manager": _who(names, d["manager_id"])}
                                               for d in r["decisions"]]}
                                for r in records["validation_requests"]],
        "learning_targets": [_clean(t) for t in store.targets_of(conn, person_id)],
        "audit_events": [_clean(e, drop=("actor_sub",)) for e in reversed(audit_store.events(
            conn, platform_ids=None, person_id=person_id))],
        "sent": [{"channel": m.channel, "to": m.target, "message_id": m.message_id, "about": m.source,
                  "status": m.status, "queued_at": _iso(m.created_at), "delivered_at": _iso(m.delivered_at),
                  "content": json.loads(contents[m.id]) if m.id in contents else None}
                 for m in messages],
        "gradebook_entries": [{"course_title": g["course_title"], "activity_title": activity_name(g, english),
                               "lineitem_url": g["lineitem_url"], "lineitems_url": g["lineitems_url"],
                               "last_timestamp_ms": g["last_timestamp_ms"]}
                              for g in store.gradebook_entries(conn, person_id)],
    }


def _provisioning(found: dict[str, Any]) -> dict[str, Any]:
    expected = found["expected"]
    return {"expected": _clean(expected, drop=("person_id",)) if expected else None,
            "scim_users": [_clean(u) for u in found["scim_users"]]}


# --- erasure ---------------------------------------------------------------------------------
@dataclass
class ErasurePlan:
    """What an erasure of this person removes, for the confirmation and the report."""

    person_id: int
    platform_id: int
    counts: dict[str, int] = field(default_factory=dict)
    authored_kept: int = 0  # conversations they wrote about others, kept for those learners
    statements_to_void: int = 0
    gradebook_entries: list[dict[str, Any]] = field(default_factory=list)
    check_ins_cancelled: int = 0  # check-ins planned with them: cancelled, the other person told

    def messages(self) -> list[tuple[Translatable, dict[str, Any]]]:
        """What goes, as (text marked with ``N_`` or ``Np_``, its values)."""
        c = self.counts
        messages = [(Np_("%(num)d reflection: deleted", "%(num)d reflections: deleted"), {"num": c["reflections"]}),
                    (Np_("%(num)d conversation held with them: deleted",
                         "%(num)d conversations held with them: deleted"), {"num": c["conversations"]}),
                    (Np_("%(num)d agreed action: deleted", "%(num)d agreed actions: deleted"),
                     {"num": c["agreed_actions"]}),
                    (Np_("%(num)d validation request with its decisions: deleted",
                         "%(num)d validation requests with their decisions: deleted"),
                     {"num": c["validation_requests"]}),
                    (N_("their name, email and LMS user id, course memberships, manager links, nominations and "
                        "team targets: deleted"), {}),
                    (Np_("%(num)d statement sent to LRSs about or naming them: voided",
                         "%(num)d statements sent to LRSs about or naming them: voided"),
                     {"num": self.statements_to_void}),
                    (N_("their share of the report summaries: removed"), {})]
        if self.check_ins_cancelled:
            messages.append((Np_("%(num)d check-in planned with them: cancelled, and the other person told",
                                 "%(num)d check-ins planned with them: cancelled, and the other people told"),
                             {"num": self.check_ins_cancelled}))
        if self.authored_kept:
            messages.append((Np_("%(num)d conversation they recorded about others: kept for that learner, "
                                 "author anonymised, private notes deleted",
                                 "%(num)d conversations they recorded about others: kept for those learners, "
                                 "author anonymised, private notes deleted"), {"num": self.authored_kept}))
        return messages

    def lines(self, translate: Translate = english) -> list[str]:
        """What goes, in plain lines: the command line's in English, the admin page's translated."""
        return [translate(text, **values) for text, values in self.messages()]

    def gradebook_lines(self, translate: Translate = english) -> list[str]:
        """The LMS gradebook columns holding their scores (the LMS keeps those), each activity
        named by the one rule (adapter/domain/activity_names.py)."""
        return [f"{e['course_title'] or translate(N_('No course'))} / "
                f"{activity_name(e, translate)}: "
                f"{e['lineitem_url'] or e['lineitems_url']}" for e in self.gradebook_entries]


def plan_erasure(engine: Engine, platform_id: int, person_id: int) -> ErasurePlan:
    with engine.connect() as conn:
        profile = store.person(conn, person_id)
        if not is_known(profile, platform_id):
            raise PersonNotFound(N_("Nobody with that id is known on this platform."))
        return _plan(conn, profile)


def _plan(conn: Connection, profile: dict[str, Any]) -> ErasurePlan:
    person_id = profile["id"]
    records = store.records_of(conn, person_id)
    about = {key: [r for r in rows if r["learner_id"] == person_id] for key, rows in records.items()}
    naming = _messages_naming(conn, profile, records)
    return ErasurePlan(
        person_id=person_id, platform_id=profile["platform_id"],
        counts={key: len(rows) for key, rows in about.items()},
        authored_kept=sum(1 for r in records["conversations"] if r["learner_id"] != person_id),
        statements_to_void=sum(1 for m in naming if m.channel == "xapi" and not m.source.endswith(" voids")),
        gradebook_entries=store.gradebook_entries(conn, person_id),
        check_ins_cancelled=len(conversations_planning_with(conn, person_id)))


def _messages_naming(conn: Connection, profile: dict[str, Any], records) -> list[outbox_store.HeldMessage]:
    """Outbox messages about the person's records, and those of other learners' records
    whose statements name the person (as their manager)."""
    own = outbox_store.messages_from(conn, store.record_sources(records, learner_id=profile["id"]))
    others = store.learner_record_rows(conn, store.learners_managed_by(conn, profile["id"]))
    candidates = [m for m in outbox_store.messages_from(conn, store.record_sources(others)) if m.channel == "xapi"]
    kept = outbox_store.payloads(conn, [m.id for m in candidates])
    marks = _agent_marks(profile)
    return own + [m for m in candidates if m.id in kept and _names(json.loads(kept[m.id]), marks)]


def _agent_marks(profile: dict[str, Any]) -> set[tuple[str, str]]:
    """How a statement can identify the person, whatever identity format was in force."""
    marks = {("account", f"{profile['platform_issuer']}\x1f{profile['sub']}")}
    if profile["email"]:
        mailto = f"mailto:{profile['email'].strip().lower()}"
        marks |= {("mbox", mailto), ("mbox_sha1sum", hashlib.sha1(mailto.encode()).hexdigest())}
    return marks


def _agents(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        if any(k in value for k in ("account", "mbox", "mbox_sha1sum")):
            yield value
        for inner in value.values():
            yield from _agents(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _agents(inner)


def _is_them(agent: dict[str, Any], marks: set[tuple[str, str]]) -> bool:
    account = agent.get("account") or {}
    found = {("account", f"{account.get('homePage')}\x1f{account.get('name')}"), ("mbox", agent.get("mbox")),
             ("mbox_sha1sum", agent.get("mbox_sha1sum"))}
    return bool(found & marks)


def _names(statement: Any, marks: set[tuple[str, str]]) -> bool:
    return any(_is_them(agent, marks) for agent in _agents(statement))


def _replace_agents(value: Any, marks: set[tuple[str, str]], stand_in: dict[str, Any]) -> Any:
    """``value`` with every agent that is the person replaced by ``stand_in``."""
    if isinstance(value, dict):
        if _is_them(value, marks):
            return dict(stand_in)
        return {k: _replace_agents(v, marks, stand_in) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_agents(v, marks, stand_in) for v in value]
    return value


@dataclass(frozen=True)
class ErasureResult:
    erased: bool  # False: nobody to erase (already erased, or never known)
    plan: ErasurePlan | None = None


def erase_person_by_id(engine: Engine, platform_id: int, person_id: int, actor: Actor, now: float) -> ErasureResult:
    """Erase the person (see the rule above); one already erased, or not of this platform, is a no-op."""
    with engine.begin() as conn:
        store.overwrite_deletions(conn)
        profile = store.person(conn, person_id)
        if not is_known(profile, platform_id):
            return ErasureResult(False)
        plan = _plan(conn, profile)
        records = store.records_of(conn, person_id)
        _void_and_forget(conn, profile, records, now)
        store.anonymise_authorship(conn, person_id)
        store.delete_records_about(conn, person_id)
        report_summaries.refresh_learners(conn, [person_id])
        store.drop_learner_facts(conn, person_id)
        store.delete_links(conn, person_id)
        audit(conn, at=now, actor_id=actor.person_id, platform_id=platform_id, action="person.erased",
              record_type="person", record_id=person_id,
              detail={"via": actor.via, **plan.counts, "statements_voided": plan.statements_to_void,
                      "authored_kept": plan.authored_kept, "gradebook_entries": len(plan.gradebook_entries),
                      "check_ins_cancelled": plan.check_ins_cancelled})
    store.purge_freed_space(engine)
    return ErasureResult(True, plan)



def _void_and_forget(conn: Connection, profile: dict[str, Any], records, now: float) -> None:
    """Cancel and forget every message about the person, then void, through the xAPI
    bridge (the one voiding path), each record's statements at every LRS, named by a
    pseudonym: the person's row is scrubbed first, so the voids carry no identity."""
    person_id = profile["id"]
    naming = _messages_naming(conn, profile, records)
    pseudonym = ERASED_PREFIX + secrets.token_hex(8)
    store.scrub_person(conn, person_id, pseudonym)
    # An earlier withdrawal's void not sent yet must still go (an outage delays, never
    # loses): it goes naming the pseudonym instead of them. Everything else is forgotten.
    still_to_send = [m for m in naming if m.source.endswith(" voids") and m.status == outbox_store.PENDING]
    kept = outbox_store.payloads(conn, [m.id for m in still_to_send])
    marks, stand_in = _agent_marks(profile), {"objectType": "Agent", "account": {
        "homePage": profile["platform_issuer"], "name": pseudonym}}
    for message in still_to_send:
        outbox_store.replace_payload(conn, message.id, _replace_agents(json.loads(kept[message.id]), marks, stand_in))
    outbox_store.forget(conn, [m.id for m in naming if m not in still_to_send])
    outbox_store.forget(conn, mail_store.mail_of(conn, person_id))  # mail to, about or naming them: no copy kept
    # Their managers' digests list them by name: cancelled if not sent (the next scan writes
    # the week's digest again without them), no copy kept if sent.
    outbox_store.forget(conn, mail_store.mail_to(conn, WEEKLY_DIGEST, store.managers_of_learner(conn, person_id)))
    at = datetime.fromtimestamp(now, timezone.utc)
    # A withdrawal event per record an LRS was sent (each LRS voids what it holds) and per conversation
    # planning a live check-in with them, LRS or not: the withdrawal's path cancels it and tells the other once.
    held, planning = {_record_source(m.source) for m in naming}, conversations_planning_with(conn, person_id)
    others = store.learner_record_rows(conn, store.learners_managed_by(conn, person_id))
    events: dict[str, ev.RecordEvent] = {}
    for group in (records, others):
        for key, name in store.RECORD_KEYS.items():
            for row in group[key]:
                source = f"{store.event_record_type(name, row)} {row['id']}"
                withdraw = source in held or (key == "conversations" and row["id"] in planning)
                if withdraw and row["withdrawn_at"] is None:  # a withdrawal voided and cancelled the others already
                    events[source] = _withdrawal(store.event_record_type(name, row), row, person_id, at)
    event_handlers.publish(conn, list(events.values()))


def _record_source(source: str) -> str:
    """"reflection 12 v3 voids" -> "reflection 12"."""
    return " ".join(source.split(" ")[:2])


@dataclass(frozen=True)
class _StoredRecord:
    """A record row as the domain's event builder reads a record."""

    id: int
    version: int
    learner_id: int
    activity: ActivityRef


def _withdrawal(record_type: str, row: dict[str, Any], person_id: int, at: datetime) -> ev.RecordEvent:
    """The event that makes the bridge void what each LRS holds for the record, and the
    calendar cancel the check-in it planned (the one path for both; the record itself is
    deleted or kept by the erasure, not withdrawn). It names no manager, and its actor is
    the erased person, by then a pseudonym."""
    record = _StoredRecord(row["id"], row["version"], row["learner_id"], ActivityRef(
        platform_id=row["platform_id"], context_pk=row["context_pk"], resource_link_pk=row["resource_link_pk"],
        activity_iri=row["activity_iri"]))
    return ev.record_withdrawn(record_type, record, person_id, at, None)
