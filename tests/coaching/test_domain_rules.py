"""Domain rules without a database: ranges, dates, who may act, templates as data."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from adapter.domain.authorization import Forbidden, NotFound, Viewer
from adapter.domain.coaching import ActivityRef, Conversation
from adapter.domain.commands import HoldConversation, PlaceActivity
from adapter.domain.placement import Placement
from adapter.domain.rules import RuleViolation, RuleViolations
from adapter.domain.validation import ValidationRequest
from adapter.domain.withdrawal import UNDO_WINDOW_SECONDS, Withdrawal
from adapter.mapping_files import MappingError, load_templates

CATALOG = load_templates()
HERE = ActivityRef(platform_id=1, resource_link_pk=7)
LEARNER = Viewer(person_id=10, platform_id=1, roles=frozenset({"learner"}))
MANAGER = Viewer(person_id=20, platform_id=1, roles=frozenset({"manager"}), mentee_ids=frozenset({10}))
FORMER = Viewer(person_id=30, platform_id=1, roles=frozenset({"manager"}))
TODAY = date(2026, 11, 22)


def hold(answers: dict | None = None, viewer: Viewer = MANAGER, **fields) -> Conversation:
    command = HoldConversation(10, **{"held_on": "2026-11-20", **fields},
                               answers={"goal": "g", "reality": "r", "options": "o", "will": "w", **(answers or {})})
    return Conversation.hold(viewer, HERE, CATALOG.get("grow"), command, TODAY)


def test_every_template_file_loads():
    assert {"check-in", "grow", "oskar", "clear", "start-stop-continue", "after-action-review"} <= set(CATALOG.by_key)
    assert CATALOG.get("check-in").kind == "check_in" and CATALOG.get("grow").kind == "coaching"


@pytest.mark.parametrize("text, field", [
    ("title: X\nkind: coaching\nfields: []\n", "fields"),
    ("title: X\nkind: pep-talk\nfields: [{name: a, label: A}]\n", "kind"),
    ("title: X\nkind: coaching\nfields: [{name: a, label: A}, {name: a, label: B}]\n", "fields[1].name"),
    ("title: X\nkind: coaching\nfields: [{name: Bad-Name, label: A}]\n", "fields[0].name"),
    ("title: X\nkind: coaching\nfields: [{name: a}]\n", "fields[0].label"),
    ("kind: coaching\nfields: [{name: a, label: A}]\n", "title"),
    ("title: [unclosed\n", "(file)"),
])
def test_a_broken_template_names_its_file_and_field(tmp_path: Path, text, field):
    (tmp_path / "good.yaml").write_text("title: Good\nkind: check_in\nfields: [{name: a, label: A}]\n")
    (tmp_path / "broken.yaml").write_text(text)
    with pytest.raises(MappingError) as raised:
        load_templates(tmp_path)
    assert raised.value.source == "broken.yaml" and raised.value.field == field
    assert str(raised.value).startswith(f"broken.yaml: {field}: ")


def test_required_template_answers_and_dates():
    with pytest.raises(RuleViolation, match="Goal"):
        hold({"goal": " "})
    with pytest.raises(RuleViolation, match="future"):
        hold(held_on="2026-11-23")
    with pytest.raises(RuleViolation, match="after the date held"):
        hold(next_on="2026-11-20")
    assert hold(next_on="2026-12-01").next_on == date(2026, 12, 1)


def test_only_a_current_manager_holds_conversations_and_only_the_learner_rates():
    with pytest.raises(NotFound):
        hold({}, viewer=FORMER)
    with pytest.raises(Forbidden):
        hold({}, viewer=LEARNER)
    talk = hold({})
    with pytest.raises(Forbidden):
        talk.rate(MANAGER, 5)
    with pytest.raises(RuleViolation):
        talk.rate(LEARNER, 6)
    rated = talk.rate(LEARNER, "4")
    assert rated.rating == 4 and rated.version == 2


def test_private_notes_only_for_their_author():
    talk = hold(private_notes="between us")
    other_manager = Viewer(person_id=21, platform_id=1, roles=frozenset({"manager"}), mentee_ids=frozenset({10}))
    assert talk.notes_for(MANAGER) == "between us"
    assert talk.notes_for(other_manager) is None and talk.notes_for(LEARNER) is None


def test_validation_history_and_who_decides():
    asked = ValidationRequest.ask(LEARNER, HERE, "Ran the retro")
    with pytest.raises(Forbidden):
        asked.decide(LEARNER, "validated", "")
    with pytest.raises(NotFound):
        asked.decide(FORMER, "validated", "")
    with pytest.raises(RuleViolation, match="Feedback"):
        asked.decide(MANAGER, "needs_more_evidence", "")
    back = asked.decide(MANAGER, "needs_more_evidence", "Which retro?")
    again = back.ask_again(LEARNER, "The Q3 retro")
    done = again.decide(MANAGER, "validated", "")
    assert [d.outcome for d in done.decisions] == ["needs_more_evidence", "validated"]
    assert done.decisions[0].evidence_seen == "Ran the retro" and done.version == 4
    with pytest.raises(Forbidden):
        done.decide(MANAGER, "validated", "")


def test_placement_custom_parameters():
    placement = Placement.place(PlaceActivity(kind="coaching", template="oskar", title="Coach it",
                                              follows="rl-feedback"), CATALOG, {"rl-feedback"})
    assert placement.custom_parameters() == {"kind": "coaching", "template": "oskar", "title": "Coach it",
                                             "validation_required": "false", "follows": "rl-feedback"}
    with pytest.raises(RuleViolation, match="not a coaching"):
        Placement.place(PlaceActivity(kind="coaching", template="check-in", title="x", follows="rl-feedback"),
                        CATALOG, {"rl-feedback"})
    with pytest.raises(RuleViolation, match="Points"):
        Placement.place(PlaceActivity(kind="validation", template="grow", title="x", activity_iri="https://a/b",
                                      points="-3"), CATALOG, set())


def test_placement_reports_every_problem_at_once():
    with pytest.raises(RuleViolations) as refused:
        Placement.place(PlaceActivity(kind="coaching", template="check-in", title="", points="lots"), CATALOG, set())
    assert [(v.name, v.field) for v in refused.value.all] == [
        ("template", "Conversation template"), ("title", "Title in the course"),
        ("activity_iri", "Learning activity"), ("points", "Points")]


def test_only_the_person_who_withdrew_undoes_it_and_only_for_ten_minutes():
    withdrawal = Withdrawal("reflection", 5, withdrawn_by=LEARNER.person_id, withdrawn_at=1000.0)
    assert withdrawal.may_be_undone_by(LEARNER.person_id, 1000.0 + UNDO_WINDOW_SECONDS)
    withdrawal.require_undoable_by(LEARNER.person_id, 1001.0)
    assert not withdrawal.may_be_undone_by(MANAGER.person_id, 1001.0)
    with pytest.raises(Forbidden):
        withdrawal.require_undoable_by(MANAGER.person_id, 1001.0)  # their manager sees it, but did not withdraw it
    assert not withdrawal.may_be_undone_by(LEARNER.person_id, 1000.0 + UNDO_WINDOW_SECONDS + 1)
    with pytest.raises(RuleViolation, match="10 minutes"):
        withdrawal.require_undoable_by(LEARNER.person_id, 1000.0 + UNDO_WINDOW_SECONDS + 1)
    operator = Withdrawal("manager_link", 5, withdrawn_by=None, withdrawn_at=1000.0)
    assert not operator.may_be_undone_by(None, 1001.0)  # a sign-in that is no person undoes nothing
