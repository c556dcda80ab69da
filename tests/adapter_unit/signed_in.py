"""A tool on a fresh SQLite instance with a test client signed in as a learner (a session
without a course, as a launch leaves one), for tests of the pages themselves."""
from __future__ import annotations

import time

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from adapter.config import Settings
from adapter.persistence import people_store
from adapter.persistence.session_store import start_session
from adapter.services.platforms import PlatformSpec, register_platform
from adapter.web import create_app
from adapter.web.auth import SESSION_COOKIE


def signed_in_learner(instance, database_url: str | None = None) -> tuple[Engine, FlaskClient]:
    """On the instance's SQLite file, or on ``database_url``."""
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(instance),
                                        **({"DATABASE_URL": database_url} if database_url else {})}))
    engine = app.extensions["coachbridge"].engine
    platform_id = register_platform(engine, PlatformSpec(issuer="https://lms.example.org", client_id="c",
                                                         auth_login_url="https://lms.example.org/a",
                                                         key_set_url="https://lms.example.org/k"))
    return engine, another_learner(app, platform_id, "u1", "Una")


def another_learner(app: Flask, platform_id: int, sub: str, name: str) -> FlaskClient:
    """A test client signed in as a new learner of the platform, in the same app."""
    with app.extensions["coachbridge"].engine.begin() as conn:
        person_id = people_store.save_person(conn, platform_id, sub, {"name": name}, time.time())
        token, _ = start_session(conn, now=time.time(), lifetime=600, person_id=person_id, platform_id=platform_id,
                                 context_pk=None, resource_link_pk=None, app_role="learner", app_roles=["learner"],
                                 launch={})
    client = app.test_client()
    client.set_cookie(SESSION_COOKIE, token, domain="localhost")
    return client


def two_learners(instance) -> tuple[Flask, FlaskClient, FlaskClient]:
    """The app and two test clients, each signed in as a learner of the same platform."""
    engine, first = signed_in_learner(instance)
    with engine.connect() as conn:
        platform_id = conn.exec_driver_sql("SELECT id FROM platforms").scalar()
    return first.application, first, another_learner(first.application, platform_id, "u2", "Dana")
