"""SCIM provisioning use cases: the identity provider's users become people (expected
until their first launch) and its manager attribute their line manager (source
"provisioning"). One transaction per request: a refused request writes nothing.

Refusals are scim2-models exceptions (each knows its SCIM status and ``scimType``); the
web layer turns them into SCIM error documents.
"""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from scim2_models import (
    Context, EnterpriseUser, InvalidValueException, NotFoundException, PatchOp, ResponseParameters, ScimFilter,
    SearchRequest, UniquenessException,
)
from scim2_models.path.expressions import Comparison, CompareOperator
from sqlalchemy import Connection, Engine

from adapter.domain.relationships import SUPERSEDES, ManagerLink
from adapter.domain.rules import MAX_ID, RuleViolation
from adapter.persistence import relationships_store as links
from adapter.persistence.breakdown_queries import set_teams
from adapter.persistence import scim_store
from adapter.persistence.coaching_store import audit
from adapter.persistence.expected_people_store import find_or_expect, update_expected
from adapter.services import scim_documents as docs
from adapter.services.scim_documents import MAX_RESULTS, UserModel

PROVISIONING = "provisioning"


class BadRequest(Exception):
    """A payload that is not a valid SCIM document (its pydantic errors, for the SCIM error)."""

    def __init__(self, error: ValidationError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class Provisioner:
    """The SCIM service of one platform (the bearer token said which)."""

    engine: Engine
    platform_id: int
    base_url: str  # .../scim/v2

    # --- reading ---------------------------------------------------------------------
    def get(self, user_id: str, shown: Any = None) -> dict[str, Any]:
        """``shown``: the client's ``attributes`` / ``excludedAttributes`` (ResponseParameters)."""
        with self.engine.connect() as conn:
            return self._body(self._row(conn, user_id), Context.RESOURCE_QUERY_RESPONSE, shown)

    def search(self, filter_text: str | None, start_index: int, count: int, shown: Any = None) -> dict[str, Any]:
        """A page of users (``start_index`` from 1), filtered: ``userName eq`` and
        ``externalId eq`` are looked up directly, any other filter is evaluated on each user."""
        start_index, count = min(max(start_index, 1), MAX_ID), max(min(count, MAX_RESULTS), 0)
        with self.engine.connect() as conn:
            if not filter_text:
                total, rows = scim_store.page_of_users(conn, self.platform_id, start_index - 1, count)
            else:
                scim_filter = ScimFilter[UserModel](filter_text)
                lookup = _direct_lookup(scim_filter.ast)
                if lookup is not None:
                    total, rows = scim_store.page_of_users(conn, self.platform_id, start_index - 1, count, **lookup)
                else:
                    matching = [row for row in scim_store.all_users(conn, self.platform_id)
                                if scim_filter.match(self._served(row))]
                    total, rows = len(matching), matching[start_index - 1:start_index - 1 + count]
        return docs.list_response([self._body(row, Context.SEARCH_RESPONSE, shown) for row in rows], total,
                                  start_index)

    # --- writing ---------------------------------------------------------------------
    def create(self, payload: Any) -> dict[str, Any]:
        user = _validated(docs.with_manager_refs(docs.nul_free(payload), self.base_url),
                          Context.RESOURCE_CREATION_REQUEST)
        with self.engine.begin() as conn:
            row = self._write(conn, str(uuid.uuid4()), user, None)
            return self._body(row, Context.RESOURCE_CREATION_RESPONSE)

    def replace(self, user_id: str, payload: Any) -> dict[str, Any]:
        user = _validated(docs.with_manager_refs(docs.nul_free(payload), self.base_url),
                          Context.RESOURCE_REPLACEMENT_REQUEST)
        with self.engine.begin() as conn:
            row = self._write(conn, user_id, user, self._row(conn, user_id))
            return self._body(row, Context.RESOURCE_REPLACEMENT_RESPONSE)

    def patch(self, user_id: str, payload: Any) -> dict[str, Any]:
        try:
            patch = PatchOp[UserModel].model_validate(docs.patch_with_manager_refs(docs.nul_free(payload),
                                                                                   self.base_url),
                                                      scim_ctx=Context.RESOURCE_PATCH_REQUEST)
        except ValidationError as invalid:
            raise BadRequest(invalid) from None
        with self.engine.begin() as conn:
            before = self._row(conn, user_id)
            user = self._model(before)
            patch.patch(user)
            row = self._write(conn, user_id, user, before)
            return self._body(row, Context.RESOURCE_PATCH_RESPONSE)

    def delete(self, user_id: str) -> None:
        """The user leaves: their relationships end (records stay), they stop being anyone's manager."""
        now = time.time()
        with self.engine.begin() as conn:
            row = self._row(conn, user_id)
            reports = scim_store.reports_of(conn, self.platform_id, user_id)
            scim_store.delete_user(conn, self.platform_id, user_id)
            ended = links.end_links_of(conn, row["person_id"], now)
            audit(conn, at=now, actor_id=None, platform_id=self.platform_id, action="provisioning.user_deleted",
                  record_type="person", record_id=row["person_id"], detail={"ended": ended, "reports": len(reports)})

    # --- the one write path ----------------------------------------------------------
    def _write(self, conn: Connection, user_id: str, user: Any, before: dict[str, Any] | None) -> dict[str, Any]:
        now = time.time()
        docs.check_widths(user)
        name_key = user.user_name.casefold()
        holder = scim_store.user_id_by_name(conn, self.platform_id, name_key)
        if holder is not None and holder != user_id:
            raise UniquenessException(detail=f"userName {user.user_name!r} is already provisioned")
        manager_id = self._checked_manager(conn, user_id, user)
        email = docs.email_of(user)
        if before is None:
            person_id = find_or_expect(conn, self.platform_id, email=email, name=docs.display_name_of(user),
                                       source=PROVISIONING, now=now)
            if person_id is None:
                raise InvalidValueException(detail=f"{email} belongs to several people on this platform")
        else:
            person_id = before["person_id"]
            update_expected(conn, person_id, email=email, name=docs.display_name_of(user))
        active = user.active is not False
        row = {"id": user_id, "platform_id": self.platform_id, "person_id": person_id, "user_name_key": name_key,
               "external_id": user.external_id, "active": active, "manager_id": manager_id,
               "resource": docs.stored(user), "created_at": before["created_at"] if before else now,
               "updated_at": now, "version": (before["version"] + 1) if before else 1}
        scim_store.save_user(conn, row)
        department = docs.department_of(user)
        if department:  # as the relationships import's team column: a blank one leaves the team as it was
            set_teams(conn, [(person_id, department)])
        changed = self._reconcile(conn, user_id, now)
        for report in scim_store.reports_of(conn, self.platform_id, user_id):
            changed += self._reconcile(conn, report, now)
        audit(conn, at=now, actor_id=None, platform_id=self.platform_id,
              action="provisioning.user_" + ("created" if before is None else "updated"), record_type="person",
              record_id=person_id, detail={"active": active, "manager_set": manager_id is not None,
                                           "team_set": bool(department), "links_changed": changed})
        return row

    def _checked_manager(self, conn: Connection, user_id: str, user: Any) -> str | None:
        extension = user[EnterpriseUser]
        manager = extension.manager.value if extension is not None and extension.manager else None
        if not manager:
            return None
        if scim_store.get_user(conn, self.platform_id, manager) is None:
            raise InvalidValueException(detail=f"manager {manager!r} is not a provisioned user")
        seen, step = {user_id}, manager
        while step is not None:  # walk up the chain: it must never come back to this user
            if step in seen:
                raise InvalidValueException(detail=f"manager {manager!r} would make a management cycle")
            seen.add(step)
            step = scim_store.manager_of(conn, self.platform_id, step)
        return manager

    def _reconcile(self, conn: Connection, user_id: str, now: float) -> int:
        """Make the user's relationships what the identity provider says: their manager
        (when both are active) from provisioning; nothing at all while inactive."""
        row = scim_store.get_user(conn, self.platform_id, user_id)
        if not row["active"]:
            return links.end_links_of(conn, row["person_id"], now)
        manager = scim_store.get_user(conn, self.platform_id, row["manager_id"]) if row["manager_id"] else None
        manager_person = manager["person_id"] if manager and manager["active"] else None
        ended = links.end_other_managers(conn, row["person_id"], {manager_person} - {None},
                                         (PROVISIONING, *SUPERSEDES[PROVISIONING]), now)
        if manager_person is None:
            return ended
        try:
            link = ManagerLink(row["person_id"], manager_person)
        except RuleViolation as same_person:  # two provisioned users who are one person here
            raise InvalidValueException(detail=same_person.english) from None
        started = links.link_manager(conn, link, PROVISIONING, now)
        return ended + started

    # --- helpers ---------------------------------------------------------------------
    def _row(self, conn: Connection, user_id: str) -> dict[str, Any]:
        row = scim_store.get_user(conn, self.platform_id, user_id)
        if row is None:
            raise NotFoundException(detail=f"no user {user_id}")
        return row

    def _model(self, row: dict[str, Any]) -> Any:
        return UserModel.model_validate(row["resource"])

    def _served(self, row: dict[str, Any]) -> Any:
        return docs.as_served(self._model(row), row["id"], row["created_at"], row["updated_at"], row["version"],
                              self.base_url)

    def _body(self, row: dict[str, Any], context: Context, shown: Any = None) -> dict[str, Any]:
        return self._served(row).model_dump(scim_ctx=context, response_parameters=shown)


def _validated(payload: Any, context: Context, model: Any = UserModel) -> Any:
    try:
        return model.model_validate(payload, scim_ctx=context)
    except ValidationError as invalid:
        raise BadRequest(invalid) from None


def response_parameters(attributes: str | None, excluded: str | None) -> Any:
    """The ``attributes`` / ``excludedAttributes`` query parameters, checked against the User model."""
    return _validated({"attributes": attributes, "excludedAttributes": excluded}, Context.DEFAULT,
                      ResponseParameters[UserModel])


def search_request(payload: Any) -> Any:
    """A POST ``/Users/.search`` body: filter, paging and which attributes to return."""
    return _validated(payload, Context.SEARCH_REQUEST, SearchRequest[UserModel])


def _direct_lookup(node: Any) -> dict[str, str] | None:
    """``userName eq "x"`` / ``externalId eq "x"``: answered by an index, not by reading every user."""
    if not isinstance(node, Comparison) or node.op != CompareOperator.eq or not isinstance(node.value, str):
        return None
    attr = node.attr_path
    if attr.sub_attr or attr.uri not in (None, "urn:ietf:params:scim:schemas:core:2.0:User"):
        return None
    if attr.attr.lower() == "username":
        return {"user_name_key": node.value.casefold()}
    if attr.attr.lower() == "externalid":
        return {"external_id": node.value}
    return None
