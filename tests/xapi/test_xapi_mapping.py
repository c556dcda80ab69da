"""mappings/xapi.yaml loads, and bad data is refused naming the file and the field."""

from __future__ import annotations

import copy
import json

import pytest
import yaml

from xapi.events import VOID_ONLY, EventKind
from xapi.mapping import MappingError, default_mapping_path, load_mapping, parse_mapping
from xapi.profile import PROFILE_IRI, expand_iri, profile_document


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(default_mapping_path().read_text(encoding="utf-8"))


def test_every_event_but_the_void_only_ones_is_mapped(mapping):
    assert set(mapping.events) == set(EventKind) - VOID_ONLY
    assert mapping.voiding_verb.id == "http://adlnet.gov/expapi/verbs/voided"


def test_coined_iris_expand_under_the_profile_iri(mapping):
    confidence = mapping.events[EventKind.REFLECTION_SUBMITTED].fields["confidence"]
    assert confidence.key == f"{PROFILE_IRI}/extensions/confidence"
    assert expand_iri("http://adlnet.gov/expapi/verbs/attended") == "http://adlnet.gov/expapi/verbs/attended"


def _broken(raw, change):
    data = copy.deepcopy(raw)
    change(data)
    return data


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda d: d["record_types"]["check_in"]["events"]["check_in_held"]["verb"].update(id="attended"),
         "record_types.check_in.events.check_in_held.verb.id"),
        (lambda d: d["record_types"]["check_in"]["events"]["check_in_held"]["fields"]["rating"].pop("key"),
         "record_types.check_in.events.check_in_held.fields.rating.key"),
        (lambda d: d["record_types"]["check_in"]["events"]["check_in_held"]["fields"]["notes"].update(to="result.nowhere"),
         "record_types.check_in.events.check_in_held.fields.notes.to"),
        (lambda d: d["record_types"]["reflection"]["events"]["reflection_submitted"].update(object="course"),
         "record_types.reflection.events.reflection_submitted.object"),
        (lambda d: d["record_types"]["reflection"]["events"]["reflection_submitted"].update(colour="red"),
         "record_types.reflection.events.reflection_submitted.colour"),
        (lambda d: d["record_types"]["action"]["events"].pop("action_agreed"), "record_types"),
        (lambda d: d["record_types"]["action"]["events"].update(goal_set={}),
         "record_types.action.events.goal_set"),
        (lambda d: d["record_types"]["check_in"]["events"]["check_in_held"]["result"].update(completion="yes"),
         "record_types.check_in.events.check_in_held.result.completion"),
        (lambda d: d["coined"].pop("extensions/confidence"), "coined"),
        (lambda d: d["coined"].update({"extensions/unused": {"type": "ResultExtension", "label": "x", "definition": "y"}}),
         "coined"),
        (lambda d: d["record_types"]["reflection"]["events"]["reflection_submitted"]["fields"]["confidence"].update(min="one"),
         "record_types.reflection.events.reflection_submitted.fields.confidence.min"),
        (lambda d: d.pop("voiding"), "(top).voiding"),
        (lambda d: d["record_types"]["validation"]["events"]["application_validated"].update(actor="admin"),
         "record_types.validation.events.application_validated.actor"),
        (lambda d: d["record_types"]["action"]["events"]["action_agreed"].pop("timestamp"),
         "record_types.action.events.action_agreed.timestamp"),
        (lambda d: d["record_types"]["action"]["events"].update(action_reopened={}),
         "record_types.action.events.action_reopened"),
        (lambda d: d["record_types"]["check_in"]["events"]["check_in_held"]["verb"]["display"].pop("de"),
         "record_types.check_in.events.check_in_held.verb.display"),
        (lambda d: d["record_types"]["check_in"]["events"]["check_in_held"]["verb"].update(display="attended"),
         "record_types.check_in.events.check_in_held.verb.display"),
        (lambda d: d["record_types"]["check_in"]["name"].update(it="Colloquio"), "record_types.check_in.name.it"),
        (lambda d: d["record_types"]["check_in"]["name"].update(fr=" "), "record_types.check_in.name.fr"),
        (lambda d: d["voiding"]["verb"]["display"].pop("es"), "voiding.verb.display"),
        (lambda d: d.update(languages=["en-US", "fr", "fr"]), "languages"),
        (lambda d: d.update(languages=["en-US", "French"]), "languages[1]"),
        (lambda d: d["record_activity_name"].update(de="{record}"), "record_activity_name.de"),
        (lambda d: d["record_activity_name"].update(es="{record}: {activity} {course}"), "record_activity_name.es"),
    ],
)
def test_bad_data_names_the_file_and_the_field(raw, change, field):
    with pytest.raises(MappingError) as error:
        parse_mapping(_broken(raw, change), source="xapi.yaml")
    assert str(error.value).startswith(f"xapi.yaml: {field}: ")


def test_unreadable_file_is_named(tmp_path):
    path = tmp_path / "xapi.yaml"
    path.write_text("record_types: [unclosed", encoding="utf-8")
    with pytest.raises(MappingError, match=str(path)):
        load_mapping(path)


def test_profile_describes_every_coined_iri_used(mapping, raw):
    profile = profile_document(mapping)
    assert profile["@context"] == "https://w3id.org/xapi/profiles/context"
    assert profile["id"] == PROFILE_IRI and profile["type"] == "Profile"
    assert profile["conformsTo"] == "https://w3id.org/xapi/profiles#1.0"
    version = profile["versions"][0]["id"]
    used = {iri for iri in json.dumps(raw).replace('"', " ").split() if iri.startswith("cb:")}
    described = {concept["id"] for concept in profile["concepts"]}
    assert described == {expand_iri(iri) for iri in used}
    for concept in profile["concepts"]:
        assert concept["inScheme"] == version
        assert concept["prefLabel"]["en"] and concept["definition"]["en"]
        if concept["type"].endswith("Extension"):
            assert json.loads(concept["inlineSchema"])["type"]


def test_profile_states_each_verbs_actor_and_timestamp(mapping):
    templates = {t["id"].rsplit("/", 1)[-1]: t for t in profile_document(mapping)["templates"]}
    assert set(templates) == {kind.value.replace("_", "-") for kind in mapping.events} | {"voided"}
    for kind, rule in mapping.events.items():
        template = templates[kind.value.replace("_", "-")]
        assert template["verb"] == rule.verb.id
        assert ("The actor is the manager" in template["definition"]["en"]) == (rule.actor == "manager")
        assert rule.timestamp in template["definition"]["en"]
    assert mapping.events[EventKind.APPLICATION_VALIDATED].actor == "manager"
    assert mapping.events[EventKind.CHECK_IN_HELD].actor == "learner"
    assert "the person who withdrew or corrected" in templates["voided"]["definition"]["en"]
