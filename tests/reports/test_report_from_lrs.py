"""`coachbridge report --from-lrs` gives the database's numbers from the statements alone.

The seeded records are made through the services of a running app whose platform has a
real LRS (ralph) configured, as an admin would configure it; the app's xAPI bridge writes
their statements to the outbox in each record's transaction (revisions and withdrawals
void earlier ones) and the delivery worker sends them. The report then reads nothing but
that LRS.
"""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from adapter.cli import main
from adapter.config import Settings
from adapter.persistence import lrs_store
from adapter.persistence.tables import outbox
from adapter.reports.from_lrs import StatementReading
from adapter.reports.measures import total
from adapter.web import create_app
from adapter.worker import default_jobs, drain
from xapi.lrs_client import BasicAuth, LrsConfig
from xapi.mapping import load_mapping
from xapi.statement_reader import StatementReader

from .seeded import AS_OF, EXPECTED, seed

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def delivered(postgres, ralph, tmp_path_factory):
    """The seeded organisation, its statements delivered to ralph by the worker; the
    database's URL (one database for the module: ralph keeps what it was sent)."""
    instance = tmp_path_factory.mktemp("reports-instance")
    database_url = postgres.new_database() if postgres else f"sqlite:///{instance / 'tool.db'}"
    app = create_app(Settings.from_env({"DATABASE_URL": database_url, "COACHBRIDGE_INSTANCE": str(instance)}))
    engine = app.extensions["coachbridge"].engine
    cipher = app.extensions["coachbridge"].cipher

    def give_it_ralph(org) -> None:
        settings = {"platform_id": org.platform_id, "endpoint": ralph.endpoint, "auth_kind": "basic",
                    "username": ralph.username, "token_url": "", "client_id": "", "scope": "",
                    "xapi_version": "1.0.3", "batch_size": 100}
        with engine.begin() as conn:
            lrs_store.add_endpoint(conn, "ralph", settings, lrs_store.seal(ralph.password, cipher), time.time())

    seed(engine, before_records=give_it_ralph)
    assert drain(default_jobs(engine, cipher, allow_private_addresses=True)) > 0  # ralph is on 127.0.0.1
    with engine.connect() as conn:
        statuses = set(conn.execute(select(outbox.c.status).where(outbox.c.channel == "xapi")).scalars())
    assert statuses == {"delivered"}
    statements = StatementReader(_ralph_config(ralph), load_mapping().voiding_verb.id).all_statements()
    assert any(s["verb"]["id"].endswith("/voided") for s in statements)  # revisions and a withdrawal
    yield database_url
    engine.dispose()


def _ralph_config(ralph) -> LrsConfig:
    return LrsConfig(name="ralph", endpoint=ralph.endpoint, auth=BasicAuth(*ralph.auth), read_timeout=30)


def test_the_statements_alone_give_the_hand_worked_facts(delivered, ralph):
    statements = StatementReader(_ralph_config(ralph), load_mapping().voiding_verb.id).all_statements()
    by_course = StatementReading(load_mapping()).facts_by_course(statements, AS_OF)
    assert total(by_course.values()) == EXPECTED


def _report(capsys, *args: str) -> dict:
    assert main(["report", "--as-of", AS_OF.isoformat(), "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_report_from_the_lrs_equals_report_from_the_database(delivered, ralph, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", delivered)
    monkeypatch.setenv("COACHBRIDGE_LRS_PASSWORD", ralph.password)
    from_database = _report(capsys)
    from_lrs = _report(capsys, "--from-lrs", ralph.endpoint, "--username", ralph.username)
    assert from_lrs == from_database
    assert from_database["facts"]["activity_starts"] == EXPECTED.activity_starts


@pytest.mark.parametrize("by", ["manager", "month"])
def test_report_by_manager_and_by_month_from_the_lrs_equals_the_databases(delivered, ralph, monkeypatch, capsys, by):
    monkeypatch.setenv("DATABASE_URL", delivered)
    monkeypatch.setenv("COACHBRIDGE_LRS_PASSWORD", ralph.password)
    from_database = _report(capsys, "--by", by)
    from_lrs = _report(capsys, "--by", by, "--from-lrs", ralph.endpoint, "--username", ralph.username)
    assert from_lrs == from_database
    groups = from_database["groups"]
    if by == "manager":
        assert list(groups) == ["Maria"] and groups["Maria"]["activity_starts"] == EXPECTED.activity_starts
    else:  # each record in its own date's month: Ana's and Ben's from January, Cai's action due in July
        assert list(groups)[0] == "2026-01" and list(groups)[-1] == "2026-07" and len(groups) > 3
        assert sum(g["conversations"] for g in groups.values()) == EXPECTED.conversations
