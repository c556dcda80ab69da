"""Records made through the service layer reach a real LRS (ralph) through the outbox and
the worker's delivery path: every statement once, valid, shaped by the DESIGN's rules,
edits and withdrawals voiding what the LRS holds, private notes never leaving the tool."""
from __future__ import annotations

import json
from collections import Counter

import requests
import tincan
from ralph.models.xapi.base.statements import BaseXapiStatement

from adapter.services.xapi_bridge import activity_iri_base
from adapter.worker import default_jobs, drain
from tests.xapi.xapi_checks import statement_problems
from xapi.agents import PrivacySettings
from xapi.events import EventKind
from xapi.statements import BuildSettings, statement_id

from .world import ACTIVITY_IRI

VOIDED = "http://adlnet.gov/expapi/verbs/voided"
PRIVATE = "Seems stretched by the release (private-7f3a)"


def record_statement_id(record_key: str, version: int, kind: EventKind) -> str:
    """The id the bridge gives that statement (the test app runs on the default public URL)."""
    return statement_id(BuildSettings(activity_iri_base("")), record_key, version, kind)


def ralph_statements(ralph) -> list[dict]:
    """Everything ralph stores (one page is plenty for a module's worth)."""
    response = requests.get(ralph.endpoint + "statements", params={"limit": 1000}, auth=ralph.auth,
                            headers={"X-Experience-API-Version": "1.0.3"}, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()["statements"]


def test_every_kind_of_record_reaches_ralph_once_valid_and_in_shape(world, ralph, engine):
    world.add_lrs("ralph", ralph.endpoint, auth=ralph.auth)
    world.set_privacy(PrivacySettings(share_free_text=True))
    first = world.reflect()
    revised = world.reflect(confidence="5")  # an edit: voids v1, sends v2
    world.check_in(private_notes=PRIVATE)
    asked = world.ask_validation()
    world.decide(asked.id, "needs_more_evidence", "Show me the follow-up too.")  # a new fact: stays
    world.ask_validation("Joe now opens client calls with the agenda.")  # asked again: a second request
    world.decide(asked.id, "validated")
    world.withdraw("reflection", first.id)  # voids the revised reflection's statement

    assert drain(default_jobs(engine, None)) > 0
    rows = world.outbox_rows("ralph")
    assert rows and {r["status"] for r in rows} == {"delivered"}
    assert all(PRIVATE not in r["payload"] for r in rows)
    sent = [json.loads(r["payload"]) for r in rows]

    stored = Counter(s["id"] for s in ralph_statements(ralph))
    assert all(stored[s["id"]] == 1 for s in sent), "every statement is in ralph exactly once"
    by_id = {s["id"]: s for s in sent}
    for statement in sent:
        assert statement_problems(statement) == [], statement
        BaseXapiStatement.model_validate(statement)
        assert str(tincan.Statement.from_json(json.dumps(statement)).id) == statement["id"]
        decision = statement["verb"]["id"].endswith("/validated")
        assert statement["actor"]["account"] == {"homePage": world.issuer,
                                                 "name": world.manager_sub if decision else world.learner_sub}

    verbs = Counter(s["verb"]["id"].rsplit("/", 1)[-1] for s in sent)
    assert verbs == {"submit": 2, "attended": 1, "agree": 1, "request": 2, "validated": 2, "voided": 2}
    for statement in (s for s in sent if s["verb"]["id"] != VOIDED and not s["verb"]["id"].endswith("/validated")):
        context = statement["context"]
        assert context["instructor"]["account"] == {"homePage": world.issuer, "name": world.manager_sub}
        assert context["contextActivities"]["parent"][0]["id"] == ACTIVITY_IRI
        (course,) = context["contextActivities"]["grouping"]
        assert course["id"].endswith("/courses/https%3A%2F%2F" + world.issuer.removeprefix("https://") + "/course-1")
        assert course["definition"]["name"] == {"en-US": "Coaching 101"}

    v1 = record_statement_id(f"reflection-{first.id}", 1, EventKind.REFLECTION_SUBMITTED)
    v2 = record_statement_id(f"reflection-{revised.id}", 2, EventKind.REFLECTION_SUBMITTED)
    voided = [s["object"]["id"] for s in sent if s["verb"]["id"] == VOIDED]
    assert voided == [v1, v2] and all(i in by_id for i in voided)
    assert by_id[v2]["result"]["extensions"]["https://w3id.org/xapi/coachbridge/extensions/confidence"] == 5
