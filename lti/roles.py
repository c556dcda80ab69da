"""LTI role URIs, reduced to (scope, role, sub-role).

Platforms send full URIs (context, institution and system vocabularies, sub-roles such
as ``membership/Instructor#TeachingAssistant``) and, still, the deprecated short names
(``Instructor``); an unknown role is kept as-is so the application can ignore it.
"""
from __future__ import annotations

from dataclasses import dataclass

_VOCAB = "http://purl.imsglobal.org/vocab/lis/v2/"
_SCOPES = {
    "membership": "context",
    "institution/person": "institution",
    "system/person": "system",
}


@dataclass(frozen=True)
class Role:
    scope: str  # context | institution | system | unknown
    name: str  # e.g. Instructor, Mentor, Administrator
    sub_role: str = ""


def parse_role(uri: str) -> Role:
    if not isinstance(uri, str) or not uri:
        return Role("unknown", "")
    if not uri.startswith(_VOCAB):
        # A short name (deprecated by LTI 1.3, still sent) is a context role.
        return Role("context", uri) if ":" not in uri and "/" not in uri else Role("unknown", uri)
    rest = uri[len(_VOCAB):]
    if "#" not in rest:
        return Role("unknown", uri)
    path, fragment = rest.split("#", 1)
    if path in _SCOPES:
        return Role(_SCOPES[path], fragment)
    # membership/Instructor#TeachingAssistant: a sub-role of Instructor
    if path.startswith("membership/"):
        return Role("context", path.split("/", 1)[1], fragment)
    return Role("unknown", uri)
