"""One tool app on a fresh database for a module, with a valid session of each kind."""
from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient

from adapter.config import Settings
from adapter.domain.relationships import ManagerLink
from adapter.persistence import people_store, scim_store
from adapter.persistence.relationships_store import link_manager
from adapter.persistence.session_store import create_session, load_session
from adapter.services.admin_access import issue_admin_link, redeem_admin_link
from adapter.services.platforms import PlatformSpec, register_platform
from adapter.web import create_app
from adapter.web.auth import SESSION_COOKIE

ROLES = ("learner", "manager", "instructor", "admin")


@dataclass
class World:
    app: Flask
    platform_id: int
    ids: dict[str, int]  # person ids by role
    sessions: dict[str, str | None]  # session tokens: the ROLES, "operator" (CLI link) and "nobody"
    scim_token: str  # an identity provider's bearer token for the platform (the SCIM routes)

    @property
    def engine(self):
        return self.app.extensions["coachbridge"].engine

    def client(self, role: str) -> FlaskClient:
        client = self.app.test_client()
        if role == "scim":
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {self.scim_token}"
        elif self.sessions[role]:
            client.set_cookie(SESSION_COOKIE, self.sessions[role], domain="localhost")
        return client

    def csrf(self, role: str) -> str:
        token = self.sessions.get(role)
        session = load_session(self.engine, token, time.time()) if token else None
        return session.csrf_token if session else ""

    def post(self, role: str, path: str, data: dict):
        return self.client(role).post(path, data={**data, "csrf_token": self.csrf(role)})


@pytest.fixture(scope="module")
def world(tmp_path_factory, postgres):
    instance = tmp_path_factory.mktemp("hostile")
    environ = {"COACHBRIDGE_INSTANCE": str(instance)}
    if postgres:
        environ["DATABASE_URL"] = postgres.new_database()
    app = create_app(Settings.from_env(environ))
    engine = app.extensions["coachbridge"].engine
    platform_id = register_platform(engine, PlatformSpec(
        issuer="https://lms.example.org", client_id="c1", auth_login_url="https://lms.example.org/auth",
        key_set_url="https://lms.example.org/jwks", deployment_ids=("d1",)))
    now = time.time()
    sessions = {}
    with engine.begin() as conn:
        context_pk = people_store.save_context(conn, platform_id, "d1", {"id": "course-1", "title": "Course"})
        link_pk = people_store.save_resource_link(conn, platform_id, "d1", {"id": "rl-1", "title": "Activity"},
                                                  context_pk, {})
        ids = {role: people_store.save_person(conn, platform_id, f"{role}-sub",
                                              {"name": role.title(), "email": f"{role}@example.org"}, now)
               for role in ROLES}
        link_manager(conn, ManagerLink(ids["learner"], ids["manager"]), "import", now)
        for role, person in ids.items():
            sessions[role] = create_session(
                conn, now=now, lifetime=3600, person_id=person, platform_id=platform_id, context_pk=context_pk,
                resource_link_pk=link_pk, app_role=role, app_roles=[role],
                launch={"message_type": "LtiResourceLinkRequest", "context": {"id": "course-1"}})
    sessions["operator"] = redeem_admin_link(engine, issue_admin_link(engine, now), now, 3600)
    sessions["nobody"] = None
    with engine.begin() as conn:
        scim_token = scim_store.create_token(conn, platform_id, now)[1]
    world = World(app, platform_id, ids, sessions, scim_token)
    asked = world.post("learner", "/learner/validation", {"evidence": "Ran the retrospective myself"})
    assert asked.status_code == 303, asked.get_data(as_text=True)
    return world


