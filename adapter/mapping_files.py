"""Loading the declarative files in mappings/, validated so a mistake names its place."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from adapter.domain.roles import APP_ROLES, RoleMap
from adapter.domain.templates import CONVERSATION_KINDS, SOURCE_LANGUAGE, Template, TemplateCatalog, TemplateField
from xapi.mapping import MappingError

MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "mappings"


def read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MappingError(path.name, "(file)", f"not valid YAML: {exc}") from exc
    except OSError as exc:
        raise MappingError(path.name, "(file)", f"cannot be read: {exc.strerror}") from exc


def load_role_map(path: Path | None = None) -> RoleMap:
    path = path or MAPPINGS_DIR / "roles.yaml"
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise MappingError(path.name, "(file)", "must be a mapping")
    by_scope: dict[str, dict[str, str]] = {}
    for scope in ("context", "institution", "system"):
        entries = data.get(scope) or {}
        if not isinstance(entries, dict):
            raise MappingError(path.name, scope, "must map role names to coachbridge roles")
        for name, app_role in entries.items():
            if app_role not in APP_ROLES:
                raise MappingError(path.name, f"{scope}.{name}", f"{app_role!r} is not one of {', '.join(APP_ROLES)}")
        by_scope[scope] = {str(k): v for k, v in entries.items()}
    priority = data.get("landing_priority") or list(APP_ROLES)
    if sorted(priority) != sorted(APP_ROLES):
        raise MappingError(path.name, "landing_priority", f"must list each of {', '.join(APP_ROLES)} once")
    default = data.get("default", "learner")
    if default not in APP_ROLES:
        raise MappingError(path.name, "default", f"{default!r} is not one of {', '.join(APP_ROLES)}")
    return RoleMap(by_scope=by_scope, landing_priority=tuple(priority), default=default)


TEMPLATE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")  # RFC 5646's shape, in lower case


def load_templates(directory: Path | None = None) -> TemplateCatalog:
    """Every ``*.yaml`` in mappings/templates/ is one template; its key is the file name."""
    directory = directory or MAPPINGS_DIR / "templates"
    templates = [_load_template(path) for path in sorted(directory.glob("*.yaml"))]
    if not templates:
        raise MappingError(directory.name, "(directory)", "holds no template files")
    return TemplateCatalog(by_key={t.key: t for t in templates})


Texts = dict[str, str]  # language tag -> the text in that language


def _load_template(path: Path) -> Template:
    """A template and its translations. Each text is a plain string (English) or a map of
    language tags to texts with ``en`` in it; a language the template is translated into
    must have every one of its texts (a half-translated template is refused, naming the
    text missing), and a language it is not translated into reads it all in English."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise MappingError(path.name, "(file)", "must be a mapping")
    unknown = set(data) - {"title", "kind", "description", "example", "fields"}
    if unknown:
        raise MappingError(path.name, sorted(unknown)[0],
                           "is not a template setting (title, kind, description, example, fields)")
    texts: dict[str, Texts] = {}  # where in the file -> its texts
    title = texts["title"] = _texts(path, data, "title", required=True)
    kind = data.get("kind")
    if kind not in CONVERSATION_KINDS:
        raise MappingError(path.name, "kind", f"must be one of {', '.join(CONVERSATION_KINDS)}, not {kind!r}")
    description = texts["description"] = _texts(path, data, "description")
    example = texts["example"] = _texts(path, data, "example")
    entries = data.get("fields")
    if not isinstance(entries, list) or not entries:
        raise MappingError(path.name, "fields", "must be a non-empty list of questions")
    fields: list[tuple[str, bool, Texts, Texts, Texts]] = []
    for index, entry in enumerate(entries):
        place = f"fields[{index}]"
        if not isinstance(entry, dict):
            raise MappingError(path.name, place, "must be a mapping with name and label")
        name = entry.get("name")
        if not isinstance(name, str) or not TEMPLATE_NAME.match(name):
            raise MappingError(path.name, f"{place}.name", "must be lower_case letters, digits and underscores")
        if name in {f[0] for f in fields}:
            raise MappingError(path.name, f"{place}.name", f"{name!r} is used twice")
        required = entry.get("required", True)
        if not isinstance(required, bool):
            raise MappingError(path.name, f"{place}.required", "must be true or false")
        label = texts[place + ".label"] = _texts(path, entry, "label", place + ".", required=True)
        shared = texts[place + ".shared_label"] = _texts(path, entry, "shared_label", place + ".") or label
        help_text = texts[place + ".help"] = _texts(path, entry, "help", place + ".")
        fields.append((name, required, label, shared, help_text))
    languages = _complete_languages(path, texts)

    def in_language(language: str) -> Template:
        return Template(key=path.stem, title=title[language], kind=kind, description=description.get(language, ""),
                        example=example.get(language, ""), language=language,
                        fields=tuple(TemplateField(name=name, label=label[language], required=required,
                                                   help=help_text.get(language, ""), shared_label=shared[language])
                                     for name, required, label, shared, help_text in fields))

    source = in_language(SOURCE_LANGUAGE)
    return replace(source, translations={language: in_language(language) for language in languages
                                         if language != SOURCE_LANGUAGE})


def _texts(path: Path, data: dict, name: str, prefix: str = "", required: bool = False) -> Texts:
    """One text setting as {language tag: text}; absent (when allowed) -> {}."""
    value, place = data.get(name), prefix + name
    if value is None or value == "":
        if required:
            raise MappingError(path.name, place, "must be a non-empty text")
        return {}
    if isinstance(value, str):
        value = {SOURCE_LANGUAGE: value}
    if not isinstance(value, dict):
        raise MappingError(path.name, place, "must be a text, or a map of language tags (en, fr, ...) to texts")
    texts: Texts = {}
    for tag, text in value.items():
        if not isinstance(tag, str) or not LANGUAGE_TAG.match(tag.lower()):
            raise MappingError(path.name, f"{place}.{tag}", "is not a language tag (RFC 5646, e.g. en, fr, pt-br)")
        if not isinstance(text, str) or not text.strip():
            raise MappingError(path.name, f"{place}.{tag}", "must be a non-empty text")
        texts[tag.lower()] = text.strip()
    if SOURCE_LANGUAGE not in texts:
        raise MappingError(path.name, place, f"has no English text ({SOURCE_LANGUAGE}), which every text needs")
    return texts


def _complete_languages(path: Path, texts: dict[str, Texts]) -> list[str]:
    """The languages the template is translated into, once each of its texts has them all."""
    languages = sorted({tag for by_language in texts.values() for tag in by_language})
    for place, by_language in texts.items():
        missing = [tag for tag in languages if by_language and tag not in by_language]
        if missing:
            raise MappingError(path.name, place, f"has no {', '.join(missing)} text, though other texts of the "
                                            "template do (translate it, or leave that language out everywhere)")
    return languages
