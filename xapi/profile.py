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


def profile_document(mapping: XapiMapping) -> dict[str, Any]:
    """The xAPI Profile (JSON-LD, xAPI Profiles 1.0 shape) describing our coined IRIs."""
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
    }
