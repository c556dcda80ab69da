"""A small organisation whose measures are worked out by hand, recorded through the real
services (so rows, audit trail and domain events are the genuine ones).

One platform, two courses; manager Maria coaches Ana, Ben and Cai. Report date
2026-06-30. What each record contributes is written beside it; EXPECTED is the total.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Callable

from sqlalchemy import Engine

from adapter.domain.commands import AgreeAction, HoldConversation, WriteReflection
from adapter.domain.relationships import ManagerLink
from adapter.mapping_files import load_templates
from adapter.persistence import people_store
from adapter.persistence.relationships_store import link_manager
from adapter.reports.measures import Facts
from adapter.services import coaching
from adapter.services.platforms import PlatformSpec, register_platform

AS_OF = date(2026, 6, 30)
ISSUER = "https://lms.example.org"

EXPECTED = Facts(
    activity_starts=3,  # Ana/feedback, Ben/feedback, Cai/delegation (Cai's withdrawn one does not count)
    cohort_30=2, applied_30=1,  # Ana validated 19 days after, Ben 52 days after; Cai's is 20 days old
    cohort_60=2, applied_60=2,
    cohort_90=2, applied_90=2,
    conversation_before=2,  # Ana (check-in Jan 10 < Jan 15), Cai (Jun 1 < Jun 10); Ben's came later
    decisions=3, validated=2, decision_hours=((24, 1), (48, 1), (120, 1)),
    planned=2, kept=1,  # Ana's Jan 24 plan kept on Jan 28; Ben's Mar 15 plan not; Cai's not due yet
    commitments_due=2, done_on_time=1,  # Ana's done 2 days early; Ben's still open; Cai's due in July
    conversations=4, rated=2, rating_total=8, rated_useful=1,  # ratings 5 and 3
)
EXPECTED_FEEDBACK_COURSE = Facts(
    activity_starts=2, cohort_30=2, applied_30=1, cohort_60=2, applied_60=2, cohort_90=2, applied_90=2,
    conversation_before=1, decisions=3, validated=2, decision_hours=((24, 1), (48, 1), (120, 1)),
    planned=2, kept=1, commitments_due=2, done_on_time=1, conversations=3, rated=2, rating_total=8, rated_useful=1,
)


def at(day: str, hour: int = 9) -> float:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=timezone.utc).timestamp()


@dataclass
class Organisation:
    platform_id: int
    feedback_course: int
    delegation_course: int
    links: dict[str, int]
    people: dict[str, int]


def _setup(engine: Engine) -> Organisation:
    platform_id = register_platform(engine, PlatformSpec(
        issuer=ISSUER, client_id="client-1", auth_login_url=f"{ISSUER}/auth", key_set_url=f"{ISSUER}/jwks",
        name="Example LMS", deployment_ids=("d1",)), now=at("2026-01-01"))
    now = at("2026-01-01")
    with engine.begin() as conn:
        people = {name: people_store.save_person(conn, platform_id, f"sub-{name}", {
            "name": name.capitalize(), "email": f"{name}@example.org"}, now) for name in ("maria", "ana", "ben", "cai")}
        courses = {cid: people_store.save_context(conn, platform_id, "d1", {"id": cid, "title": title})
                   for cid, title in (("c-feedback", "Giving feedback"), ("c-delegation", "Delegation"))}
        links = {
            "feedback": people_store.save_resource_link(
                conn, platform_id, "d1", {"id": "rl-feedback", "title": "Feedback: apply it"}, courses["c-feedback"],
                {"activity_iri": "https://lms.example.org/activities/feedback"}),
            "feedback-extra": people_store.save_resource_link(
                conn, platform_id, "d1", {"id": "rl-feedback-2", "title": "Feedback: more"}, courses["c-feedback"],
                {"activity_iri": "https://lms.example.org/activities/feedback-2"}),
            "delegation": people_store.save_resource_link(
                conn, platform_id, "d1", {"id": "rl-delegation", "title": "Delegation"}, courses["c-delegation"], {}),
        }
        for learner in ("ana", "ben", "cai"):
            link_manager(conn, ManagerLink(people[learner], people["maria"]), "import", now)
    return Organisation(platform_id, courses["c-feedback"], courses["c-delegation"], links, people)


def seed(engine: Engine, before_records: Callable[[Organisation], None] | None = None) -> Organisation:
    """The organisation, then its records; ``before_records`` sees the platform first
    (to give it an LRS, as an admin would)."""
    org = _setup(engine)
    if before_records is not None:
        before_records(org)
    catalog = load_templates()
    p, links = org.people, org.links

    def viewer(name: str, context_pk: int | None = None, roles=("learner",)):
        with engine.connect() as conn:
            return coaching.load_viewer(conn, p[name], org.platform_id, list(roles), context_pk)

    maria = viewer("maria", roles=("manager",))

    def check_in(learner: str, link: str, held_on: str, next_on: str = "", due: str = "", template: str = "check-in"):
        answers = {"progress": "Tried it", "learned": "It works", "next_focus": "Keep going", "goal": "Lead the retro",
                   "reality": "Nervous", "options": "Practise", "will": "Run it on Friday"}
        actions = (AgreeAction("Ask a peer for feedback", "learner", due),) if due else ()
        return coaching.hold_conversation(engine, maria, catalog.by_key[template], HoldConversation(
            p[learner], held_on=held_on, next_on=next_on, answers=answers, private_notes="Only Maria reads this",
            new_actions=actions, resource_link_pk=links[link]), at(held_on, 17))

    def reflect(learner: str, link: str, day: str):
        return coaching.submit_reflection(engine, viewer(learner), links[link], WriteReflection(
            learned="Be specific", applying="In 1-to-1s", confidence="4"), at(day))

    def ask(learner: str, link: str, day: str, hour: int):
        return coaching.ask_for_validation(engine, viewer(learner), links[link], "I did it", at(day, hour))

    def decide(request_id: int, outcome: str, day: str, hour: int):
        coaching.decide_validation(engine, maria, request_id, outcome, "Show me more" if outcome != "validated" else "",
                                   at(day, hour))

    # Ana: check-in before the activity, reflection, validated in 48 h, action done early, plan kept.
    ana_first = check_in("ana", "feedback", "2026-01-10", next_on="2026-01-24", due="2026-01-20")
    reflect("ana", "feedback", "2026-01-15")
    coaching.set_action_status(engine, viewer("ana"), ana_first.actions[0].id, "done", at("2026-01-18"))
    coaching.rate_conversation(engine, viewer("ana"), ana_first.id, "5", at("2026-01-19"))
    check_in("ana", "feedback", "2026-01-28")
    request = ask("ana", "feedback", "2026-02-01", 9)
    decide(request.id, "validated", "2026-02-03", 9)

    # Ben: reflection (revised later), more evidence asked after 24 h, validated 120 h after asking again.
    reflect("ben", "feedback", "2026-02-01")
    request = ask("ben", "feedback", "2026-02-10", 10)
    decide(request.id, "needs_more_evidence", "2026-02-11", 10)
    coaching_talk = check_in("ben", "feedback", "2026-03-01", next_on="2026-03-15", due="2026-03-10", template="grow")
    coaching.rate_conversation(engine, viewer("ben"), coaching_talk.id, "3", at("2026-03-02"))
    ask("ben", "feedback", "2026-03-20", 10)
    decide(request.id, "validated", "2026-03-25", 10)
    reflect("ben", "feedback", "2026-04-01")

    # Cai: a check-in, then a reflection too recent for any cohort; a withdrawn reflection.
    check_in("cai", "delegation", "2026-06-01", next_on="2026-06-28", due="2026-07-15")
    reflect("cai", "delegation", "2026-06-10")
    withdrawn = reflect("cai", "feedback-extra", "2026-06-12")
    coaching.withdraw(engine, viewer("cai"), "reflection", withdrawn.id, at("2026-06-13"))
    return org
