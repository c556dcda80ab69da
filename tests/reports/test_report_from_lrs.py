"""`coachbridge report --from-lrs` gives the database's numbers from the statements alone.

The seeded records' statements (as the bridge builds them: revisions and withdrawals
void earlier ones) go to a real LRS (ralph); the report then reads nothing but that LRS.
"""
from __future__ import annotations

import json

import pytest

from adapter.cli import main
from adapter.domain.measures import total
from adapter.mapping_files import load_templates  # noqa: F401  (templates load before the handler is on)
from adapter.services import event_handlers
from adapter.services.lrs_measures import StatementReading
from xapi.lrs_client import BasicAuth, LrsClient, LrsConfig
from xapi.mapping import load_mapping
from xapi.outcomes import Stored

from .bridge_statements import StatementRecorder
from .seeded import AS_OF, EXPECTED, seed

pytestmark = pytest.mark.slow


@pytest.fixture
def statements(engine):
    recorder = StatementRecorder()
    event_handlers.register(recorder)
    try:
        seed(engine)
    finally:
        event_handlers.unregister(recorder)
    return recorder.statements


def test_the_statements_alone_give_the_hand_worked_facts(statements):
    by_course = StatementReading(load_mapping()).facts_by_course(statements, AS_OF)
    assert total(by_course.values()) == EXPECTED


def _report(capsys, *args: str) -> dict:
    assert main(["report", "--as-of", AS_OF.isoformat(), "--json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_report_from_the_lrs_equals_report_from_the_database(statements, database_url, ralph, monkeypatch, capsys):
    client = LrsClient(LrsConfig(name="ralph", endpoint=ralph.endpoint, auth=BasicAuth(*ralph.auth), read_timeout=30))
    assert isinstance(client.post_statements(statements), Stored)
    assert any(s["verb"]["id"].endswith("/voided") for s in statements)  # revisions and a withdrawal

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("COACHBRIDGE_LRS_PASSWORD", ralph.password)
    from_database = _report(capsys)
    from_lrs = _report(capsys, "--from-lrs", ralph.endpoint, "--username", ralph.username)
    assert from_lrs == from_database
    assert from_database["facts"]["activity_starts"] == EXPECTED.activity_starts
