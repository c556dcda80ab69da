"""The statements read true to someone who sees only the LRS: records made through the
services, delivered by the worker to ralph (and the fault LRS stand-in where conflicts
matter), in the three privacy modes and both xAPI versions.

- every kind of withdrawal voids every statement of the record, named by who withdrew;
- a new state is a new statement, the earlier ones stay; only corrections void;
- timestamps are when it happened, not when the tool wrote;
- one id is one content whatever the version, so a version switch conflicts with nothing;
- ``coachbridge lrs test`` works against ralph 5.1, which has no ``about``;
- email IFIs keep the local part as the LMS sent it.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement
from sqlalchemy import select

from adapter.cli import main
from adapter.mapping_files import load_templates
from adapter.persistence import lrs_store
from adapter.persistence.tables import outbox
from adapter.worker import XapiDelivery, drain
from tests.xapi.xapi_checks import statement_problems
from xapi.agents import IdentityFormat, PrivacySettings
from xapi.lrs_client import BasicAuth, LrsConfig
from xapi.mapping import load_mapping
from xapi.statement_reader import StatementReader
from xapi.statements import format_timestamp

from .world import new_world

MAPPING = load_mapping()
VOIDED = MAPPING.voiding_verb.id
PRIVACY = {
    "account": PrivacySettings(IdentityFormat.ACCOUNT, share_free_text=True),
    "mbox": PrivacySettings(IdentityFormat.MBOX),
    "mbox_sha1sum": PrivacySettings(IdentityFormat.MBOX_SHA1SUM),
}
VERSIONS = ("1.0.3", "2.0.0")
DAY = 86400.0


def verb(statement: dict) -> str:
    return statement["verb"]["display"]["en-US"]


def delivered(world, engine, target: str) -> list[dict]:
    """Deliver what is queued; every row of ``target`` is delivered (none dead, none
    waiting), valid by ralph's model and our checks of both versions. Its statements."""
    drain([XapiDelivery(engine, None)])
    rows = world.outbox_rows(target)
    assert rows and {row["status"] for row in rows} == {"delivered"}, {(r["status"], r["last_error"]) for r in rows}
    sent = [json.loads(row["payload"]) for row in rows]
    for statement in sent:
        BaseXapiStatement.model_validate(statement)
        for version in VERSIONS:
            assert statement_problems(statement, version) == [], statement
    return sent


def held_by(ralph) -> dict[str, dict]:
    """What ralph holds, by id (ralph 5.1 lists voided statements too)."""
    reader = StatementReader(LrsConfig(name="ralph", endpoint=ralph.endpoint, auth=BasicAuth(*ralph.auth),
                                       read_timeout=30), VOIDED)
    return {s["id"]: s for s in reader.pages()}


def live(statements) -> list[dict]:
    """What an analyst counts: statements no voiding statement names, voids left out."""
    statements = list(statements)
    voided = {s["object"]["id"] for s in statements if s["verb"]["id"] == VOIDED}
    return [s for s in statements if s["verb"]["id"] != VOIDED and s["id"] not in voided]


def by_record(statements) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for statement in statements:
        if statement["object"]["objectType"] == "Activity":
            grouped.setdefault(statement["object"]["id"], []).append(statement)
    return grouped


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("privacy", sorted(PRIVACY))
def test_every_kind_of_withdrawal_voids_every_statement_of_the_record(world, engine, ralph, privacy, version):
    target = f"withdrawn-{privacy}-{version}"
    world.add_lrs(target, ralph.endpoint, auth=ralph.auth, version=version)
    world.set_privacy(PRIVACY[privacy])
    reflection = world.reflect()
    world.reflect(confidence="2")  # a revision: a correction
    asked = world.ask_validation()
    world.decide(asked.id, "needs_more_evidence")
    world.ask_validation("Joe now opens client calls with the agenda.")
    held_on = (datetime.now(timezone.utc) - timedelta(days=3)).date().isoformat()
    talks = [world.conversation(key, held_on) for key in sorted(load_templates().by_key)]
    assert {talk.kind for talk in talks} == {"check_in", "coaching"}
    world.set_status(talks[1].actions[0].id, "done")
    world.rate(talks[2].id, "4")  # a correction by the learner: re-sent with the rating
    world.withdraw("reflection", reflection.id)
    world.withdraw("validation", asked.id)
    for talk in talks:
        world.withdraw_conversation(talk.id)

    sent = delivered(world, engine, target)
    held = held_by(ralph)
    assert all(s["id"] in held for s in sent)
    facts = [s for s in sent if s["verb"]["id"] != VOIDED]
    assert len(by_record(facts)) == 2 + 2 * len(talks)  # reflection, request, each talk and its action
    assert live(held[s["id"]] for s in sent) == []  # nothing of any withdrawn record is left standing
    learner = facts[0]["actor"]  # the reflection's
    manager = next(s["context"]["instructor"] for s in facts if verb(s) == "attended")
    voids_of = {s["object"]["id"]: s for s in sent if s["verb"]["id"] == VOIDED}
    for index, fact in enumerate(facts):
        void = voids_of[fact["id"]]
        corrected = any(later["object"]["id"] == fact["object"]["id"] and verb(later) == verb(fact)
                        for later in facts[index + 1:])  # by the learner: a revision or a rating
        by_manager = verb(fact) in ("attended", "agreed", "completed") and not corrected  # a withdrawn conversation
        assert void["actor"] == (manager if by_manager else learner), (verb(fact), void)
        assert void["context"]["contextActivities"]["parent"] == fact["context"]["contextActivities"]["parent"]
        assert void["context"]["contextActivities"]["grouping"] == fact["context"]["contextActivities"]["grouping"]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("privacy", sorted(PRIVACY))
def test_a_new_state_is_a_new_statement_and_only_corrections_void(world, engine, ralph, privacy, version):
    target = f"states-{privacy}-{version}"
    world.add_lrs(target, ralph.endpoint, auth=ralph.auth, version=version)
    world.set_privacy(PRIVACY[privacy])
    action = world.check_in(private_notes="").actions[0]
    world.set_status(action.id, "done")
    asked = world.ask_validation()
    world.decide(asked.id, "needs_more_evidence")
    world.ask_validation("Joe now opens client calls with the agenda.")
    world.decide(asked.id, "validated")

    sent = delivered(world, engine, target)
    assert [s for s in sent if s["verb"]["id"] == VOIDED] == []
    records = by_record(sent)
    agreed, done = records[sent[1]["object"]["id"]]
    assert (verb(agreed), verb(done)) == ("agreed", "completed") and done["actor"] == agreed["actor"]  # hers
    assert done["context"]["statement"] == {"objectType": "StatementRef", "id": agreed["id"]}
    request = records[sent[-1]["object"]["id"]]
    assert list(map(verb, request)) == ["requested", "validated", "requested", "validated"]
    assert [s["result"]["success"] for s in request if verb(s) == "validated"] == [False, True]
    learner, manager = request[0]["actor"], request[0]["context"]["instructor"]
    for asking, decision in ((request[0], request[1]), (request[2], request[3])):
        assert asking["actor"] == learner and decision["actor"] == manager  # the manager validated
        assert decision["context"]["statement"] == {"objectType": "StatementRef", "id": asking["id"]}
        assert "instructor" not in decision["context"]
    assert {s["id"] for s in live(held_by(ralph)[s["id"]] for s in sent)} == {s["id"] for s in sent}

    completed = next(s for s in sent if verb(s) == "completed")
    world.set_status(action.id, "dropped")  # a correction of the closing: done was wrong
    world.set_status(action.id, "open")  # and dropping too
    corrected = delivered(world, engine, target)[len(sent):]
    dropped = next(s for s in corrected if verb(s) == "dropped")
    assert [(verb(s), s["object"].get("id")) for s in corrected if s["verb"]["id"] == VOIDED] == [
        ("voided", completed["id"]), ("voided", dropped["id"])]
    everything = sent + corrected
    action_left = [s for s in live(held_by(ralph)[s["id"]] for s in everything)
                   if s["object"]["id"] == completed["object"]["id"]]
    assert list(map(verb, action_left)) == ["agreed"]  # the agreement stays


def test_timestamps_are_when_it_happened_not_when_the_tool_wrote(world, engine, ralph):
    world.add_lrs("moments", ralph.endpoint, auth=ralph.auth)
    recorded = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=10)
    held_on = (recorded - timedelta(days=2)).date()
    at = {name: recorded.timestamp() + offset for name, offset in (
        ("recorded", 0), ("reflected", 3600), ("rated", DAY), ("done", 2 * DAY), ("asked", 3 * DAY),
        ("decided", 4 * DAY), ("revised", 4.5 * DAY), ("withdrawn", 5 * DAY))}
    talk = world.conversation("check-in", held_on.isoformat(), now=at["recorded"])
    world.reflect(now=at["reflected"])
    world.rate(talk.id, "4", now=at["rated"])
    world.set_status(talk.actions[0].id, "done", now=at["done"])
    asked = world.ask_validation(now=at["asked"])
    world.decide(asked.id, "validated", now=at["decided"])
    world.withdraw("reflection", world.reflect(confidence="1", now=at["revised"]).id, now=at["withdrawn"])

    sent = delivered(world, engine, "moments")
    held = held_by(ralph)

    def when(name: str) -> str:
        return format_timestamp(datetime.fromtimestamp(at[name], timezone.utc))

    day_held = f"{held_on.isoformat()}T00:00:00.000Z"
    moments = [(verb(s), s["timestamp"]) for s in sent]
    assert moments == [
        ("attended", day_held), ("agreed", day_held), ("submitted", when("reflected")),
        ("voided", when("rated")), ("attended", day_held),  # the rating re-sends it as of the day held
        ("completed", when("done")), ("requested", when("asked")), ("validated", when("decided")),
        ("voided", when("revised")), ("submitted", when("revised")), ("voided", when("withdrawn")),
    ]
    assert all(held[s["id"]]["timestamp"].startswith(s["timestamp"][:19]) for s in sent)  # ralph keeps them


@pytest.mark.parametrize("lrs", ["ralph", "fault"])
def test_an_lrs_fed_in_both_versions_or_switched_over_gets_nothing_that_conflicts(world, engine, ralph, fault_lrs,
                                                                                   lrs):
    endpoint, auth = (ralph.endpoint, ralph.auth) if lrs == "ralph" else (fault_lrs.endpoint, None)
    switched = world.add_lrs(f"switched-{lrs}", endpoint, auth=auth, version="1.0.3")
    world.add_lrs(f"other-{lrs}", endpoint, auth=auth, version="2.0.0")  # the same LRS again, in 2.0.0
    world.set_privacy(PRIVACY["mbox"])
    talk = world.check_in(private_notes="")
    world.reflect()
    asked = world.ask_validation()
    world.decide(asked.id, "needs_more_evidence")
    first = delivered(world, engine, f"switched-{lrs}")
    assert delivered(world, engine, f"other-{lrs}") == first  # the same statements, sent in 2.0.0

    with engine.begin() as conn:
        endpoint_row = lrs_store.get_endpoint(conn, switched)
        settings = {name: getattr(endpoint_row, name) for name in (
            "platform_id", "endpoint", "auth_kind", "username", "token_url", "client_id", "scope", "batch_size")}
        lrs_store.update_endpoint(conn, switched, {**settings, "xapi_version": "2.0.0"}, None, 0.0,
                                  set_by_operator=True)  # the operator switches it over
    world.rate(talk.id, "5")  # corrections void what was sent in 1.0.3
    world.reflect(confidence="5")
    world.ask_validation("More evidence")
    world.withdraw("validation", asked.id)
    after = delivered(world, engine, f"switched-{lrs}")[len(first):]
    assert delivered(world, engine, f"other-{lrs}")[len(first):] == after
    assert [verb(s) for s in after].count("voided") == 2 + 3  # rating, revision; the request's three
    if lrs == "fault":
        assert fault_lrs.versions_seen == {"1.0.3", "2.0.0"}
        assert fault_lrs.resent_known == len(first) + len(after)  # the 2.0.0 endpoint's: duplicates
    with engine.connect() as conn:
        dead = conn.execute(select(outbox.c.id).where(outbox.c.status == "dead")).all()
    assert dead == []


def test_lrs_test_against_ralph_without_about_says_what_it_checked(world, engine, ralph, monkeypatch, capsys):
    world.add_lrs("ralph-checked", ralph.endpoint, auth=ralph.auth)
    world.add_lrs("ralph-wrong-password", ralph.endpoint, auth=(ralph.auth[0], "not-the-password"))
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    capsys.readouterr()
    assert main(["lrs", "test", "ralph-checked"]) == 0
    assert capsys.readouterr().out.strip() == (
        "ralph-checked: ok: no about resource (404), version not asked; GET statements?limit=1 with the stored "
        "credentials and version 1.0.3: 200, credentials accepted")
    assert main(["lrs", "test", "ralph-wrong-password"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("ralph-wrong-password: failed: no about resource (404)") and ": 401" in out
    assert "not-the-password" not in out


@pytest.mark.parametrize("identity", [IdentityFormat.MBOX, IdentityFormat.MBOX_SHA1SUM])
def test_email_ifis_keep_the_local_part_as_the_lms_sent_it(engine, ralph, identity):
    world = new_world(engine, learner_email="Lena.Kowalski@Example.ORG")
    target = f"email-{identity.value}"
    world.add_lrs(target, ralph.endpoint, auth=ralph.auth)
    world.set_privacy(PrivacySettings(identity))
    world.reflect()
    (statement,) = delivered(world, engine, target)
    address = "mailto:Lena.Kowalski@example.org"
    expected = ({"mbox": address} if identity is IdentityFormat.MBOX
                else {"mbox_sha1sum": hashlib.sha1(address.encode()).hexdigest()})
    assert {k: v for k, v in statement["actor"].items() if k in ("mbox", "mbox_sha1sum")} == expected
    assert held_by(ralph)[statement["id"]]["actor"] == statement["actor"]
