"""session_store.load_session reads the session as SQL text on the driver: the same WebSession
as SQLAlchemy's own reading of the row, on SQLite and on PostgreSQL."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import String, select

from adapter.persistence.database import make_engine, upgrade
from adapter.persistence.session_store import (
    WebSession, load_session, remember_locale, start_session, token_hash,
)
from adapter.persistence.tables import web_sessions

LAUNCHES = [
    {},
    {"context": {"title": "Équipe « Nord » – 2026", "id": "c\\1\"\n"}, "custom": {"template": "grow"}},
    {"launch_presentation": {"locale": "fr-FR"}, "signed_in_by": 7, "session_in_urls": True, "n": [1, 2.5, None]},
    {"emoji": "\U0001F600", "nul": "a\u0000b", "line": "\u2028"},
]


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def _as_sqlalchemy_reads_it(engine, token: str) -> WebSession:
    with engine.connect() as conn:
        row = conn.execute(select(web_sessions).where(web_sessions.c.token_hash == token_hash(token))).mappings().one()
    return WebSession(**{k: row[k] for k in WebSession.__dataclass_fields__})


@pytest.mark.parametrize("launch", LAUNCHES)
def test_a_session_is_loaded_as_it_was_started(engine, launch):
    now = time.time()
    with engine.begin() as conn:
        token, started = start_session(conn, now=now, lifetime=600, person_id=None, platform_id=None,
                                       context_pk=None, resource_link_pk=None, app_role="learner",
                                       app_roles=["learner", "manager"], launch=launch)
    loaded = load_session(engine, token, now + 1)
    assert loaded == started == _as_sqlalchemy_reads_it(engine, token)
    with engine.begin() as conn:
        remember_locale(conn, token, loaded, "de-DE")  # written through SQLAlchemy's JSON type
    assert load_session(engine, token, now + 1) == _as_sqlalchemy_reads_it(engine, token)
    assert load_session(engine, token, now + 1).launch == {**launch, "chosen_locale": "de-DE"}


def test_an_expired_or_unknown_session_is_none(engine):
    now = time.time()
    with engine.begin() as conn:
        token, _ = start_session(conn, now=now, lifetime=600, person_id=None, platform_id=None, context_pk=None,
                                 resource_link_pk=None, app_role="admin", app_roles=["admin"], launch={})
    assert load_session(engine, token, now + 599) is not None
    assert load_session(engine, token, now + 600) is None
    assert load_session(engine, token + "x", now) is None


def test_the_roles_are_stored_as_json_dumps_writes_each_list(engine):
    """start_session keeps each roles list's JSON text (session_store._roles_json): every
    session stores its own list's, in the same text, whichever lists came before."""
    now = time.time()
    lists = [["learner"], ["admin", "learner"], ["learner"], [], ["manager", "instructor", "learner"],
             ["admin", "learner"], ["learner", "admin"], ["learner"]]
    for app_roles in lists:
        with engine.begin() as conn:
            token, _ = start_session(conn, now=now, lifetime=600, person_id=None, platform_id=None,
                                     context_pk=None, resource_link_pk=None, app_role="learner",
                                     app_roles=app_roles, launch={})
        with engine.connect() as conn:
            stored = conn.execute(select(web_sessions.c.app_roles.cast(String))
                                  .where(web_sessions.c.token_hash == token_hash(token))).scalar_one()
        assert stored == json.dumps(app_roles)
        assert load_session(engine, token, now + 1).app_roles == app_roles
