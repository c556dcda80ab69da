"""Names and Role Provisioning Services 2.0: a course's members from the LMS.

The tool should know a course's learners, instructors and mentors without waiting for
each of them to launch; a roster sync reads every page of the membership container and
keeps the ``differences`` URL, when the platform offers one, for the next, cheaper sync.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping
from urllib.parse import urljoin

from lti import claims
from lti.service_token import ServiceTokenClient


@dataclass(frozen=True)
class NrpsEndpoint:
    """The NRPS claim of a launch."""

    context_memberships_url: str

    @classmethod
    def from_claims(cls, launch_claims: Mapping[str, Any]) -> "NrpsEndpoint | None":
        claim = launch_claims.get(claims.NRPS)
        if not isinstance(claim, dict) or not claim.get("context_memberships_url"):
            return None
        return cls(context_memberships_url=claim["context_memberships_url"])


@dataclass(frozen=True)
class Member:
    """One membership; only ``user_id`` and ``roles`` are certain, the rest depends on
    what the platform's privacy settings share."""

    user_id: str
    roles: tuple[str, ...]
    status: str = "Active"
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    lis_person_sourcedid: str | None = None
    # The user ids a Mentor member may see as mentor (as in a launch's role_scope_mentor).
    role_scope_mentor: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> "Member":
        return cls(
            user_id=str(document["user_id"]),
            roles=tuple(document.get("roles") or ()),
            status=document.get("status") or "Active",
            name=document.get("name"),
            given_name=document.get("given_name"),
            family_name=document.get("family_name"),
            email=document.get("email"),
            lis_person_sourcedid=document.get("lis_person_sourcedid"),
            role_scope_mentor=tuple(str(u) for u in document.get("role_scope_mentor") or () if isinstance(u, str)),
        )


@dataclass(frozen=True)
class Roster:
    """Every member over all pages, and where to ask for changes since this read."""

    context_id: str | None
    members: tuple[Member, ...]
    differences_url: str | None


class NrpsClient:
    def __init__(self, token_client: ServiceTokenClient) -> None:
        self.token_client = token_client

    def fetch_roster(self, context_memberships_url: str) -> Roster:
        """Reads the membership container (or a ``differences`` URL) to its last page."""
        members: list[Member] = []
        context_id = differences_url = None
        for page in self.token_client.get_pages(
            context_memberships_url,
            {claims.NRPS_SCOPE_CONTEXTMEMBERSHIP_READONLY},
            claims.MEDIA_TYPE_MEMBERSHIP_CONTAINER,
        ):
            container = page.json()
            context_id = (container.get("context") or {}).get("id", context_id)
            members.extend(Member.from_json(document) for document in container.get("members", ()))
            differences = page.links.get("differences", {}).get("url")
            if differences:
                differences_url = urljoin(page.url, differences)
        return Roster(context_id, tuple(members), differences_url)
