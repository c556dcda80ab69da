"""Where a person may go and where a launch lands, from what the tool knows about them.

Launch roles alone are not enough: most LMSs never send the Mentor role, so a manager
known from provisioning, an import or a confirmed nomination is a manager here too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from adapter.domain.authorization import Asker
from adapter.domain.translatable import N_
from adapter.persistence.relationships_store import (manages_anyone, mentee_in_course, pending_nominations,
                                                     team_and_nominations)

from .askers import load_asker

# Section (a blueprint with a home page) → its name in the navigation, in display order
# (English: the page translates it).
SECTION_NAMES = {"learner": N_("Your activity"), "manager": N_("Your team"), "instructor": N_("Your course"),
                 "admin": N_("Administration")}


@dataclass(frozen=True)
class Navigation:
    sections: list[tuple[str, str]]  # (section, name shown)
    # Learners who named this person as their manager and wait for an answer.
    nominations: list[dict[str, Any]] = field(default_factory=list)


def navigation_for(conn: Connection | None, person_id: int | None, app_roles: list[str],
                   manages: bool | None = None, nominations: list[dict[str, Any]] | None = None) -> Navigation:
    """``manages``: whether the person manages anyone, ``nominations``: those waiting for
    their answer, when the caller knows already."""
    if conn is None or person_id is None:  # an operator signed in from the CLI (or no database to ask)
        return Navigation([(role, SECTION_NAMES[role]) for role in app_roles])
    if nominations is None:
        nominations = pending_nominations(conn, manager_id=person_id)
    roles = set(app_roles)
    if nominations or (manages_anyone(conn, person_id) if manages is None else manages):
        roles.add("manager")
    return Navigation([(role, name) for role, name in SECTION_NAMES.items() if role in roles], nominations)


def landing(conn: Connection, person_id: int, platform_id: int, app_roles: list[str], context_pk: int | None,
            signed_in_by: str | None, no_team: bool = False) -> tuple[str, Navigation, Asker]:
    """Where a launch lands, that page's navigation, and who is asking (the page's permission
    checks), read together: the person's current mentees (whether they manage anyone) and
    the nominations waiting for their answer, in one statement.

    The launch role's page, except that a learner by launch role who manages someone
    lands on their team when they launched from a course one of their team is in (they
    came to follow the team); with the other view one click away either way.

    ``no_team``: the launch's own read found no mentees and no nominations (not read again)."""
    mentee_ids, nominations = (frozenset(), []) if no_team else team_and_nominations(conn, person_id)
    asker = load_asker(conn, person_id, platform_id, app_roles, context_pk, signed_in_by, nominations, mentee_ids)
    manages = bool(mentee_ids)
    navigation = navigation_for(conn, person_id, app_roles, manages, nominations)
    primary = app_roles[0]
    if primary != "learner" or not manages:
        return primary, navigation, asker
    section = "manager" if context_pk is None or mentee_in_course(conn, person_id, context_pk) else "learner"
    return section, navigation, asker
