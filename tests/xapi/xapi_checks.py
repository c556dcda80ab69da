"""Our own statement checks, beyond what ralph's pydantic models verify: a timezone on
every timestamp (and no ``-00:00`` in 2.0.0), the voiding shape, context.platform and
revision only with an Activity object, and exactly one IFI per agent. Returns the problems found, so a test can show all of them at once."""

from __future__ import annotations

import re
import uuid
from typing import Any, Iterator

IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$")
VOIDED = "http://adlnet.gov/expapi/verbs/voided"


def statement_problems(statement: dict[str, Any], version: str = "1.0.3") -> list[str]:
    problems: list[str] = []
    if not _is_uuid(statement.get("id")):
        problems.append(f"id is not a UUID: {statement.get('id')!r}")
    timestamp = statement.get("timestamp")
    if not isinstance(timestamp, str) or not TIMESTAMP.match(timestamp):
        problems.append(f"timestamp is not RFC 3339 with milliseconds and a timezone: {timestamp!r}")
    elif version.startswith("2.") and timestamp.endswith("-00:00"):
        problems.append("timestamp offset -00:00 is rejected by xAPI 2.0")
    for where, agent in _agents(statement):
        ifis = [key for key in IFI_KEYS if key in agent]
        if len(ifis) != 1:
            problems.append(f"{where} has {len(ifis)} IFIs ({', '.join(ifis) or 'none'}), not exactly one")
        account = agent.get("account")
        if account is not None and not (account.get("homePage") and account.get("name")):
            problems.append(f"{where}.account needs homePage and name")
    verb = statement.get("verb", {})
    obj = statement.get("object", {})
    if verb.get("id") == VOIDED:
        if obj.get("objectType") != "StatementRef" or not _is_uuid(obj.get("id")):
            problems.append("a voiding statement's object must be a StatementRef with a UUID id")
    problems.extend(_language_map_problems("verb.display", verb.get("display")))
    context = statement.get("context", {})
    if obj.get("objectType", "Activity") != "Activity":
        problems.extend(f"context.{key} is only allowed with an Activity object"
                        for key in ("platform", "revision") if key in context)
    if version.startswith("1.") and ("contextAgents" in context or "contextGroups" in context):
        problems.append("contextAgents/contextGroups are xAPI 2.0 only")
    for index, entry in enumerate(context.get("contextAgents", [])):
        if entry.get("objectType") != "contextAgent" or not entry.get("relevantTypes"):
            problems.append(f"context.contextAgents[{index}] needs objectType contextAgent and relevantTypes")
    return problems


def _agents(statement: dict[str, Any]) -> Iterator[tuple[str, dict]]:
    yield "actor", statement.get("actor", {})
    context = statement.get("context", {})
    if "instructor" in context:
        yield "context.instructor", context["instructor"]
    for index, entry in enumerate(context.get("contextAgents", [])):
        yield f"context.contextAgents[{index}].agent", entry.get("agent", {})
    if statement.get("object", {}).get("objectType") == "Agent":
        yield "object", statement["object"]


def _language_map_problems(where: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, dict) or not value or not all(k and isinstance(v, str) and v for k, v in value.items()):
        return [f"{where} is not a non-empty language map"]
    return []


def _is_uuid(value: Any) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)
