"""A platform with a learner, their manager, a course and a linked learning activity,
written as launches would write them, plus an LRS endpoint: records are then made through
the service layer (adapter.services.coaching), exactly as the pages make them."""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from sqlalchemy import Engine, select

from adapter.domain.authorization import Viewer
from adapter.domain.commands import AgreeAction, HoldConversation, WriteReflection
from adapter.domain.relationships import ManagerLink
from adapter.mapping_files import load_templates
from adapter.persistence import lrs_store, people_store, relationships_store
from adapter.persistence.tables import outbox, outbox_payloads
from adapter.services import coaching
from adapter.services.platforms import PlatformSpec, register_platform

ACTIVITY_IRI = "https://lms.example.org/activities/giving-feedback"
_serial = itertools.count(1)


@dataclass
class World:
    engine: Engine
    platform_id: int
    issuer: str
    learner_id: int
    manager_id: int
    context_pk: int
    link_pk: int
    learner_sub: str
    manager_sub: str

    def viewer(self, person_id: int, roles: list[str]) -> Viewer:
        with self.engine.connect() as conn:
            return coaching.load_viewer(conn, person_id, self.platform_id, roles, self.context_pk)

    def viewer_name(self, who: str) -> str:
        n = self.learner_sub.removeprefix("learner-")
        return {"learner": f"Lena {n}", "manager": f"Max {n}"}[who]

    @property
    def learner(self) -> Viewer:
        return self.viewer(self.learner_id, ["learner"])

    @property
    def manager(self) -> Viewer:
        return self.viewer(self.manager_id, ["manager"])

    def add_lrs(self, name: str, endpoint: str, auth: tuple[str, str] | None = None, version: str = "1.0.3",
                set_by_operator: bool = True) -> int:
        """An LRS endpoint; by default the tool operator's (the tests' LRSs listen on 127.0.0.1,
        which a platform admin's endpoint is not delivered to unless private addresses are allowed)."""
        settings = {"platform_id": self.platform_id, "endpoint": endpoint, "auth_kind": "basic" if auth else "none",
                    "username": auth[0] if auth else "", "token_url": "", "client_id": "", "scope": "",
                    "xapi_version": version, "batch_size": 100}
        with self.engine.begin() as conn:
            return lrs_store.add_endpoint(conn, name, settings, auth[1] if auth else "", time.time(), set_by_operator)

    def set_privacy(self, privacy) -> None:
        with self.engine.begin() as conn:
            lrs_store.save_privacy(conn, self.platform_id, privacy, time.time())

    # --- records, through the service layer -------------------------------------------------
    def reflect(self, now: float | None = None, **fields):
        return coaching.submit_reflection(self.engine, self.learner, self.link_pk, WriteReflection(**{
            "learned": "Specific feedback lands", "applying": "SBI in my next 1-to-1", "confidence": "4", **fields}),
            time.time() if now is None else now)

    def check_in(self, private_notes: str, shared_notes: str = "Good progress"):
        return coaching.hold_conversation(self.engine, self.manager, load_templates().get("check-in"), HoldConversation(
            self.learner_id, held_on="2026-11-20", next_on="2026-12-04",
            answers={"progress": "Gave SBI feedback twice", "learned": "Timing matters", "next_focus": "Peers"},
            shared_notes=shared_notes, private_notes=private_notes,
            new_actions=(AgreeAction("Ask a peer for feedback", "learner", "2026-12-01"),),
            resource_link_pk=self.link_pk), time.time())

    def conversation(self, template_key: str, held_on: str, now: float | None = None):
        """A conversation of any template, every question answered, one action agreed."""
        template = load_templates().get(template_key)
        answers = {field.name: f"{field.name} answered" for field in template.fields}
        return coaching.hold_conversation(self.engine, self.manager, template, HoldConversation(
            self.learner_id, held_on=held_on, answers=answers, shared_notes="Shared",
            new_actions=(AgreeAction(f"Try it ({template_key})", "learner"),), resource_link_pk=self.link_pk),
            time.time() if now is None else now)

    def rate(self, conversation_id: int, rating: str, now: float | None = None):
        return coaching.rate_conversation(self.engine, self.learner, conversation_id, rating,
                                          time.time() if now is None else now)

    def set_status(self, action_id: int, status: str, now: float | None = None) -> None:
        coaching.set_action_status(self.engine, self.learner, action_id, status, time.time() if now is None else now)

    def ask_validation(self, evidence: str = "I gave SBI feedback to Joe after the client call.",
                       now: float | None = None):
        return coaching.ask_for_validation(self.engine, self.learner, self.link_pk, evidence,
                                           time.time() if now is None else now)

    def decide(self, request_id: int, outcome: str, feedback: str = "Seen it in the review.",
               now: float | None = None):
        return coaching.decide_validation(self.engine, self.manager, request_id, outcome, feedback,
                                          time.time() if now is None else now)

    def withdraw(self, record_type: str, record_id: int, now: float | None = None) -> None:
        coaching.withdraw(self.engine, self.learner, record_type, record_id, time.time() if now is None else now)

    def withdraw_conversation(self, conversation_id: int, now: float | None = None) -> None:
        coaching.withdraw_conversation(self.engine, self.manager, conversation_id,
                                       time.time() if now is None else now)

    def outbox_rows(self, target: str) -> list[dict]:
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(
                select(outbox, outbox_payloads.c.payload).join(outbox_payloads, outbox_payloads.c.id == outbox.c.id)
                .where(outbox.c.channel == "xapi", outbox.c.target == target)
                .order_by(outbox.c.id)).mappings()]


def new_world(engine: Engine, learner_email: str | None = None) -> World:
    n = next(_serial)
    issuer = f"https://lms-{n}.example.org"
    platform_id = register_platform(engine, PlatformSpec(
        issuer=issuer, client_id="coachbridge", auth_login_url=f"{issuer}/auth", key_set_url=f"{issuer}/jwks",
        name=f"LMS {n}", deployment_ids=("dep-1",)))
    now = time.time()
    learner_sub, manager_sub = f"learner-{n}", f"manager-{n}"
    with engine.begin() as conn:
        learner_id = people_store.save_person(conn, platform_id, learner_sub,
                                              {"name": f"Lena {n}", "email": learner_email or f"lena{n}@example.org"},
                                              now)
        manager_id = people_store.save_person(conn, platform_id, manager_sub,
                                              {"name": f"Max {n}", "email": f"max{n}@example.org"}, now)
        context_pk = people_store.save_context(conn, platform_id, "dep-1",
                                               {"id": "course-1", "title": "Coaching 101", "label": "C101"})
        link_pk = people_store.save_resource_link(conn, platform_id, "dep-1",
                                                  {"id": "rl-1", "title": "Giving feedback"}, context_pk,
                                                  {"activity_iri": ACTIVITY_IRI})
        relationships_store.link_manager(conn, ManagerLink(learner_id, manager_id), "import", now)
    return World(engine, platform_id, issuer, learner_id, manager_id, context_pk, link_pk, learner_sub, manager_sub)
