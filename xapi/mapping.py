"""Load and validate mappings/xapi.yaml: record types and events -> statement shape.

The file is data an operator may edit, so it is checked completely at load and a
mistake is reported as ``<file>: <field path>: <what is wrong>`` rather than surfacing
later as a malformed statement the LRS rejects.
"""

from __future__ import annotations

import importlib.resources
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from xapi.events import VOID_ONLY, EventKind
from xapi.profile import COINED_PREFIX, expand_iri

FIELD_TARGETS = ("result.response", "result.score", "result.extensions", "context.extensions")
FIELD_TYPES = ("text", "string", "integer", "number", "date", "object")
FREE_TEXT_TYPES = ("text", "object")  # object: a map of questions to answers
OBJECT_CHOICES = ("record", "learning_activity")
ACTOR_CHOICES = ("learner", "manager", "owner")  # owner: by the event's owner field
CONCEPT_TYPES = ("ActivityType", "ResultExtension", "ContextExtension", "ActivityExtension", "Verb")
RESULT_FLAGS = ("success", "completion")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")  # RFC 5646's shape
DEFAULT_LANGUAGES = ("en-US",)
DEFAULT_ACTIVITY_NAME = "{record}: {activity}"

LanguageMap = dict[str, str]
"""xAPI language map: RFC 5646 tag -> text, one entry per language of the mapping."""


class MappingError(ValueError):
    """A file in mappings/ is invalid: ``<file>: <field path>: <what is wrong>`` (the xAPI
    mapping here, the role map and the templates in adapter/mapping_files.py)."""

    def __init__(self, source: str, field: str, problem: str) -> None:
        super().__init__(f"{source}: {field}: {problem}")
        self.source, self.field, self.problem = source, field, problem


@dataclass(frozen=True)
class Verb:
    id: str
    display: LanguageMap


@dataclass(frozen=True)
class FieldRule:
    """Where one record field goes in the statement, and what values it may take."""

    name: str
    to: str
    type: str
    key: str | None = None
    free_text: bool = False
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class EventRule:
    kind: EventKind
    record_type: str
    record_name: LanguageMap
    activity_type: str
    verb: Verb
    object: str
    actor: str  # learner | manager | owner: whose statement it is
    timestamp: str  # what the timestamp is the time of (for the xAPI Profile)
    result_flags: dict[str, bool]
    fields: dict[str, FieldRule]


@dataclass(frozen=True)
class CoinedConcept:
    iri: str
    type: str
    label: str
    definition: str
    schema: dict[str, Any] | None


@dataclass(frozen=True)
class ProfileMeta:
    version: int
    generated_at: str
    label: str
    definition: str


@dataclass(frozen=True)
class XapiMapping:
    """``languages``: the tags of every text statements carry, the source (English) first;
    ``activity_name``: by language, how a record's activity is named after the learning
    activity it is about (``{record}``, ``{activity}``)."""

    events: dict[EventKind, EventRule]
    voiding_verb: Verb
    course_activity_type: str
    coined: tuple[CoinedConcept, ...]
    profile: ProfileMeta
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    activity_name: LanguageMap | None = None

    def record_activity_name(self, record_name: LanguageMap, activity: str | None) -> LanguageMap:
        """The name of a record's activity in each language, e.g. ``Reflection: Giving feedback``."""
        if not activity:
            return dict(record_name)
        formats = self.activity_name or {tag: DEFAULT_ACTIVITY_NAME for tag in self.languages}
        return {tag: formats[tag].format(record=record_name[tag], activity=activity) for tag in self.languages}


def default_mapping_path() -> Path:
    return Path(str(importlib.resources.files("mappings").joinpath("xapi.yaml")))


def load_mapping(path: Path | str | None = None) -> XapiMapping:
    """Read and validate the mapping file (mappings/xapi.yaml by default)."""
    path = Path(path) if path is not None else default_mapping_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(str(path), "(file)", f"cannot read: {exc}") from exc
    return parse_mapping(data, source=str(path))


def parse_mapping(data: Any, source: str = "<mapping>") -> XapiMapping:
    """Validate already-parsed YAML data; errors name ``source`` and the field path."""
    return _Parser(source).mapping(data)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.coined_used: set[str] = set()
        self.coined_declared: set[str] = set()
        self.languages: tuple[str, ...] = DEFAULT_LANGUAGES

    def fail(self, where: str, message: str) -> MappingError:
        return MappingError(self.source, where, message)

    def table(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be a mapping")
        return value

    def keys(self, value: Any, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
        table = self.table(value, where)
        for key in required:
            if key not in table:
                raise self.fail(f"{where}.{key}", "is required")
        for key in table:
            if key not in required and key not in optional:
                raise self.fail(f"{where}.{key}", "unknown field")
        return table

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, "must be a non-empty string")
        return value

    def texts(self, value: Any, where: str) -> LanguageMap:
        """A text in every language of the mapping: a map of their tags to texts (a plain
        string will do for a mapping of one language)."""
        if isinstance(value, str) and len(self.languages) == 1:
            return {self.languages[0]: self.text(value, where)}
        if not isinstance(value, dict):
            raise self.fail(where, f"must map each language ({', '.join(self.languages)}) to a text")
        table = value
        for tag in table:
            if tag not in self.languages:
                raise self.fail(f"{where}.{tag}", f"is not one of the languages ({', '.join(self.languages)})")
        missing = [tag for tag in self.languages if tag not in table]
        if missing:
            raise self.fail(where, f"has no text for {', '.join(missing)} (every text needs each of the languages)")
        return {tag: self.text(table[tag], f"{where}.{tag}") for tag in self.languages}

    def language_list(self, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not value or len(set(value)) != len(value):
            raise self.fail("languages", "must list language tags (RFC 5646), each once, the source language first")
        for index, tag in enumerate(value):
            if not isinstance(tag, str) or not LANGUAGE_TAG.match(tag):
                raise self.fail(f"languages[{index}]", f"not a language tag (RFC 5646, e.g. en-US, fr): {tag!r}")
        return tuple(value)

    def activity_names(self, value: Any) -> LanguageMap | None:
        if value is None:
            return None
        formats = self.texts(value, "record_activity_name")
        for tag, text in formats.items():
            if "{record}" not in text or "{activity}" not in text or text.count("{") != 2 or text.count("}") != 2:
                raise self.fail(f"record_activity_name.{tag}", "must name {record} and {activity}, and nothing else")
        return formats

    def iri(self, value: Any, where: str) -> str:
        value = self.text(value, where)
        if value.startswith(COINED_PREFIX):
            self.coined_used.add(value[len(COINED_PREFIX):])
            return expand_iri(value)
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
            raise self.fail(where, f"not an absolute http(s) IRI: {value!r}")
        return value

    def mapping(self, data: Any) -> XapiMapping:
        top = self.keys(
            data,
            "(top)",
            ("profile", "coined", "record_types", "voiding", "course_activity_type"),
            ("languages", "record_activity_name"),
        )
        if "languages" in top:
            self.languages = self.language_list(top["languages"])
        activity_name = self.activity_names(top.get("record_activity_name"))
        coined = self.coined(top["coined"])
        events: dict[EventKind, EventRule] = {}
        for name, record_type in self.table(top["record_types"], "record_types").items():
            for rule in self.record_type(name, record_type):
                if rule.kind in events:
                    raise self.fail(f"record_types.{name}.events.{rule.kind.value}", "event mapped twice")
                events[rule.kind] = rule
        expected = set(EventKind) - VOID_ONLY
        missing = sorted(kind.value for kind in expected - set(events))
        if missing:
            raise self.fail("record_types", f"no mapping for event(s): {', '.join(missing)}")
        voiding = self.keys(top["voiding"], "voiding", ("verb",))
        result = XapiMapping(
            events=events,
            voiding_verb=self.verb(voiding["verb"], "voiding.verb"),
            course_activity_type=self.iri(top["course_activity_type"], "course_activity_type"),
            coined=coined,
            profile=self.profile(top["profile"]),
            languages=self.languages,
            activity_name=activity_name,
        )
        undeclared = sorted(self.coined_used - self.coined_declared)
        if undeclared:
            raise self.fail("coined", f"used but not described: {', '.join(undeclared)}")
        unused = sorted(self.coined_declared - self.coined_used)
        if unused:
            raise self.fail("coined", f"described but never used: {', '.join(unused)}")
        return result

    def profile(self, value: Any) -> ProfileMeta:
        table = self.keys(value, "profile", ("version", "generated_at", "label", "definition"))
        if not isinstance(table["version"], int) or table["version"] < 1:
            raise self.fail("profile.version", "must be a positive integer")
        return ProfileMeta(
            version=table["version"],
            generated_at=self.text(table["generated_at"], "profile.generated_at"),
            label=self.text(table["label"], "profile.label"),
            definition=self.text(table["definition"], "profile.definition"),
        )

    def coined(self, value: Any) -> tuple[CoinedConcept, ...]:
        concepts = []
        for name, entry in self.table(value, "coined").items():
            where = f"coined.{name}"
            table = self.keys(entry, where, ("type", "label", "definition"), ("schema",))
            if table["type"] not in CONCEPT_TYPES:
                raise self.fail(f"{where}.type", f"must be one of {', '.join(CONCEPT_TYPES)}")
            schema = table.get("schema")
            if schema is not None:
                self.table(schema, f"{where}.schema")
            self.coined_declared.add(name)
            concepts.append(
                CoinedConcept(
                    iri=expand_iri(COINED_PREFIX + name),
                    type=table["type"],
                    label=self.text(table["label"], f"{where}.label"),
                    definition=self.text(table["definition"], f"{where}.definition"),
                    schema=schema,
                )
            )
        return tuple(concepts)

    def verb(self, value: Any, where: str) -> Verb:
        table = self.keys(value, where, ("id", "display"))
        return Verb(id=self.iri(table["id"], f"{where}.id"), display=self.texts(table["display"], f"{where}.display"))

    def record_type(self, name: str, value: Any) -> list[EventRule]:
        where = f"record_types.{name}"
        table = self.keys(value, where, ("activity_type", "name", "events"))
        activity_type = self.iri(table["activity_type"], f"{where}.activity_type")
        record_name = self.texts(table["name"], f"{where}.name")
        rules = []
        for kind_name, event in self.table(table["events"], f"{where}.events").items():
            event_where = f"{where}.events.{kind_name}"
            try:
                kind = EventKind(kind_name)
            except ValueError:
                raise self.fail(event_where, "unknown event kind") from None
            if kind in VOID_ONLY:
                raise self.fail(event_where, "it only voids: described by `voiding`, not as an event")
            rules.append(self.event(kind, name, record_name, activity_type, event, event_where))
        return rules

    def event(self, kind, record_type, record_name, activity_type, value, where) -> EventRule:
        table = self.keys(value, where, ("verb", "object", "timestamp"), ("actor", "result", "fields"))
        if table["object"] not in OBJECT_CHOICES:
            raise self.fail(f"{where}.object", f"must be one of {', '.join(OBJECT_CHOICES)}")
        actor = table.get("actor", "learner")
        if actor not in ACTOR_CHOICES:
            raise self.fail(f"{where}.actor", f"must be one of {', '.join(ACTOR_CHOICES)}")
        flags = self.keys(table.get("result", {}), f"{where}.result", (), RESULT_FLAGS)
        for flag, flag_value in flags.items():
            if not isinstance(flag_value, bool):
                raise self.fail(f"{where}.result.{flag}", "must be true or false")
        fields = {
            field_name: self.field(field_name, rule, f"{where}.fields.{field_name}")
            for field_name, rule in self.table(table.get("fields", {}), f"{where}.fields").items()
        }
        return EventRule(
            kind=kind,
            record_type=record_type,
            record_name=record_name,
            activity_type=activity_type,
            verb=self.verb(table["verb"], f"{where}.verb"),
            object=table["object"],
            actor=actor,
            timestamp=self.text(table["timestamp"], f"{where}.timestamp"),
            result_flags=dict(flags),
            fields=fields,
        )

    def field(self, name: str, value: Any, where: str) -> FieldRule:
        table = self.keys(value, where, ("to", "type"), ("key", "free_text", "min", "max"))
        to, kind = table["to"], table["type"]
        if to not in FIELD_TARGETS:
            raise self.fail(f"{where}.to", f"must be one of {', '.join(FIELD_TARGETS)}")
        if kind not in FIELD_TYPES:
            raise self.fail(f"{where}.type", f"must be one of {', '.join(FIELD_TYPES)}")
        is_extension = to.endswith(".extensions")
        if is_extension != ("key" in table):
            raise self.fail(f"{where}.key", "required for extensions, not allowed otherwise")
        if kind == "object" and not is_extension:
            raise self.fail(f"{where}.to", "an object field can only go to extensions")
        if to == "result.response" and kind != "text":
            raise self.fail(f"{where}.type", "result.response takes text")
        bounds = {}
        for bound in ("min", "max"):
            if bound in table:
                if kind not in ("integer", "number") or isinstance(table[bound], bool) or not isinstance(
                    table[bound], (int, float)
                ):
                    raise self.fail(f"{where}.{bound}", "only numeric fields take a numeric bound")
                bounds[bound] = table[bound]
        if to == "result.score" and (kind not in ("integer", "number") or len(bounds) != 2):
            raise self.fail(where, "result.score needs a numeric type with min and max")
        if len(bounds) == 2 and bounds["min"] >= bounds["max"]:
            raise self.fail(f"{where}.max", "must be greater than min")
        free_text = table.get("free_text", False)
        if not isinstance(free_text, bool) or (free_text and kind not in FREE_TEXT_TYPES):
            raise self.fail(f"{where}.free_text", "must be a boolean, and only text or object fields are free text")
        return FieldRule(
            name=name,
            to=to,
            type=kind,
            key=self.iri(table["key"], f"{where}.key") if is_extension else None,
            free_text=free_text,
            min=bounds.get("min"),
            max=bounds.get("max"),
        )
