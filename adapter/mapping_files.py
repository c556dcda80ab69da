"""Loading the declarative files in mappings/, validated so a mistake names its place."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from adapter.domain.roles import APP_ROLES, RoleMap

MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "mappings"


class MappingError(ValueError):
    def __init__(self, path: Path, field: str, problem: str) -> None:
        super().__init__(f"{path.name}: {field}: {problem}")
        self.path, self.field, self.problem = path, field, problem


def read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MappingError(path, "(file)", f"not valid YAML: {exc}") from exc
    except OSError as exc:
        raise MappingError(path, "(file)", f"cannot be read: {exc.strerror}") from exc


def load_role_map(path: Path | None = None) -> RoleMap:
    path = path or MAPPINGS_DIR / "roles.yaml"
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise MappingError(path, "(file)", "must be a mapping")
    by_scope: dict[str, dict[str, str]] = {}
    for scope in ("context", "institution", "system"):
        entries = data.get(scope) or {}
        if not isinstance(entries, dict):
            raise MappingError(path, scope, "must map role names to coachbridge roles")
        for name, app_role in entries.items():
            if app_role not in APP_ROLES:
                raise MappingError(path, f"{scope}.{name}", f"{app_role!r} is not one of {', '.join(APP_ROLES)}")
        by_scope[scope] = {str(k): v for k, v in entries.items()}
    priority = data.get("landing_priority") or list(APP_ROLES)
    if sorted(priority) != sorted(APP_ROLES):
        raise MappingError(path, "landing_priority", f"must list each of {', '.join(APP_ROLES)} once")
    default = data.get("default", "learner")
    if default not in APP_ROLES:
        raise MappingError(path, "default", f"{default!r} is not one of {', '.join(APP_ROLES)}")
    return RoleMap(by_scope=by_scope, landing_priority=tuple(priority), default=default)
