"""Every kind of statement the builder produces, against a real LRS (ralph, started by
the tests): accepted and stored, valid for ralph's strict 1.0.3 model, clean by our own
checks, and readable by TinCanPython. Also ralph's real duplicate / 409 / 422 answers
through our client and the delivery loop."""

from __future__ import annotations

import copy
import json
import uuid

import pytest
import requests
import tincan
from ralph.models.xapi.base.statements import BaseXapiStatement

from xapi.agents import IdentityFormat, PrivacySettings
from xapi.backoff import RetryPolicy
from xapi.delivery import Deliverer
from xapi.lrs_sender import LrsSender
from xapi.lrs_client import BasicAuth, LrsClient, LrsConfig
from xapi.outcomes import Conflict, Rejected, Stored
from xapi.statements import BuildSettings, build_statements
from .xapi_checks import statement_problems
from .xapi_memory_outbox import MemoryOutbox
from .xapi_samples import every_event

VARIANTS = {
    "account": PrivacySettings(IdentityFormat.ACCOUNT, share_free_text=True),
    "mbox": PrivacySettings(IdentityFormat.MBOX, share_free_text=True),
    "mbox_sha1sum": PrivacySettings(IdentityFormat.MBOX_SHA1SUM, share_free_text=False),
}


def statements_for(mapping, privacy, prefix=""):
    settings = BuildSettings("https://coach.acme.org/xapi/activities", privacy=privacy)
    return [s for event in every_event(prefix) for s in build_statements(event, settings, mapping)]


def client_for(ralph, name="ralph", version="1.0.3") -> LrsClient:
    return LrsClient(LrsConfig(name=name, endpoint=ralph.endpoint, auth=BasicAuth(*ralph.auth), read_timeout=30,
                               xapi_version=version))


def read_back(ralph, statements):
    """The statements ralph returns for these ids, without the properties it adds."""
    found = []
    for statement in statements:
        response = requests.get(
            ralph.endpoint + "statements",
            params={"statementId": statement["id"]},
            auth=ralph.auth,
            headers={"X-Experience-API-Version": "1.0.3"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        # xAPI answers a statementId query with the statement; ralph wraps it in a result
        for stored in body.get("statements", [body]):
            found.append({k: v for k, v in stored.items() if k not in ("stored", "authority")})
    return found


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_statement_is_accepted_stored_valid_and_parseable(ralph, mapping, variant):
    statements = statements_for(mapping, VARIANTS[variant], prefix=f"{variant}-")
    kinds = {s["verb"]["id"] for s in statements}
    assert "http://adlnet.gov/expapi/verbs/voided" in kinds and len(kinds) >= 6
    for statement in statements:
        assert statement_problems(statement) == [], statement
        BaseXapiStatement.model_validate(statement)
        parsed = tincan.Statement.from_json(json.dumps(statement))
        assert str(parsed.id) == statement["id"]
    outcome = client_for(ralph).post_statements(statements)
    assert isinstance(outcome, Stored), outcome
    ids = [s["id"] for s in statements]
    assert set(outcome.returned_ids) == set(ids)
    assert read_back(ralph, statements) == statements


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_one_id_is_one_content_in_both_versions(ralph, fault_lrs, mapping, variant):
    # An LRS reached by a 1.0.3 and a 2.0.0 endpoint (or one switched over) gets each
    # statement again: the same content, so a duplicate, never a 409.
    statements = statements_for(mapping, VARIANTS[variant], prefix=f"both-{variant}-")
    for statement in statements:
        assert statement_problems(statement, "2.0.0") == [] and "contextAgents" not in statement.get("context", {})
    assert isinstance(client_for(ralph).post_statements(statements), Stored)
    assert client_for(ralph, version="2.0.0").post_statements(statements) == Stored(status=204)
    stand_in = LrsClient(LrsConfig(name="fault", endpoint=fault_lrs.endpoint))
    assert isinstance(stand_in.post_statements(statements), Stored)
    again = LrsClient(LrsConfig(name="fault", endpoint=fault_lrs.endpoint, xapi_version="2.0.0"))
    assert again.post_statements(statements) == Stored(status=204)
    assert fault_lrs.versions_seen == {"1.0.3", "2.0.0"} and fault_lrs.resent_known == len(statements)


def test_ralph_duplicate_conflict_and_invalid_through_our_client(ralph, mapping):
    client = client_for(ralph)
    statements = statements_for(mapping, VARIANTS["account"], prefix="dup-")
    assert isinstance(client.post_statements(statements[:3]), Stored)
    again = client.post_statements(statements[:3])
    assert again == Stored(status=204)
    mixed = client.post_statements(statements[:5])
    assert isinstance(mixed, Stored) and set(mixed.returned_ids) == {s["id"] for s in statements[3:5]}
    differing = copy.deepcopy(statements[0])
    differing["timestamp"] = "2020-01-01T00:00:00.000Z"
    conflict = client.post_statements([differing])
    assert isinstance(conflict, Conflict) and statements[0]["id"] in conflict.message
    invalid = copy.deepcopy(statements[6])
    invalid["id"] = str(uuid.uuid4())
    del invalid["verb"]
    rejected = client.post_statements([invalid])
    assert isinstance(rejected, Rejected) and "verb" in rejected.message


def test_delivery_loop_into_ralph(ralph, mapping):
    outbox = MemoryOutbox()
    statements = statements_for(mapping, VARIANTS["mbox"], prefix="loop-")
    for statement in statements:
        outbox.add("ralph", statement["id"], json.dumps(statement))
    outbox.add("ralph", statements[0]["id"], json.dumps(statements[0]))  # queued twice
    differing = {**statements[1], "timestamp": "2020-01-01T00:00:00.000Z"}
    outbox.add("ralph", differing["id"], json.dumps(differing))
    deliverer = Deliverer(outbox, LrsSender(client_for(ralph)), RetryPolicy(base=0.01, cap=0.05))
    while outbox.counts()["pending"]:
        deliverer.deliver_batch()
    assert outbox.counts() == {"delivered": len(statements) + 1, "dead": 1}
    (dead,) = outbox.by_state("dead")
    assert dead.statement_id == differing["id"] and dead.reason.startswith("409 conflict")
    assert read_back(ralph, statements) == statements
