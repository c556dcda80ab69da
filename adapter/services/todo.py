"""The to-do lists: what a manager should do next, and what is waiting for a learner.

Each item says what it is about, since when or by when, and where to do it (``target``:
an endpoint and its values, so the page renders one link or button per item).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine

from adapter.domain.authorization import NotFound, Viewer
from adapter.domain.due import (
    CheckInPlan, action_due_this_week, check_cadence, check_in_due_on, check_in_state, end_of_week,
)
from adapter.domain.people import shown_name
from adapter.domain.rules import named
from adapter.domain.source_text import Translate, english
from adapter.persistence import coaching_store, due_queries
from adapter.persistence.coaching_reads import links_named, names
from adapter.persistence.people_store import context_of_link, current_mentees
from adapter.persistence.session_store import move_session

from .coaching_views import activity_statuses


def manager_todo(conn: Connection, viewer: Viewer, today: date, now: float) -> dict[str, Any]:
    team = {m["id"]: shown_name(m["name"], m["email"], m["sub"]) for m in current_mentees(conn, viewer.person_id)}
    cadence = due_queries.cadence_of(conn, viewer.person_id)
    pending = due_queries.pending_validations(conn, team)
    named = links_named(conn, {v["resource_link_pk"] for v in pending} - {None})  # pages name them with activity_name
    validations = [{**v, "learner": team[v["learner_id"]], "waited": now - v["asked_at"],  # seconds: the page words it
                    "activity": named.get(v["resource_link_pk"])} for v in pending]
    latest = due_queries.latest_conversations(conn, team)
    by_course = {} if cadence else due_queries.course_cadences(conn, team)
    check_ins = []
    for learner_id, name in team.items():
        due_on = check_in_due_on(latest.get(learner_id, CheckInPlan(learner_id, None, None)),
                                 cadence or by_course.get(learner_id))
        state = check_in_state(due_on, today)
        if state:
            check_ins.append({"learner_id": learner_id, "learner": name, "due_on": due_on, "state": state})
    check_ins.sort(key=lambda item: item["due_on"])
    actions = [{**a, "learner": team[a["learner_id"]]}
               for a in due_queries.open_actions_due_by(conn, team, end_of_week(today))]
    never_talked = [{"learner_id": learner_id, "learner": team[learner_id]}
                    for learner_id in due_queries.reflected_without_talking(conn, viewer.person_id, team)]
    never_talked.sort(key=lambda item: item["learner"])
    return {"validations": validations, "check_ins": check_ins, "actions": actions, "never_talked": never_talked,
            "cadence_weeks": cadence // 7 if cadence else None, "team_size": len(team), "today": today}


def learner_todo(conn: Connection, viewer: Viewer, today: date, translate: Translate = english) -> dict[str, Any]:
    """What waits for the learner; ``translate`` writes the name of an erased manager (people.shown_name)."""
    me = viewer.person_id
    validations = coaching_store.validations_of(conn, me)
    activities = activity_statuses(conn, me, validations)
    titles = {a["id"]: a for a in activities}
    latest_by_link: dict[int | None, Any] = {}
    for v in validations:  # newest first: the first per activity is its current request
        latest_by_link.setdefault(v.activity.resource_link_pk, v)
    more_evidence = [{"id": v.id, "resource_link_pk": link, "activity": titles.get(link, {"id": link}),
                      "feedback": v.last_decision.feedback if v.last_decision else ""}
                     for link, v in latest_by_link.items() if v.status == "needs_more_evidence"]
    actions = [a for a in coaching_store.actions_of(conn, me, open_only=True) 
               if a.owner == "learner" and action_due_this_week(a.due_on, today)]
    to_rate = due_queries.unrated_conversations(conn, me)
    who = names(conn, {c["manager_id"] for c in to_rate}, translate)
    return {
        "activities": activities,
        "more_evidence": more_evidence,
        "actions": [{"id": a.id, "description": a.description, "due_on": a.due_on, "overdue": a.due_on < today}
                    for a in actions],
        "to_rate": [{**c, "manager": who.get(c["manager_id"], "")} for c in to_rate],  # "": the page says "your manager"
        "today": today,
    }


def set_cadence(engine: Engine, viewer: Viewer, weeks: str, now: float) -> None:
    """The manager's check-in rhythm for their team (empty: none)."""
    every_days = named("weeks", check_cadence, weeks)
    with engine.begin() as conn:
        due_queries.set_cadence(conn, viewer.person_id, every_days, now)


def open_activity(engine: Engine, viewer: Viewer, session_token: str, resource_link_pk: int) -> None:
    """Point the learner's session at another of their activities (one in a course they
    belong to), so its page and forms are about that activity."""
    with engine.begin() as conn:
        link = next((a for a in activity_statuses(conn, viewer.person_id, []) if a["id"] == resource_link_pk), None)
        if link is None:
            raise NotFound("not one of your activities")
        move_session(conn, session_token, resource_link_pk, context_of_link(conn, resource_link_pk))
