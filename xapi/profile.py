"""Our xAPI Profile: the one base IRI for everything we coin, and the JSON-LD document
that describes those IRIs.

Anything a published vocabulary already names is used as published; only what no
vocabulary covers (confidence, usefulness rating, template, ...) is coined, under
:data:`PROFILE_IRI`, and described here so that an LRS reader can look it up. The web
application serves :func:`profile_document` at a stable URL; the w3id.org redirect for
:data:`PROFILE_IRI` should point there.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xapi.mapping import XapiMapping

PROFILE_IRI = "https://w3id.org/xapi/coachbridge"
"""Base of every IRI we coin, and the id of our xAPI Profile. Change it only here."""

COINED_PREFIX = "cb:"
"""How mappings/xapi.yaml writes a coined IRI: ``cb:extensions/confidence``."""

PROFILES_CONTEXT = "https://w3id.org/xapi/profiles/context"
PROFILES_SPEC = "https://w3id.org/xapi/profiles#1.0"


def expand_iri(value: str) -> str:
    """``cb:x/y`` -> ``PROFILE_IRI/x/y``; any other IRI is returned unchanged."""
    if value.startswith(COINED_PREFIX):
        return f"{PROFILE_IRI}/{value[len(COINED_PREFIX):]}"
    return value


def profile_version_iri(version: int) -> str:
    return f"{PROFILE_IRI}/v{version}"


ACTORS = {
    "learner": "The actor is the learner: the statement belongs to their learning record. The manager, "
               "when there is one, is context.instructor.",
    "manager": "The actor is the manager who decided; context.statement names the learner's request "
               "the decision answers.",
    "owner": "The actor is whom the action was for (its owner: the learner, or the manager, who is otherwise "
             "context.instructor); context.statement names the agreement.",
}
def _template(version_iri: str, rule, course_type: str) -> dict[str, Any]:
    name = rule.kind.value
    template: dict[str, Any] = {
        "id": f"{PROFILE_IRI}/templates/{name.replace('_', '-')}",
        "type": "StatementTemplate",
        "inScheme": version_iri,
        "prefLabel": {"en": name.replace("_", " ")},
        "definition": {"en": f"{next(iter(rule.record_name.values()))}: {name.replace('_', ' ')}. {ACTORS[rule.actor]} "
                             f"The timestamp is {rule.timestamp}."},
        "verb": rule.verb.id,
        "contextGroupingActivityType": [course_type],
        "rules": [{"location": "$.timestamp", "presence": "included",
                   "scopeNote": {"en": rule.timestamp}}],
    }
    if rule.object == "record":
        template["objectActivityType"] = rule.activity_type
    if rule.actor != "learner":
        template["rules"].append({"location": "$.context.statement", "presence": "recommended",
                                  "scopeNote": {"en": "the statement this one answers"}})
    return template


def _voiding_template(version_iri: str, verb_id: str) -> dict[str, Any]:
    return {
        "id": f"{PROFILE_IRI}/templates/voided",
        "type": "StatementTemplate",
        "inScheme": version_iri,
        "prefLabel": {"en": "statement voided"},
        "definition": {"en": "A record withdrawn (every statement of it is voided) or corrected (the statement "
                             "corrected is voided, the corrected one sent). The actor is the person who withdrew "
                             "or corrected it; the timestamp is when they did; context.contextActivities places "
                             "it like the record's statements. A new state of a record (an action completed, a "
                             "request asked again, a decision) never voids: the earlier statements stay."},
        "verb": verb_id,
        "rules": [{"location": "$.object.objectType", "presence": "included", "all": ["StatementRef"]}],
    }


def profile_document(mapping: XapiMapping) -> dict[str, Any]:
    """The xAPI Profile (JSON-LD, xAPI Profiles 1.0 shape): our coined IRIs, and one
    statement template per event saying who the actor is and what the timestamp means."""
    meta = mapping.profile
    version_iri = profile_version_iri(meta.version)
    concepts = []
    for concept in mapping.coined:
        entry: dict[str, Any] = {
            "id": concept.iri,
            "type": concept.type,
            "inScheme": version_iri,
            "prefLabel": {"en": concept.label},
            "definition": {"en": concept.definition},
        }
        if concept.schema is not None:
            entry["inlineSchema"] = json.dumps(concept.schema, sort_keys=True)
        concepts.append(entry)
    return {
        "@context": PROFILES_CONTEXT,
        "id": PROFILE_IRI,
        "type": "Profile",
        "conformsTo": PROFILES_SPEC,
        "prefLabel": {"en": meta.label},
        "definition": {"en": meta.definition},
        "author": {"type": "Organization", "name": "coachbridge"},
        "versions": [{"id": version_iri, "generatedAtTime": meta.generated_at}],
        "concepts": concepts,
        "templates": [_template(version_iri, rule, mapping.course_activity_type) for rule in mapping.events.values()]
        + [_voiding_template(version_iri, mapping.voiding_verb.id)],
    }
