"""Who is asking: what the authorization rules need to know about a session's person,
looked up on one connection, once per request."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from adapter.domain.authorization import Asker
from adapter.persistence import platform_store
from adapter.persistence.relationships_store import pending_nominations

from .admin_access import OPERATOR_SIGN_IN
from .coaching import load_viewer


def load_asker(conn: Connection, person_id: int | None, platform_id: int | None, roles: list[str],
               context_pk: int | None, signed_in_by: str | None,
               nominations: list[dict[str, Any]] | None = None, mentee_ids: frozenset[int] | None = None) -> Asker:
    """``nominations`` (those waiting for the person's answer) and ``mentee_ids``: when the
    caller read them already."""
    viewer = None if person_id is None else load_viewer(conn, person_id, platform_id, roles, context_pk,
                                                        mentee_ids)
    awaiting = viewer is not None and not viewer.leads_a_team() and bool(
        pending_nominations(conn, manager_id=person_id) if nominations is None else nominations)
    active = "admin" in roles and platform_id is not None and platform_store.is_active(conn, platform_id)
    return Asker(roles=frozenset(roles), viewer=viewer, platform_id=platform_id,
                 signed_in_as_operator=signed_in_by == OPERATOR_SIGN_IN, platform_active=active,
                 awaiting_their_answer=awaiting)
