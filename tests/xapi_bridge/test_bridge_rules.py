"""What the bridge queues, read from the outbox (no LRS needed): the platform's privacy
options, xAPI 2.0 per endpoint, private notes never, voiding per LRS, disabled endpoints
(withdrawals only)."""
from __future__ import annotations

import hashlib
import json
import time

from sqlalchemy import select, update

from adapter.persistence import live_statements_store, lrs_store
from adapter.services import coaching
from adapter.persistence.tables import outbox, outbox_payloads
from adapter.persistence.xapi_tables import xapi_live_statements
from xapi.agents import IdentityFormat, PrivacySettings

NOWHERE = "http://127.0.0.1:9/xapi/"  # never contacted here: the outbox is what is checked
PRIVATE = "Worried about the reorg (private-91c2)"
CONFIDENCE = "https://w3id.org/xapi/coachbridge/extensions/confidence"


def payloads(world, target: str) -> list[dict]:
    return [json.loads(row["payload"]) for row in world.outbox_rows(target)]


def test_defaults_identify_by_account_and_keep_free_text_in_the_tool(world):
    world.add_lrs("rules-default", NOWHERE)
    world.reflect(learned="A sentence I wrote")
    (statement,) = payloads(world, "rules-default")
    assert statement["actor"] == {"objectType": "Agent", "name": world.viewer_name("learner"),
                                  "account": {"homePage": world.issuer, "name": world.learner_sub}}
    assert "response" not in statement["result"] and statement["result"]["extensions"] == {CONFIDENCE: 4}


def test_mbox_sha1sum_hides_names_and_free_text_is_sent_when_allowed(world):
    world.add_lrs("rules-private", NOWHERE)
    world.set_privacy(PrivacySettings(IdentityFormat.MBOX_SHA1SUM, share_free_text=True))
    world.reflect(learned="A sentence I wrote")
    world.check_in(private_notes=PRIVATE)
    statements = payloads(world, "rules-private")
    email = f"mailto:{world.learner_sub.replace('learner-', 'lena')}@example.org"
    for statement in statements:
        assert statement["actor"] == {"objectType": "Agent", "mbox_sha1sum": hashlib.sha1(email.encode()).hexdigest()}
        assert "name" not in statement["context"]["instructor"]
    assert statements[0]["result"]["response"] == "A sentence I wrote"
    assert statements[1]["result"]["response"] == "Good progress"  # shared notes: allowed here
    assert all(PRIVATE not in row["payload"] for row in world.outbox_rows("rules-private"))


def test_private_notes_never_reach_the_outbox_whatever_the_settings(world, engine):
    world.add_lrs("rules-any", NOWHERE, version="2.0.0")
    world.set_privacy(PrivacySettings(IdentityFormat.MBOX, share_free_text=True))
    world.check_in(private_notes=PRIVATE)
    with engine.connect() as conn:
        everything = conn.execute(select(outbox_payloads.c.payload)).scalars().all()
    assert everything and not any(PRIVATE in payload for payload in everything)
    check_in = payloads(world, "rules-any")[0]
    assert check_in["context"]["instructor"]["mbox"].startswith("mailto:max")  # 2.0.0: the 1.0.3 content


def test_each_lrs_voids_only_what_it_holds_and_disabled_ones_get_only_withdrawals(world, engine):
    world.add_lrs("rules-early", NOWHERE)
    reflection = world.reflect()
    late = world.add_lrs("rules-late", NOWHERE)
    world.reflect(confidence="2")  # an edit
    early_verbs = [s["verb"]["display"]["en-US"] for s in payloads(world, "rules-early")]
    late_verbs = [s["verb"]["display"]["en-US"] for s in payloads(world, "rules-late")]
    assert early_verbs == ["submitted", "voided", "submitted"]
    assert late_verbs == ["submitted"]  # it never got v1: nothing to void there
    with engine.begin() as conn:
        lrs_store.set_endpoint_active(conn, late, False, time.time())
    world.reflect(confidence="3")  # an edit: not for a disabled LRS
    assert len(payloads(world, "rules-late")) == 1
    world.withdraw("reflection", reflection.id)
    assert [s["verb"]["display"]["en-US"] for s in payloads(world, "rules-early")][-1] == "voided"
    # a withdrawal is for every LRS holding the record: queued for the disabled one, sent once enabled
    submitted, voiding = payloads(world, "rules-late")
    assert voiding["object"] == {"objectType": "StatementRef", "id": submitted["id"]}


def test_withdrawing_a_validation_voids_each_statement_the_lrs_holds(world):
    world.add_lrs("rules-withdraw", NOWHERE)
    asked = world.ask_validation()
    world.decide(asked.id, "needs_more_evidence")
    world.withdraw("validation", asked.id)
    statements = payloads(world, "rules-withdraw")
    held = {s["id"] for s in statements[:2]}
    assert {s["object"]["id"] for s in statements[2:]} == held
    assert {s["object"]["objectType"] for s in statements[2:]} == {"StatementRef"}


def test_a_platform_without_an_lrs_queues_nothing(world, engine):
    with engine.connect() as conn:
        before = conn.execute(select(outbox.c.id).where(outbox.c.channel == "xapi")).all()
    world.reflect()
    with engine.connect() as conn:
        assert conn.execute(select(outbox.c.id).where(outbox.c.channel == "xapi")).all() == before


def test_an_edit_voids_the_id_stored_for_the_earlier_version_however_it_was_derived(world, engine):
    # A statement queued before an upgrade that changed how ids are derived keeps its id
    # in the LRS: the void must name that id, not one recomputed today.
    world.add_lrs("rules-upgrade", NOWHERE)
    world.reflect()
    legacy_id = "0b0e4a3c-6d55-5f0e-9a61-3c2f1d7b8e90"
    with engine.begin() as conn:
        changed = conn.execute(update(xapi_live_statements).where(xapi_live_statements.c.target == "rules-upgrade")
                               .values(statement_id=legacy_id)).rowcount
    assert changed == 1
    world.reflect(confidence="2")  # an edit
    voiding = [s for s in payloads(world, "rules-upgrade") if s["verb"]["display"]["en-US"] == "voided"]
    assert [s["object"]["id"] for s in voiding] == [legacy_id]


def test_a_withdrawn_conversation_voids_its_statement_and_its_actions(world):
    world.add_lrs("rules-conversation", NOWHERE)
    conversation = world.check_in(private_notes=PRIVATE)
    held, agreed = payloads(world, "rules-conversation")
    coaching.withdraw_conversation(world.engine, world.manager, conversation.id, time.time())
    voiding = payloads(world, "rules-conversation")[2:]
    assert [s["verb"]["display"]["en-US"] for s in voiding] == ["voided", "voided"]
    assert [s["object"] for s in voiding] == [{"objectType": "StatementRef", "id": held["id"]},
                                              {"objectType": "StatementRef", "id": agreed["id"]}]
    assert all(PRIVATE not in json.dumps(s) for s in voiding)


def test_remembering_a_held_statement_again_keeps_one_row_with_the_newer_version(engine):
    # xapi_live_statements has no id column: the shared upsert runs without RETURNING.
    with engine.begin() as conn:
        live_statements_store.remember_held(conn, "rules-remember", "reflection:1", "reflected", 1, "st-1")
        live_statements_store.remember_held(conn, "rules-remember", "reflection:1", "reflected", 2, "st-1")
        rows = conn.execute(select(xapi_live_statements.c.record_version)
                            .where(xapi_live_statements.c.target == "rules-remember")).all()
    assert [row.record_version for row in rows] == [2]
