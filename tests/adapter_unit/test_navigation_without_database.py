"""The navigation asks the database who manages whom; when that fails, the error page
still renders (with the launch's own sections) instead of a bare server error."""
from __future__ import annotations

import time

from sqlalchemy import text

from adapter.config import Settings
from adapter.persistence import people_store
from adapter.persistence.session_store import start_session
from adapter.services.platforms import PlatformSpec, register_platform
from adapter.web import create_app
from adapter.web.auth import SESSION_COOKIE


def test_a_page_whose_queries_fail_still_gets_the_tools_error_page(tmp_path):
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path)}))
    engine = app.extensions["coachbridge"].engine
    platform_id = register_platform(engine, PlatformSpec(issuer="https://lms.example.org", client_id="c",
                                                         auth_login_url="https://lms.example.org/a",
                                                         key_set_url="https://lms.example.org/k"))
    with engine.begin() as conn:
        person_id = people_store.save_person(conn, platform_id, "u1", {"name": "Una"}, time.time())
        token, _ = start_session(conn, now=time.time(), lifetime=600, person_id=person_id, platform_id=platform_id,
                                 context_pk=None, resource_link_pk=None, app_role="learner", app_roles=["learner"],
                                 launch={})
    client = app.test_client()
    client.set_cookie(SESSION_COOKIE, token, domain="localhost")
    assert b"Your activity" in client.get("/learner/", base_url="https://localhost").data
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE manager_nominations"))  # what the page and the navigation both read
    page = client.get("/learner/", base_url="https://localhost")
    assert page.status_code == 500
    assert b"Something went wrong on our side" in page.data and b"Your activity" in page.data
