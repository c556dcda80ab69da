"""Mail tests: a fresh database and app per test, a small team recorded through the real
services, and a real SMTP server (aiosmtpd) to receive what the tool sends."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

from adapter.config import Settings
from adapter.demo.mail import SmtpServer
from adapter.domain.commands import AgreeAction, HoldConversation
from adapter.domain.relationships import ManagerLink
from adapter.mapping_files import load_templates
from adapter.persistence import mail_store, people_store
from adapter.persistence.relationships_store import link_manager
from adapter.services import coaching
from adapter.services.mail_delivery import MailDelivery
from adapter.services.platforms import PlatformSpec, register_platform
from adapter.web import create_app
from xapi.backoff import RetryPolicy

PUBLIC_URL = "https://coachbridge.test"
ACTIVITY_URL = "https://lms.example.org/course/7/activity/12"


def today() -> date:
    """Read when a test runs, not when the module is imported: a run that crosses midnight
    would otherwise date its records a day before the code's "today"."""
    return date.today()


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@dataclass
class Team:
    app: object
    engine: Engine
    people: dict[str, int]
    link: int
    platform_id: int

    def viewer(self, name: str, roles=("learner",)):
        with self.engine.connect() as conn:
            return coaching.load_viewer(conn, self.people[name], self.platform_id, list(roles), None)

    def ask_validation(self, evidence: str = "Ran the retro with SBI"):
        return coaching.ask_for_validation(self.engine, self.viewer("ana"), self.link, evidence, time.time())

    def decide(self, request_id: int, outcome: str = "needs_more_evidence", feedback: str = "Tell me what changed"):
        coaching.decide_validation(self.engine, self.viewer("maria", ("manager",)), request_id, outcome, feedback,
                                   time.time())

    def check_in(self, next_on: date | None = None, due_on: date | None = None, held_on: date | None = None):
        held_on = held_on or today()
        actions = (AgreeAction("Ask a peer for feedback", "learner", due_on.isoformat()),) if due_on else ()
        return coaching.hold_conversation(self.engine, self.viewer("maria", ("manager",)),
                                          load_templates().by_key["check-in"], HoldConversation(
                                              self.people["ana"], held_on=held_on.isoformat(),
                                              next_on=next_on.isoformat() if next_on else "",
                                              answers={"progress": "Tried it", "learned": "It works",
                                                       "next_focus": "Keep going"},
                                              shared_notes="Good progress", private_notes="SECRET-PRIVATE-NOTE",
                                              new_actions=actions, resource_link_pk=self.link), time.time())

    def delivery(self, **kw) -> MailDelivery:
        return MailDelivery(self.engine, None, policy=RetryPolicy(base=0.01, cap=0.02), **kw)

    def drain(self, **kw) -> int:
        job, total = self.delivery(**kw), 0
        while settled := job.run_once():
            total += settled
        return total


def configure_mail(engine: Engine, port: int, **overrides) -> None:
    values = {"host": "127.0.0.1", "port": port, "security": "none", "username": "",
              "from_address": "coaching@example.org", "daily_cap": 10, **overrides}
    with engine.begin() as conn:
        mail_store.save_settings(conn, values, None, None, time.time())


@pytest.fixture
def team(request, database_url, tmp_path, smtp) -> Team:
    """``indirect`` parametrizing adds settings (the pseudo-locales, say)."""
    app = create_app(Settings.from_env({"DATABASE_URL": database_url, "COACHBRIDGE_INSTANCE": str(tmp_path),
                                        "COACHBRIDGE_PUBLIC_URL": PUBLIC_URL, **getattr(request, "param", {})}))
    engine = app.extensions["coachbridge"].engine
    now = time.time()
    platform_id = register_platform(engine, PlatformSpec(
        issuer="https://lms.example.org", client_id="c1", auth_login_url="https://lms.example.org/auth",
        key_set_url="https://lms.example.org/jwks", deployment_ids=("d1",)), now=now)
    with engine.begin() as conn:
        people = {name: people_store.save_person(conn, platform_id, f"sub-{name}", {
            "name": name.capitalize(), "email": f"{name}@example.org"}, now) for name in ("maria", "ana")}
        course = people_store.save_context(conn, platform_id, "d1", {"id": "c7", "title": "Feedback"})
        people_store.save_membership(conn, course, people["ana"], ["learner"], [], now)
        link = people_store.save_resource_link(conn, platform_id, "d1", {"id": "rl-12", "title": "Giving feedback"},
                                               course, {})
        mail_store.save_activity_url(conn, link, ACTIVITY_URL, now)
        link_manager(conn, ManagerLink(people["ana"], people["maria"]), "import", now)
    configure_mail(engine, smtp.port)
    return Team(app, engine, people, link, platform_id)


def in_days(n: int) -> date:
    return today() + timedelta(days=n)
