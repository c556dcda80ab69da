"""SCIM 2.0 documents (RFC 7643/7644) on ``scim2-models``: the User model with the
Enterprise extension, the discovery documents, and the tolerances identity providers need.

Only Users are served: the manager attribute of the Enterprise extension is what the tool
reads (the learner → line manager relationship); groups mean nothing here.
"""
from __future__ import annotations

import copy
import unicodedata
from datetime import datetime, timezone
from typing import Any

from scim2_models import (
    AuthenticationScheme, Bulk, ChangePassword, Context, EnterpriseUser, ETag, Filter, InvalidValueException, Meta,
    Patch, ResourceType, ScimProvider, ServiceProviderConfig, Sort, User,
)

UserModel = User[EnterpriseUser]
ENTERPRISE = str(EnterpriseUser.__schema__)
MAX_RESULTS = 200  # the most users one list page returns
SCIM_MEDIA_TYPE = "application/scim+json"

PROVIDER = ScimProvider(
    models=[User, EnterpriseUser],
    resource_types=[ResourceType.from_resource(UserModel)],
    config=ServiceProviderConfig(
        patch=Patch(supported=True), bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS), change_password=ChangePassword(supported=False),
        sort=Sort(supported=False), etag=ETag(supported=False),
        authentication_schemes=[AuthenticationScheme(
            type="oauthbearertoken", name="Bearer token", primary=True,
            description="A token per LMS platform: coachbridge scim token create --platform ID")],
    ),
)


def _located(document: Any, location: str) -> dict[str, Any]:
    body = document.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    body.setdefault("meta", {})["location"] = location
    return body


def service_provider_config(base_url: str) -> dict[str, Any]:
    body = PROVIDER.config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    body["meta"] = {"resourceType": "ServiceProviderConfig", "location": f"{base_url}/ServiceProviderConfig"}
    return body


def schemas(base_url: str) -> dict[str, dict[str, Any]]:
    return {str(s.id): _located(s, f"{base_url}/Schemas/{s.id}") for s in PROVIDER.schemas}


def resource_types(base_url: str) -> dict[str, dict[str, Any]]:
    return {str(r.id): _located(r, f"{base_url}/ResourceTypes/{r.id}") for r in PROVIDER.resource_types}


def list_response(resources: list[dict[str, Any]], total: int, start_index: int) -> dict[str, Any]:
    return {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": total,
            "startIndex": start_index, "itemsPerPage": len(resources), "Resources": resources}


MAX_TEXT = 255  # userName, externalId, emails and names are kept in columns of this width


def nul_free(payload: Any) -> Any:
    """The payload, refused when any string in it holds a NUL (PostgreSQL cannot store one)."""
    stack = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and "\x00" in item:
            raise InvalidValueException(detail="a value holds a NUL character")
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return payload


def check_widths(user: Any) -> None:
    for label, value in (("userName", user.user_name), ("externalId", user.external_id),
                         ("email", email_of(user)), ("department", department_of(user))):
        if value and len(value) > MAX_TEXT:
            raise InvalidValueException(detail=f"{label} is longer than {MAX_TEXT} characters")
    if any(unicodedata.category(char) == "Cc" for char in department_of(user)):
        raise InvalidValueException(detail="department holds a control character")


def with_manager_refs(payload: Any, base_url: str) -> Any:
    """Identity providers send the manager as ``{"value": id}`` or a bare id (Entra ID);
    RFC 7643 also wants its ``$ref``: filled in here so their payloads validate. An empty
    value means no manager."""
    if not isinstance(payload, dict) or not isinstance(payload.get(ENTERPRISE), dict):
        return payload
    payload = copy.deepcopy(payload)
    extension = payload[ENTERPRISE]
    if "manager" in extension:
        extension["manager"] = manager_value(extension["manager"], base_url)
        if extension["manager"] is None:
            del extension["manager"]
    return payload


def manager_value(value: Any, base_url: str) -> dict[str, Any] | None:
    if isinstance(value, str):
        value = {"value": value}
    if not isinstance(value, dict) or not value.get("value"):
        return None
    return {**value, "$ref": value.get("$ref") or f"{base_url}/Users/{value['value']}"}


def patch_with_manager_refs(payload: Any, base_url: str) -> Any:
    """The same tolerance for PATCH operations on the manager (or on the whole extension)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("Operations"), list):
        return payload
    payload = copy.deepcopy(payload)
    for operation in payload["Operations"]:
        if not isinstance(operation, dict):
            continue
        path = str(operation.get("path") or "")
        if path.lower() in (f"{ENTERPRISE}:manager".lower(), f"{ENTERPRISE}:manager.value".lower()):
            operation["path"] = f"{ENTERPRISE}:manager"
            if str(operation.get("op", "")).lower() != "remove":
                value = manager_value(operation.get("value"), base_url)
                operation.update({"op": "replace", "value": value} if value else {"op": "remove"})
                if value is None:
                    operation.pop("value", None)
        elif not path and isinstance(operation.get("value"), dict):
            operation["value"] = with_manager_refs(operation["value"], base_url)
    return payload


def as_served(user: Any, user_id: str, created_at: float, updated_at: float, version: int, base_url: str) -> Any:
    """The user as the service shows it: id and meta set here, never taken from a client."""
    user = user.model_copy(deep=True)
    user.id = user_id
    user.meta = Meta(resource_type="User", created=_datetime(created_at), last_modified=_datetime(updated_at),
                     version=f'W/"{version}"', location=f"{base_url}/Users/{user_id}")
    return user


def _datetime(at: float) -> datetime:
    return datetime.fromtimestamp(at, tz=timezone.utc)


def stored(user: Any) -> dict[str, Any]:
    """What is kept of a user: everything a client may write (no id, no meta)."""
    body = user.model_dump(scim_ctx=Context.DEFAULT)
    body.pop("id", None)
    body.pop("meta", None)
    return body


def email_of(user: Any) -> str:
    """The address the first launch will be matched by: userName when it is one (Entra's
    UPN, Okta's login), else the primary (or first) email."""
    if "@" in (user.user_name or ""):
        return user.user_name
    emails = user.emails or []
    primary = next((e for e in emails if e.primary), emails[0] if emails else None)
    return str(primary.value) if primary and primary.value else ""


def department_of(user: Any) -> str:
    """The enterprise extension's department: the person's team in the reports ("" if none)."""
    extension = user[EnterpriseUser]
    return ((extension.department if extension is not None else None) or "").strip()


def display_name_of(user: Any) -> str:
    name = user.name
    if user.display_name:
        shown = user.display_name
    elif name and (name.formatted or name.given_name or name.family_name):
        shown = name.formatted or " ".join(p for p in (name.given_name, name.family_name) if p)
    else:
        shown = ""
    return shown[:MAX_TEXT]
