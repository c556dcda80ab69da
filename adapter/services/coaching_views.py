"""What each page shows, already cut to what the viewer may see.

Pages get plain dictionaries built here, never records: a learner's page cannot print a
manager's private notes because they are not in what it receives.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from adapter.domain.authorization import NotFound, Viewer
from adapter.domain.coaching import Conversation, next_date_label
from adapter.domain.people import shown_name
from adapter.domain.source_text import Translate, english
from adapter.domain.templates import TemplateCatalog
from adapter.domain.translatable import N_
from adapter.domain.withdrawal import UNDO_WINDOW_SECONDS
from adapter.persistence import coaching_reads as reads
from adapter.persistence import coaching_store as store
from adapter.persistence import due_queries
from adapter.persistence import roster_store
from adapter.persistence.people_store import current_mentees
from adapter.persistence.placement_store import unopened_placements
from adapter.persistence.relationships_store import managers_of, pending_nominations


def conversation_view(c: Conversation, viewer: Viewer, catalog: TemplateCatalog, who: dict[int, str],
                      titles: dict[int, dict] | None = None) -> dict:
    template = catalog.by_key.get(c.template)
    speaks_to_learner = viewer.is_learner(c.learner_id)
    labels = {f.name: (f.shared_label or f.label) if speaks_to_learner else f.label
              for f in template.fields} if template else {}
    return {
        "id": c.id, "kind": c.kind, "template_title": template.title if template else c.template,
        "activity": activity_title(c.activity.resource_link_pk, titles),
        "held_on": c.held_on, "manager": who.get(c.manager_id, ""),
        "answers": [(labels.get(name, name), value) for name, value in c.answers.items()],
        "shared_notes": c.shared_notes, "private_notes": c.notes_for(viewer),
        "next_label": next_date_label(c.kind), "next_on": c.next_on, "rating": c.rating,
        "can_rate": viewer.is_learner(c.learner_id),
        "can_withdraw": c.may_be_withdrawn_by(viewer),
    }


def activity_title(resource_link_pk: int | None, titles: dict[int, dict] | None) -> dict | None:
    """What a record is about, for pages that list records of several activities: what
    names the activity (pages name it with the ``activity_name`` filter), None for a record
    about no one activity (or when the page shows one activity only)."""
    if titles is None or resource_link_pk is None:
        return None
    return titles.get(resource_link_pk) or {"id": resource_link_pk}


def action_view(a, who: dict[int, str], viewer: Viewer | None = None, titles: dict[int, dict] | None = None) -> dict:
    return {"id": a.id, "description": a.description, "owner": a.owner, "due_on": a.due_on,
            "status": a.status, "manager": who.get(a.manager_id, ""),
            "activity": activity_title(a.activity.resource_link_pk, titles),
            "can_close": a.may_be_closed_by(viewer) if viewer else False}


def validation_view(v, who: dict[int, str]) -> dict:
    """A request and its history, oldest first: each ask with the evidence given, each
    decision with its date, so a second ask never hides the first."""
    history, asked_at = [], v.asked_at
    for d in v.decisions:
        history.append({"kind": "ask", "at": asked_at, "evidence": d.evidence_seen})
        history.append({"kind": "decision", "at": d.decided_at, "manager": who.get(d.manager_id, ""),
                        "outcome": d.outcome, "feedback": d.feedback})
        asked_at = None  # a later ask's own date is not kept; it follows this decision
    if v.status == "pending":
        history.append({"kind": "ask", "at": asked_at or v.updated_at, "evidence": v.evidence})
    validated = next((d for d in v.decisions if d.outcome == "validated"), None)
    return {"id": v.id, "status": v.status, "evidence": v.evidence, "resource_link_pk": v.activity.resource_link_pk,
            "history": history, "asked_again": len(v.decisions) > 0 and v.status == "pending",
            "validated_by": who.get(validated.manager_id, "") if validated else None,
            "validated_at": validated.decided_at if validated else None,
            "decisions": [{"manager": who.get(d.manager_id, ""), "outcome": d.outcome, "feedback": d.feedback,
                           "evidence_seen": d.evidence_seen, "at": d.decided_at} for d in v.decisions]}


def learner_page(conn: Connection, viewer: Viewer, resource_link_pk: int | None,
                 catalog: TemplateCatalog, translate: Translate = english) -> dict[str, Any]:
    """The launched activity (``link``: its title, or None without a resource link) and
    the learner's own records: one query per table at most, none for an empty table.
    ``translate`` writes the name of an erased manager (people.shown_name)."""
    me = viewer.person_id
    has = reads.learner_has(conn, me, resource_link_pk)
    reflection = store.reflection_on(conn, me, resource_link_pk) if has["reflections"] else None
    talks = store.conversations_of(conn, me) if has["conversations"] else []
    validations = [v for v in store.validations_of(conn, me) if v.activity.resource_link_pk == resource_link_pk
                   ] if has["validation_requests"] else []
    actions = store.actions_of(conn, me) if has["agreed_actions"] else []
    managers = managers_of(conn, me) if has["manager_links"] else []
    who = reads.names(conn, {*managers, *(c.manager_id for c in talks), *(a.manager_id for a in actions),
                       *(d.manager_id for v in validations for d in v.decisions)}, translate)
    titles = reads.links_named(conn, {*(c.activity.resource_link_pk for c in talks),
                                *(a.activity.resource_link_pk for a in actions)} - {None})
    return {
        "link": _launched_link(conn, resource_link_pk, has["link_title"]),
        "reflection": reflection,
        "conversations": [conversation_view(c, viewer, catalog, who, titles) for c in talks],
        "open_actions": [action_view(a, who, viewer, titles) for a in actions if a.status == "open"],
        "done_actions": [action_view(a, who, viewer, titles) for a in actions if a.status == "done"],
        "validations": [validation_view(v, who) for v in validations],
        "managers": [who[m] for m in managers],
        "pending_nominations": pending_nominations(conn, learner_id=me) if has["manager_nominations"] else [],
    }


def _launched_link(conn: Connection, resource_link_pk: int | None, title: str | None) -> dict | None:
    """The launched activity (what names it), read again only when the LMS gave it no title."""
    if resource_link_pk is None:
        return None
    return {"id": resource_link_pk, "title": title} if title else reads.links_named(conn, {resource_link_pk}).get(
        resource_link_pk, {"id": resource_link_pk})


def team_page(conn: Connection, viewer: Viewer, focus_link_pk: int | None = None) -> dict[str, Any]:
    """Per current mentee: each activity's status, last check-in, open actions, pending validations;
    with ``focus_link_pk`` (the activity the manager launched from), each one's status on it.
    Each kind of record is read for the whole team at once."""
    focus = reads.links_named(conn, {focus_link_pk}).get(focus_link_pk) if focus_link_pk is not None else None
    mentees = current_mentees(conn, viewer.person_id)
    ids = [mentee["id"] for mentee in mentees]
    latest, validations_of = due_queries.latest_conversations(conn, ids), store.validations_of_each(conn, ids)
    open_actions_of = store.actions_of_each(conn, ids, open_only=True)
    links_of, reflected_of = reads.course_links_of_each(conn, ids), reads.links_reflected_on_each(conn, ids)
    team = []
    for mentee in mentees:
        learner_id = mentee["id"]
        last, validations = latest.get(learner_id), validations_of[learner_id]
        activities = _statuses(links_of[learner_id], reflected_of[learner_id], validations)
        team.append({
            "id": learner_id, "name": shown_name(mentee["name"], mentee["email"], mentee["sub"]),
            "sources": mentee["sources"],
            "focus_status": next((a["status"] for a in activities if a["id"] == focus_link_pk), N_("not started")),
            "activities": activities,
            "last_check_in": last.last_held_on if last else None,
            "next_check_in": last.next_on if last else None,  # none when that check-in was cancelled
            "open_actions": len(open_actions_of[learner_id]),
            "pending_validations": sum(v.status == "pending" for v in validations),
        })
    return {"team": team, "focus": focus or ({"id": focus_link_pk} if focus_link_pk is not None else None)}


def activity_statuses(conn: Connection, learner_id: int, validations) -> list[dict[str, Any]]:
    """The activities the learner has opened or written about, with how far they got."""
    return _statuses(reads.course_links_of(conn, learner_id), reads.links_reflected_on(conn, learner_id), validations)


def _statuses(links: list[dict[str, Any]], reflected: set[int], validations) -> list[dict[str, Any]]:
    by_link = {v.activity.resource_link_pk: v.status for v in reversed(validations)}
    statuses = []
    for link in links:
        if link["id"] in by_link:
            status = {"pending": N_("validation requested"), "validated": N_("validated"),
                      "needs_more_evidence": N_("needs more evidence")}[by_link[link["id"]]]
        else:
            status = N_("reflected") if link["id"] in reflected else N_("not started")
        statuses.append({**link, "status": status})
    return statuses


def mentee_page(conn: Connection, viewer: Viewer, learner_id: int, catalog: TemplateCatalog,
                translate: Translate = english) -> dict[str, Any]:
    """A mentee's records; ``translate`` writes the name of an erased earlier manager (people.shown_name)."""
    viewer.require_mentee(learner_id)
    talks = store.conversations_of(conn, learner_id)
    validations = store.validations_of(conn, learner_id)
    actions = store.actions_of(conn, learner_id)
    who = reads.names(conn, {learner_id, *(c.manager_id for c in talks), *(a.manager_id for a in actions),
                       *(d.manager_id for v in validations for d in v.decisions)}, translate)
    reflection_rows = reads.live_reflections(conn, learner_id)
    titles = reads.links_named(conn, {*(c.activity.resource_link_pk for c in talks),
                                      *(a.activity.resource_link_pk for a in actions),
                                      *(v.activity.resource_link_pk for v in validations),
                                      *(r["resource_link_pk"] for r in reflection_rows)} - {None})
    return {
        "learner": {"id": learner_id, "name": who[learner_id]},
        "activities": activity_statuses(conn, learner_id, validations),
        "reflections": [{**r, "activity": activity_title(r["resource_link_pk"], titles)} for r in reflection_rows],
        "conversations": [conversation_view(c, viewer, catalog, who, titles) for c in talks],
        "open_actions": [action_view(a, who, viewer, titles) for a in actions if a.status == "open"],
        "validations": [{**validation_view(v, who), "activity": activity_title(v.activity.resource_link_pk, titles)}
                        for v in validations],
    }


def mentee_summary(conn: Connection, learner_id: int, resource_link_pk: int | None) -> dict[str, Any]:
    """Who a conversation form is about, with their reflection beside it: the one on the
    launched activity, else their latest (one read, the one mentee_page lists them from)."""
    live = reads.live_reflections(conn, learner_id)
    return {"name": reads.names(conn, {learner_id}).get(learner_id, ""),
            "reflection": next((r for r in live if r["resource_link_pk"] == resource_link_pk), live[0] if live else None)}


def course_page(conn: Connection, viewer: Viewer) -> dict[str, Any]:
    """Course-level progress per activity: counts and averages, no notes of any kind."""
    if not viewer.sees_course(viewer.context_pk):
        raise NotFound("no course in this launch")
    context_pk = viewer.context_pk
    rows = [{"id": a["id"], "title": a["title"], "custom": a["custom"], "followed_title": a["followed_title"],
             "kind": (a["custom"] or {}).get("kind", ""), **a["progress"]}
            for a in reads.course_activity_progress(conn, context_pk)]
    rows += [{"title": p["title"], "custom": p["custom"], "kind": p["custom"].get("kind", ""), "not_opened": True, "reflections": 0,
              "confidence": None, "conversations": 0, "usefulness": None, "pending": 0, "validated": 0,
              "needs_more_evidence": 0} for p in unopened_placements(conn, context_pk)]
    return {**roster_store.roster_summary(conn, context_pk), "activities": rows}


def undo_offer(conn: Connection, viewer: Viewer, record_type: str, record_id: int | None, now: float) -> dict | None:
    """What the page a person lands on after withdrawing offers: "Undo" while they may
    (adapter/domain/withdrawal.py), else nothing."""
    withdrawal = store.withdrawal_of(conn, record_type, record_id) if record_id is not None else None
    if withdrawal is None or not withdrawal.may_be_undone_by(viewer.person_id, now):
        return None
    return {"record_type": record_type, "record_id": record_id, "minutes": UNDO_WINDOW_SECONDS // 60}
