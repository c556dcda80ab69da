"""Loading the declarative files in mappings/, validated so a mistake names its place."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from adapter.domain.roles import APP_ROLES, RoleMap
from adapter.domain.templates import CONVERSATION_KINDS, Template, TemplateCatalog, TemplateField
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


def load_templates(directory: Path | None = None) -> TemplateCatalog:
    """Every ``*.yaml`` in mappings/templates/ is one template; its key is the file name."""
    directory = directory or MAPPINGS_DIR / "templates"
    templates = [_load_template(path) for path in sorted(directory.glob("*.yaml"))]
    if not templates:
        raise MappingError(directory.name, "(directory)", "holds no template files")
    return TemplateCatalog(by_key={t.key: t for t in templates})


def _load_template(path: Path) -> Template:
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise MappingError(path.name, "(file)", "must be a mapping")
    unknown = set(data) - {"title", "kind", "description", "example", "fields"}
    if unknown:
        raise MappingError(path.name, sorted(unknown)[0],
                           "is not a template setting (title, kind, description, example, fields)")
    title = _required_text(path, data, "title")
    kind = data.get("kind")
    if kind not in CONVERSATION_KINDS:
        raise MappingError(path.name, "kind", f"must be one of {', '.join(CONVERSATION_KINDS)}, not {kind!r}")
    entries = data.get("fields")
    if not isinstance(entries, list) or not entries:
        raise MappingError(path.name, "fields", "must be a non-empty list of questions")
    fields: list[TemplateField] = []
    for index, entry in enumerate(entries):
        place = f"fields[{index}]"
        if not isinstance(entry, dict):
            raise MappingError(path.name, place, "must be a mapping with name and label")
        name = entry.get("name")
        if not isinstance(name, str) or not TEMPLATE_NAME.match(name):
            raise MappingError(path.name, f"{place}.name", "must be lower_case letters, digits and underscores")
        if name in {f.name for f in fields}:
            raise MappingError(path.name, f"{place}.name", f"{name!r} is used twice")
        required = entry.get("required", True)
        if not isinstance(required, bool):
            raise MappingError(path.name, f"{place}.required", "must be true or false")
        label = _required_text(path, entry, "label", place + ".")
        fields.append(TemplateField(name=name, label=label, required=required, help=str(entry.get("help") or ""),
                                    shared_label=str(entry.get("shared_label") or label)))
    return Template(key=path.stem, title=title, kind=kind, description=str(data.get("description") or ""),
                    example=str(data.get("example") or ""), fields=tuple(fields))


def _required_text(path: Path, data: dict, name: str, prefix: str = "") -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise MappingError(path.name, prefix + name, "must be a non-empty text")
    return value.strip()
