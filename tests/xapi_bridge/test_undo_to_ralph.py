"""Undoing a withdrawal, through the service layer to a real LRS (ralph): the voided
statements stay voided (voiding is final in xAPI), the record comes back as new
statements with new ids, and only the person who withdrew it may undo it, for a short time."""
from __future__ import annotations

import time

import pytest
import requests
from sqlalchemy import select

from adapter.domain.authorization import Forbidden, NotFound
from adapter.domain.rules import RuleViolation
from adapter.domain.withdrawal import UNDO_WINDOW_SECONDS
from adapter.persistence import coaching_store
from adapter.persistence.coaching_tables import agreed_actions
from adapter.services import coaching
from adapter.worker import default_jobs, drain
from xapi.events import EventKind

from .test_bridge_to_ralph import VOIDED, ralph_statements, record_statement_id


def statement_in_ralph(ralph, **params) -> int:
    """The status ralph answers a single-statement GET with (ralph does not hide voided
    statements from it, so voids are checked by the voiding statements it holds)."""
    return requests.get(ralph.endpoint + "statements", params=params, auth=ralph.auth, timeout=30,
                        headers={"X-Experience-API-Version": "1.0.3"}).status_code


def test_an_undone_withdrawal_is_new_statements_next_to_the_voided_ones(world, ralph, engine):
    world.add_lrs("ralph", ralph.endpoint, auth=ralph.auth)
    reflection = world.reflect()
    talk = world.check_in(private_notes="Only mine")
    asked = world.ask_validation()
    drain(default_jobs(engine, None))
    world.withdraw("reflection", reflection.id)
    world.withdraw("validation", asked.id)
    world.withdraw_conversation(talk.id)
    drain(default_jobs(engine, None))

    now = time.time()
    back = coaching.undo_withdrawal(engine, world.learner, "reflection", reflection.id, now)
    coaching.undo_withdrawal(engine, world.learner, "validation", asked.id, now)
    coaching.undo_withdrawal(engine, world.manager, "conversation", talk.id, now)
    assert back.version == 3  # written, withdrawn, back
    assert drain(default_jobs(engine, None)) > 0
    assert {r["status"] for r in world.outbox_rows("ralph")} == {"delivered"}

    (action,) = talk.actions
    pairs = [(f"reflection-{reflection.id}", EventKind.REFLECTION_SUBMITTED),
             (f"validation-{asked.id}", EventKind.VALIDATION_REQUESTED),
             (f"check_in-{talk.id}", EventKind.CHECK_IN_HELD), (f"action-{action.id}", EventKind.ACTION_AGREED)]
    voided = {s["object"]["id"] for s in ralph_statements(ralph) if s["verb"]["id"] == VOIDED}
    for key, kind in pairs:
        before, after = record_statement_id(key, 1, kind), record_statement_id(key, 3, kind)
        assert before in voided and after not in voided, key  # the void stands; the new statement is live
        assert statement_in_ralph(ralph, statementId=after) == 200, key

    with engine.connect() as conn:
        assert coaching_store.reflection_on(conn, world.learner_id, world.link_pk).learned == "Specific feedback lands"
        assert coaching_store.get_validation(conn, asked.id).status == "pending"
        assert coaching_store.get_conversation(conn, talk.id).private_notes == "Only mine"
        assert conn.execute(select(agreed_actions.c.withdrawn_at).where(agreed_actions.c.id == action.id)
                            ).scalar() is None  # withdrawn with it, back with it


def test_only_the_person_who_withdrew_undoes_it_within_the_window(world, engine):
    reflection = world.reflect()
    talk = world.check_in(private_notes="")
    withdrawn_at = time.time()
    world.withdraw("reflection", reflection.id, now=withdrawn_at)
    world.withdraw_conversation(talk.id, now=withdrawn_at)
    with pytest.raises(Forbidden):  # their manager sees it but did not withdraw it
        coaching.undo_withdrawal(engine, world.manager, "reflection", reflection.id, withdrawn_at + 1)
    with pytest.raises(Forbidden):
        coaching.undo_withdrawal(engine, world.learner, "conversation", talk.id, withdrawn_at + 1)
    with pytest.raises(RuleViolation, match="10 minutes"):
        coaching.undo_withdrawal(engine, world.learner, "reflection", reflection.id,
                                 withdrawn_at + UNDO_WINDOW_SECONDS + 1)
    coaching.undo_withdrawal(engine, world.learner, "reflection", reflection.id, withdrawn_at + 60)
    with pytest.raises(NotFound):  # live again: nothing left to undo
        coaching.undo_withdrawal(engine, world.learner, "reflection", reflection.id, withdrawn_at + 61)


def test_a_reflection_written_since_keeps_the_withdrawn_one_away(world, engine):
    first = world.reflect()
    world.withdraw("reflection", first.id)
    world.reflect(learned="A new reflection")
    with pytest.raises(RuleViolation, match="new one"):
        coaching.undo_withdrawal(engine, world.learner, "reflection", first.id, time.time())
