"""Calling back into the LMS: service tokens per registration and the course roster (NRPS)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from adapter.domain.roles import RoleMap
from adapter.metrics import time_peer_requests
from adapter.persistence import people_store, platform_store, roster_store
from adapter.persistence.expected_people_store import match_expected
from adapter.persistence.key_cipher import KeyCipher
from adapter.persistence.key_store import ToolKeyStore
from adapter.persistence.service_token_store import SqlTokenCache
from lti.nrps import NrpsClient
from lti.safe_fetch import FencedSession, FetchLimits
from lti.service_token import DEFAULT_TIMEOUT_SECONDS, ServiceTokenClient

REGISTERED_URLS = ("issuer", "auth_login_url", "auth_token_url", "key_set_url")
SERVICE_ANSWER_MAX_BYTES = 32 * 1024 * 1024


class NoServiceAccess(Exception):
    """The registration or the course lacks what a service call needs."""


@dataclass(frozen=True)
class LmsAccess:
    """What calling a platform's services needs; one per process, shared by threads."""

    engine: Engine
    tool_keys: ToolKeyStore
    cipher: KeyCipher | None = None
    # The operator's COACHBRIDGE_ALLOW_PRIVATE_ADDRESSES: a launch names the service URLs, so
    # without it a platform cannot aim the tool at loopback, private or link-local addresses.
    allow_private_addresses: bool = False

    def token_client(self, platform_id: int) -> ServiceTokenClient:
        with self.engine.connect() as conn:
            row = platform_store.get_platform(conn, platform_id)
        if row is None or not row["auth_token_url"]:
            raise NoServiceAccess(f"platform {platform_id} has no access token URL registered")
        return ServiceTokenClient(self.tool_keys.current(), issuer=row["issuer"], client_id=row["client_id"],
                                  token_url=row["auth_token_url"], audience=row["token_audience"] or None,
                                  cache=SqlTokenCache(self.engine, self.cipher),
                                  session=time_peer_requests(self._fenced_session(row), "lms"))

    def _fenced_session(self, registration: Any) -> FencedSession:
        """Token, AGS and NRPS calls go only to the hosts this platform's registration names
        (see lti/safe_fetch.py); a roster of thousands of members is a few MB."""
        limits = FetchLimits(allow_private_addresses=self.allow_private_addresses, timeout=DEFAULT_TIMEOUT_SECONDS,
                             max_bytes=SERVICE_ANSWER_MAX_BYTES)
        return FencedSession(limits, registered=[registration[name] for name in REGISTERED_URLS
                                                 if registration[name]])


@dataclass(frozen=True)
class RosterSync:
    context_pk: int
    active: int
    departed: int
    used_differences: bool


def sync_roster(access: LmsAccess, role_map: RoleMap, context_pk: int, now: float) -> RosterSync:
    """Read the course roster from the LMS and record who is in it, with their roles.

    The first read is the whole roster, and members no longer in it become inactive;
    later reads use the platform's ``differences`` link when it offered one.
    """
    with access.engine.connect() as conn:
        course = roster_store.course(conn, context_pk)
    if course is None or not course["memberships_url"]:
        raise NoServiceAccess("this course's launches carried no roster (NRPS) service")
    differences = bool(course["roster_differences_url"])
    roster = NrpsClient(access.token_client(course["platform_id"])).fetch_roster(
        course["roster_differences_url"] or course["memberships_url"])
    active = departed = 0
    with access.engine.begin() as conn:
        seen: set[int] = set()
        for member in roster.members:
            # The roster's email is the LMS's word, as in a launch: it matches expected people.
            match_expected(conn, course["platform_id"], member.user_id, member.email or "", now)
            person_id = people_store.stub_person(conn, course["platform_id"], member.user_id, now)
            seen.add(person_id)
            if member.status != roster_store.ACTIVE:
                departed += roster_store.set_member_status(conn, context_pk, person_id, member.status, now)
                continue
            profile = {"name": member.name or "", "given_name": member.given_name or "",
                       "family_name": member.family_name or "", "email": member.email or ""}
            people_store.save_person(conn, course["platform_id"], member.user_id, profile, now, launched=False)
            people_store.save_membership(conn, context_pk, person_id, role_map.app_roles(list(member.roles)),
                                         list(member.roles), now)
            if role_map.is_mentor(list(member.roles)):  # as a launch with the Mentor role would
                people_store.sync_mentor_claim(conn, course["platform_id"], person_id,
                                               list(member.role_scope_mentor), now)
            active += 1
        if not differences:
            departed += roster_store.deactivate_all_but(conn, context_pk, seen, now)
        roster_store.mark_synced(conn, context_pk, roster.differences_url or "", now)
    return RosterSync(context_pk, active, departed, differences)


def contexts_with_roster(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return roster_store.courses_with_roster(conn)
