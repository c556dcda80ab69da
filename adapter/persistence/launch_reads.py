"""What the tool already knows about a launch's course, link, person and membership, in one read.

A launch saves its course, resource link, activity address, person and membership; most
launches repeat what is stored, so each save first compares (upsert.upsert_if_changed).
One statement reads all five rows (and whether an expected person waits for this launch
or a placement waits for its first launch, the person's saved language for the landing
page, and whether they lead a team or have nominations waiting, so that the landing need
not ask) instead of one read each: fewer round trips on PostgreSQL, fewer statements through
the driver on both databases.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from . import driver_sql
from .expected_people_store import WAITING_BY_EMAIL, WAITING_BY_SUB
from .locale_store import LocaleChoice
from .placement_store import placement_of

# Stored columns, per table, in the order the statement reads them.
CONTEXT = ("id", "title", "label", "lineitems_url", "memberships_url")
LINK = ("id", "title", "context_pk", "custom", "lineitem_url")
PERSON = ("id", "name", "given_name", "family_name", "email", "last_launch_at")
MEMBERSHIP = ("id", "app_roles", "lti_roles", "status")
_COLUMNS = [("c", CONTEXT), ("r", LINK), ("p", PERSON), ("m", MEMBERSHIP)]

# Rows absent are NULLs of the LEFT JOINs (the outer ``people`` is ``p``: the subquery's
# ``people`` is its own); the expected-people test is match_expected's, the placement test
# note_first_launch's — asked only for a link whose custom parameters name a placement (most
# name none, and the test cost a twelfth of the read to answer a known "no").
_PLACEMENT_WAITS = ("EXISTS (SELECT 1 FROM placements WHERE placements.id = :placement AND placements.context_pk = c.id"
                    " AND placements.resource_link_pk IS NULL)")
# relationships_store.team_and_nominations finds nothing when this is false (the landing then
# need not ask it); by the indexes on (manager_id, ended_at) and (manager_id, status).
_HAS_TEAM_OR_NOMINATIONS = (
    "EXISTS (SELECT 1 FROM manager_links WHERE manager_links.manager_id = p.id AND manager_links.ended_at IS NULL)"
    " OR EXISTS (SELECT 1 FROM manager_nominations WHERE manager_nominations.manager_id = p.id"
    " AND manager_nominations.status = 'pending')")


def _known(placement_waits: str) -> dict[str, str]:
    return driver_sql.both(
        "SELECT " + ", ".join(f"{alias}.{name}" for alias, names in _COLUMNS for name in names) + ", a.url,"
        " lc.locale, lc.chosen_over, (SELECT default_locale FROM platform_locales WHERE platform_id = :platform_id),"
        f" {placement_waits}, EXISTS (SELECT 1{WAITING_BY_SUB}) OR EXISTS (SELECT 1{WAITING_BY_EMAIL}),"
        f" {_HAS_TEAM_OR_NOMINATIONS}"
        " FROM (SELECT 1 AS one) AS launch"
        " LEFT JOIN contexts AS c ON c.platform_id = :platform_id AND c.deployment_id = :deployment_id"
        " AND c.context_id = :context_id"
        " LEFT JOIN resource_links AS r ON r.platform_id = :platform_id AND r.deployment_id = :deployment_id"
        " AND r.resource_link_id = :resource_link_id"
        " LEFT JOIN activity_urls AS a ON a.resource_link_pk = r.id"
        " LEFT JOIN people AS p ON p.platform_id = :platform_id AND p.sub = :sub"
        " LEFT JOIN memberships AS m ON m.context_pk = c.id AND m.person_id = p.id"
        " LEFT JOIN locale_choices AS lc ON lc.person_id = p.id")


_KNOWN, _KNOWN_NO_PLACEMENT = _known(_PLACEMENT_WAITS), _known("FALSE")


@dataclass(frozen=True)
class Known:
    """Stored rows as column → value (None: no such row)."""
    context: dict[str, Any] | None
    link: dict[str, Any] | None
    person: dict[str, Any] | None
    membership: dict[str, Any] | None
    activity_url: str | None
    # The person's saved language and their platform's default (locale_store.saved), for the page.
    locale_choice: LocaleChoice | None
    platform_locale: str | None
    placement_waits: bool  # the link's custom parameters name a placement not yet opened
    person_expected: bool  # an expected person may be matched by this launch
    # The stored person leads a current team or has nominations waiting for their answer.
    team_or_nominations: bool


def known_for_launch(conn: Connection, platform_id: int, deployment_id: str, context_id: str | None,
                     resource_link_id: str | None, sub: str, email: str, custom: dict[str, Any]) -> Known:
    """``email``: the one the platform vouches for ('' if none), as match_expected takes it."""
    placement = placement_of(custom)
    row = driver_sql.run(conn, _KNOWN if placement is not None else _KNOWN_NO_PLACEMENT, {
        "platform_id": platform_id, "deployment_id": deployment_id, "context_id": context_id,
        "resource_link_id": resource_link_id, "sub": sub, "email": email.strip().lower() or None,
        "placement": placement})[0]
    rows, at = [], 0
    for _, names in _COLUMNS:
        values = row[at:at + len(names)]
        rows.append(dict(zip(names, values)) if values[0] is not None else None)
        at += len(names)
    url, locale, chosen_over, platform_locale, placement_waits, person_expected, team_or_nominations = row[at:]
    choice = LocaleChoice(locale, chosen_over) if locale is not None else None
    return Known(*rows, activity_url=url, locale_choice=choice, platform_locale=platform_locale,
                 placement_waits=bool(placement_waits), person_expected=bool(person_expected),
                 team_or_nominations=bool(team_or_nominations))
