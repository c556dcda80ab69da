"""Every entry point builds the same parts (adapter/bootstrap.py): a record saved through
the services queues its statements and scores even where Flask was never imported."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from adapter.bootstrap import handler_table
from adapter.config import Settings
from adapter.services import event_handlers
from xapi.events import EventKind
from xapi.mapping import load_mapping

ROOT = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter: the services and the world of tests/xapi_bridge, no web app.
SAVE_RECORDS = """
import json, sys
from sqlalchemy import func, select
from adapter.bootstrap import bootstrap
from adapter.persistence import people_store
from adapter.persistence.tables import outbox
from tests.xapi_bridge.world import new_world

engine = bootstrap().engine
world = new_world(engine)
with engine.begin() as conn:  # the LMS offered a gradebook column for the link
    people_store.save_resource_link(conn, world.platform_id, "dep-1", {"id": "rl-1", "title": "Giving feedback"},
                                    world.context_pk, {}, lineitem_url="https://lms.example.org/lineitems/1")
world.add_lrs("company-lrs", "https://lrs.example.org/xapi/")
world.reflect()
world.ask_validation()
with engine.connect() as conn:
    queued = dict(conn.execute(select(outbox.c.channel, func.count()).group_by(outbox.c.channel)).all())
print(json.dumps({"flask_imported": "flask" in sys.modules, "queued": queued}))
"""


def test_a_process_without_flask_queues_statements_and_scores(database_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url, "COACHBRIDGE_INSTANCE": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", SAVE_RECORDS], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["flask_imported"] is False
    assert result["queued"] == {"xapi": 2, "ags": 1}  # reflection + validation request; one score


def test_saving_on_a_database_never_bootstrapped_is_refused():
    engine = create_engine("sqlite://")
    with engine.connect() as conn, pytest.raises(event_handlers.NotBootstrapped):
        event_handlers.publish(conn, [object()])  # type: ignore[list-item]


def test_every_kind_of_event_has_its_handlers(tmp_path):
    """A new kind of event must be placed in the table (publishing one that is not fails)."""
    table = handler_table(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path)}), load_mapping())
    assert set(table) == set(EventKind)
    assert all(handlers for handlers in table.values())
