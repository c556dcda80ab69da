"""The statement builder: shape, identity, privacy, deterministic ids, one content for
both xAPI versions, who the actor is, when it happened."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
from datetime import datetime, timezone

import pytest
import yaml

from xapi.agents import IdentityFormat, PrivacySettings, email_for_ifi
from xapi.events import EventKind
from xapi.lrs_client import LrsConfig
from xapi.mapping import default_mapping_path, parse_mapping
from xapi.profile import PROFILE_IRI
from xapi.statements import (
    BuildSettings,
    EventDataError,
    build_statements,
    format_timestamp,
    statement_id,
    voiding_statement_id,
)
from .xapi_checks import statement_problems
from .xapi_samples import ACTIVITY, COURSE, LEARNER, MANAGER, every_event, sample_event

CONFIDENCE = f"{PROFILE_IRI}/extensions/confidence"


BASE = "https://coach.acme.org/a"


def build(event, mapping, **settings):
    return build_statements(event, BuildSettings(activity_iri_base=BASE, **settings), mapping)


def record_statement_id(record_id, version, kind, base=BASE):
    return statement_id(BuildSettings(activity_iri_base=base), record_id, version, kind)


def test_every_event_builds_one_statement_that_passes_the_checks_of_both_versions(mapping):
    for event in every_event():
        for statement in build(event, mapping):
            for version in ("1.0.3", "2.0.0"):
                assert statement_problems(statement, version) == [], (event.kind, version, statement)


def test_check_in_statement_shape(mapping):
    (statement,) = build(sample_event(EventKind.CHECK_IN_HELD), mapping)
    assert statement["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": LEARNER.platform_issuer, "name": LEARNER.lti_sub},
        "name": LEARNER.name,
    }
    assert statement["verb"] == {"id": "http://adlnet.gov/expapi/verbs/attended", "display": {
        "en-US": "attended", "fr": "a participé à", "de": "nahm teil an", "es": "asistió a"}}
    assert statement["object"]["id"] == "https://coach.acme.org/a/records/rec-1"
    assert statement["object"]["definition"]["name"] == {
        "en-US": "Check-in: Giving feedback", "fr": "Point d’étape\u00a0: Giving feedback",
        "de": "Check-in: Giving feedback", "es": "Reunión de seguimiento: Giving feedback"}
    assert statement["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/meeting"
    context = statement["context"]
    assert context["instructor"]["account"]["name"] == MANAGER.lti_sub
    assert context["contextActivities"]["parent"][0]["id"] == ACTIVITY.iri
    grouping = context["contextActivities"]["grouping"][0]
    assert grouping["definition"]["name"] == {"en-US": COURSE.title}
    assert grouping["definition"]["type"] == "http://adlnet.gov/expapi/activities/course"
    assert "registration" not in context  # an LTI launch names no attempt
    assert context["extensions"] == {
        f"{PROFILE_IRI}/extensions/template": "check-in",
        f"{PROFILE_IRI}/extensions/held-on": "2026-03-03",
        f"{PROFILE_IRI}/extensions/next-on": "2026-03-17",
    }
    assert statement["result"]["extensions"] == {f"{PROFILE_IRI}/extensions/usefulness-rating": 5}
    assert "contextAgents" not in context


def test_decisions_carry_success(mapping):
    (validated,) = build(sample_event(EventKind.APPLICATION_VALIDATED), mapping)
    (not_yet,) = build(sample_event(EventKind.NEEDS_MORE_EVIDENCE), mapping)
    assert validated["result"]["success"] is True and not_yet["result"]["success"] is False
    assert validated["id"] != not_yet["id"]


def test_a_decision_is_the_managers_and_names_the_request_it_answers(mapping):
    request_id = record_statement_id("rec-1", 1, EventKind.VALIDATION_REQUESTED)
    (decision,) = build(sample_event(EventKind.APPLICATION_VALIDATED, context_statement=request_id), mapping)
    assert decision["actor"]["account"]["name"] == MANAGER.lti_sub
    assert "instructor" not in decision["context"]  # the manager is the actor
    assert decision["context"]["statement"] == {"objectType": "StatementRef", "id": request_id}
    (request,) = build(sample_event(EventKind.VALIDATION_REQUESTED), mapping)
    assert request["actor"]["account"]["name"] == LEARNER.lti_sub
    assert request["context"]["instructor"]["account"]["name"] == MANAGER.lti_sub
    with pytest.raises(EventDataError, match="manager"):
        build(sample_event(EventKind.NEEDS_MORE_EVIDENCE, manager=None), mapping)


def test_a_void_names_who_took_it_back_when_and_where(mapping):
    earlier = record_statement_id("rec-1", 1, EventKind.CHECK_IN_HELD)
    later = datetime(2026, 3, 9, 16, 0, tzinfo=timezone.utc)
    (voiding,) = build(sample_event(EventKind.RECORD_WITHDRAWN, voids=(earlier,), by=MANAGER, recorded_at=later),
                       mapping)
    assert voiding["actor"]["account"]["name"] == MANAGER.lti_sub
    assert voiding["timestamp"] == "2026-03-09T16:00:00.000Z"
    assert voiding["context"] == {"contextActivities": {
        "parent": [{"objectType": "Activity", "id": ACTIVITY.iri, "definition": {"name": {"en-US": ACTIVITY.name}}}],
        "grouping": build(sample_event(EventKind.CHECK_IN_HELD), mapping)[0]["context"]["contextActivities"]["grouping"],
    }}
    (by_default,) = build(sample_event(EventKind.RECORD_WITHDRAWN, voids=(earlier,)), mapping)
    assert by_default["actor"]["account"]["name"] == LEARNER.lti_sub


def test_a_rating_re_sends_the_conversation_as_of_when_it_was_held(mapping):
    earlier = record_statement_id("rec-1", 1, EventKind.CHECK_IN_HELD)
    rated_at = datetime(2026, 3, 5, 12, 0, tzinfo=timezone.utc)
    voiding, rated = build(sample_event(EventKind.CHECK_IN_HELD, version=2, voids=(earlier,), recorded_at=rated_at),
                           mapping)
    assert rated["timestamp"] == format_timestamp(sample_event(EventKind.CHECK_IN_HELD).occurred_at)
    assert voiding["timestamp"] == "2026-03-05T12:00:00.000Z"


def test_an_action_done_or_dropped_is_a_statement_of_its_own(mapping):
    (completed,) = build(sample_event(EventKind.ACTION_COMPLETED, version=2), mapping)
    (dropped,) = build(sample_event(EventKind.ACTION_DROPPED, version=3), mapping)
    assert completed["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert completed["result"] == {"completion": True} and dropped["result"] == {"completion": False}
    assert dropped["verb"]["id"] == f"{PROFILE_IRI}/verbs/dropped"
    assert completed["object"]["id"] == dropped["object"]["id"] == build(
        sample_event(EventKind.ACTION_AGREED), mapping)[0]["object"]["id"]
    (undone,) = build(sample_event(EventKind.ACTION_REOPENED, version=4), mapping)  # only voids
    assert undone["object"]["objectType"] == "StatementRef"


def test_an_action_is_completed_by_whom_it_was_for(mapping):
    agreed = record_statement_id("rec-1", 1, EventKind.ACTION_AGREED)
    (learners,) = build(sample_event(EventKind.ACTION_COMPLETED, version=2, fields={"owner": "learner"},
                                     context_statement=agreed), mapping)
    (managers,) = build(sample_event(EventKind.ACTION_COMPLETED, version=2, fields={"owner": "manager"},
                                     context_statement=agreed), mapping)
    assert learners["actor"]["account"]["name"] == LEARNER.lti_sub
    assert learners["context"]["instructor"]["account"]["name"] == MANAGER.lti_sub
    assert managers["actor"]["account"]["name"] == MANAGER.lti_sub and "instructor" not in managers["context"]
    assert managers["context"]["statement"] == {"objectType": "StatementRef", "id": agreed}
    assert managers["result"]["extensions"] == {f"{PROFILE_IRI}/extensions/action-owner": "manager"}


def test_email_ifis_keep_the_local_part_and_lowercase_the_domain():
    assert email_for_ifi(" Ann.Learner@ACME.Org ") == "Ann.Learner@acme.org"
    assert email_for_ifi("a@b@Example.COM") == "a@b@example.com"  # the domain follows the last @
    assert email_for_ifi("no-at-sign") == "no-at-sign"


def test_identity_formats(mapping):
    event = sample_event(EventKind.REFLECTION_SUBMITTED)
    (mbox,) = build(event, mapping, privacy=PrivacySettings(IdentityFormat.MBOX))
    assert mbox["actor"] == {"objectType": "Agent", "mbox": "mailto:Ann.Learner@acme.org", "name": "Ann Learner"}
    (hashed,) = build(event, mapping, privacy=PrivacySettings(IdentityFormat.MBOX_SHA1SUM))
    digest = hashlib.sha1(b"mailto:Ann.Learner@acme.org").hexdigest()
    assert hashed["actor"] == {"objectType": "Agent", "mbox_sha1sum": digest}
    shouted = sample_event(EventKind.REFLECTION_SUBMITTED, learner=dataclasses.replace(LEARNER, email="Ann.Learner@ACME.ORG"))
    (same,) = build(shouted, mapping, privacy=PrivacySettings(IdentityFormat.MBOX_SHA1SUM))
    assert same["actor"] == hashed["actor"]  # the domain's case does not change the hash
    assert "name" not in hashed["context"]["instructor"]


def test_person_without_email_falls_back_to_account(mapping):
    event = sample_event(EventKind.REFLECTION_SUBMITTED, learner=dataclasses.replace(LEARNER, email=None))
    (statement,) = build(event, mapping, privacy=PrivacySettings(IdentityFormat.MBOX))
    assert statement["actor"]["account"]["name"] == LEARNER.lti_sub
    assert statement_problems(statement) == []


def test_free_text_only_when_the_platform_shares_it(mapping):
    event = sample_event(EventKind.REFLECTION_SUBMITTED)
    (withheld,) = build(event, mapping)
    assert "response" not in withheld["result"]
    assert withheld["result"]["extensions"] == {CONFIDENCE: 4}
    (shared,) = build(event, mapping, privacy=PrivacySettings(share_free_text=True))
    assert shared["result"]["response"] == "I used the SBI model in my 1:1s."
    assert shared["result"]["extensions"][f"{PROFILE_IRI}/extensions/support-needed"] == "Time in the agenda."


def test_private_fields_never_leave_even_when_mapped_and_shared(mapping):
    secret = "Manager's private note: struggling at home"
    event = sample_event(
        EventKind.CHECK_IN_HELD,
        fields={"notes": secret, "rating": 2, "private_note": secret},
        private_fields=frozenset({"notes", "private_note"}),
    )
    for statement in build(event, mapping, privacy=PrivacySettings(share_free_text=True)):
        assert secret not in repr(statement)


def test_the_mapping_is_an_allow_list(mapping):
    event = sample_event(EventKind.CHECK_IN_HELD, fields={"mood": "tired of it all", "rating": 4})
    (statement,) = build(event, mapping, privacy=PrivacySettings(share_free_text=True))
    assert "tired" not in repr(statement)
    assert statement["result"]["extensions"] == {f"{PROFILE_IRI}/extensions/usefulness-rating": 4}


def test_template_answers_are_free_text(mapping):
    answers = f"{PROFILE_IRI}/extensions/template-answers"
    event = sample_event(EventKind.COACHING_CONVERSATION_HELD)
    (shared,) = build(event, mapping, privacy=PrivacySettings(share_free_text=True))
    assert shared["result"]["extensions"][answers] == {"goal": "Weekly feedback", "will": "Start Monday"}
    (withheld,) = build(event, mapping)
    assert answers not in withheld["result"]["extensions"]
    with pytest.raises(EventDataError, match="strings to strings"):
        build(sample_event(EventKind.COACHING_CONVERSATION_HELD, fields={"answers": {"goal": 3}}), mapping)


def test_invalid_fields_are_refused(mapping):
    with pytest.raises(EventDataError, match="1..5"):
        build(sample_event(EventKind.REFLECTION_SUBMITTED, fields={"confidence": 6}), mapping)
    with pytest.raises(EventDataError, match="integer"):
        build(sample_event(EventKind.REFLECTION_SUBMITTED, fields={"confidence": True}), mapping)
    with pytest.raises(EventDataError, match="date"):
        build(sample_event(EventKind.ACTION_AGREED, fields={"due_date": "next week"}), mapping)


def test_ids_are_deterministic_per_record_version_and_kind(mapping):
    first = build(sample_event(EventKind.CHECK_IN_HELD), mapping)
    again = build(sample_event(EventKind.CHECK_IN_HELD), mapping)
    assert first == again
    assert first[0]["id"] == record_statement_id("rec-1", 1, EventKind.CHECK_IN_HELD)
    (second_version,) = build(sample_event(EventKind.CHECK_IN_HELD, version=2), mapping)
    assert second_version["id"] != first[0]["id"]
    (other_record,) = build(sample_event(EventKind.CHECK_IN_HELD, record_id="rec-2"), mapping)
    assert other_record["id"] != first[0]["id"]


def test_two_installations_never_share_a_statement_id(mapping):
    event = sample_event(EventKind.CHECK_IN_HELD)
    here = build(event, mapping)[0]["id"]
    there = build_statements(event, BuildSettings(activity_iri_base="https://coach.other.org/a"), mapping)[0]["id"]
    assert here != there and there == record_statement_id("rec-1", 1, EventKind.CHECK_IN_HELD, "https://coach.other.org/a")


def test_an_edit_voids_the_earlier_version_then_sends_the_new_one(mapping):
    earlier = record_statement_id("rec-1", 1, EventKind.CHECK_IN_HELD)
    voiding, new = build(sample_event(EventKind.CHECK_IN_HELD, version=2, voids=(earlier,)), mapping)
    assert voiding["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided"
    assert voiding["object"] == {"objectType": "StatementRef", "id": earlier}
    assert voiding["id"] == voiding_statement_id(earlier)
    assert new["id"] == record_statement_id("rec-1", 2, EventKind.CHECK_IN_HELD)


def test_a_withdrawal_only_voids_and_must_name_what(mapping):
    statements = build(sample_event(EventKind.RECORD_WITHDRAWN), mapping)
    assert [s["verb"]["id"] for s in statements] == ["http://adlnet.gov/expapi/verbs/voided"]
    with pytest.raises(EventDataError):
        build(sample_event(EventKind.RECORD_WITHDRAWN, voids=()), mapping)


def test_timestamps_are_utc_with_milliseconds():
    moment = datetime.fromisoformat("2026-03-04T10:15:30.123456+02:00")
    assert format_timestamp(moment) == "2026-03-04T08:15:30.123Z"
    with pytest.raises(EventDataError):
        format_timestamp(datetime(2026, 3, 4, 10, 15))


def _custom_mapping(change):
    data = yaml.safe_load(default_mapping_path().read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    change(data)
    return parse_mapping(data)


def test_learning_activity_as_object_leaves_parent_out():
    mapping = _custom_mapping(
        lambda d: d["record_types"]["reflection"]["events"]["reflection_submitted"].update(object="learning_activity")
    )
    (statement,) = build(sample_event(EventKind.REFLECTION_SUBMITTED), mapping)
    assert statement["object"] == {"objectType": "Activity", "id": ACTIVITY.iri, "definition": {"name": {"en-US": ACTIVITY.name}}}
    assert "parent" not in statement["context"]["contextActivities"]


def test_a_field_can_go_to_the_score():
    def to_score(data):
        data["record_types"]["check_in"]["events"]["check_in_held"]["fields"]["rating"] = {
            "to": "result.score", "type": "integer", "min": 1, "max": 5,
        }  # the usefulness-rating extension stays in use by coaching conversations

    (statement,) = build(sample_event(EventKind.CHECK_IN_HELD, fields={"rating": 4}), _custom_mapping(to_score))
    assert statement["result"]["score"] == {"raw": 4, "min": 1, "max": 5, "scaled": 0.75}


def test_the_checker_finds_what_it_is_for(mapping):
    (statement,) = build(sample_event(EventKind.CHECK_IN_HELD), mapping)
    bad = copy.deepcopy(statement)
    bad["actor"]["mbox"] = "mailto:ann@acme.org"
    bad["timestamp"] = "2026-03-04T08:15:30"
    bad["verb"]["id"] = "http://adlnet.gov/expapi/verbs/voided"
    problems = statement_problems(bad)
    assert len(problems) == 3, problems
    two = copy.deepcopy(statement)
    two["timestamp"] = "2026-03-04T08:15:30.123-00:00"
    two["context"]["contextAgents"] = [{"objectType": "contextAgent", "agent": two["actor"]}]
    assert len(statement_problems(two, "2.0.0")) == 2
    assert len(statement_problems(two, "1.0.3")) == 2


def test_an_lrs_of_an_unknown_xapi_version_is_refused():
    with pytest.raises(ValueError):
        LrsConfig(name="x", endpoint="https://x.example/xapi/", xapi_version="1.0.0")


def test_the_tools_own_texts_go_in_every_language_the_lms_names_in_its_own(mapping):
    """Verb displays and record names are language maps with every language of the
    mapping; what the LMS named (learning activity, course) keeps the one tag it came with."""
    assert mapping.languages == ("en-US", "fr", "de", "es")
    for event in every_event():
        for statement in build(event, mapping, language="de-CH"):
            assert list(statement["verb"]["display"]) == list(mapping.languages), event.kind
            obj = statement["object"]
            if obj.get("objectType") == "Activity" and obj["id"] != ACTIVITY.iri:
                assert list(obj["definition"]["name"]) == list(mapping.languages), event.kind
            activities = statement.get("context", {}).get("contextActivities", {})
            for lms_named in activities.get("parent", []) + activities.get("grouping", []):
                assert list(lms_named["definition"]["name"]) == ["de-CH"]


def test_a_mapping_of_one_language_takes_plain_strings():
    data = yaml.safe_load(default_mapping_path().read_text(encoding="utf-8"))
    data.pop("languages"), data.pop("record_activity_name")
    data["voiding"]["verb"]["display"] = "voided"
    for record_type in data["record_types"].values():
        record_type["name"] = record_type["name"]["en-US"]
        for event in record_type["events"].values():
            event["verb"]["display"] = event["verb"]["display"]["en-US"]
    (statement,) = build(sample_event(EventKind.REFLECTION_SUBMITTED), parse_mapping(data))
    assert statement["verb"]["display"] == {"en-US": "submitted"}
    assert statement["object"]["definition"]["name"] == {"en-US": "Reflection: Giving feedback"}
