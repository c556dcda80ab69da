"""What an administrator may see and change: every platform, or one.

Each registered LMS (issuer + client id) is a tenant. A *tool operator* (signed in with
the CLI's one-time link) looks after the tool itself: registrations, invitations and
every platform. A *platform admin* (an LMS Administrator launch) looks after their own
platform only. Every admin route loads one ``AdminScope`` per request and every admin
query takes it, so "whose data is this?" is answered in one place.
"""
from __future__ import annotations

from dataclasses import dataclass

from .refusals import NotFound


@dataclass(frozen=True)
class AdminScope:
    # None: a tool operator (every platform); otherwise the platform admin's own platform.
    platform_id: int | None

    @classmethod
    def operator(cls) -> AdminScope:
        return cls(platform_id=None)

    @classmethod
    def of_platform(cls, platform_id: int) -> AdminScope:
        return cls(platform_id=platform_id)

    @property
    def is_operator(self) -> bool:
        return self.platform_id is None

    def allows(self, platform_id: int | None) -> bool:
        return self.is_operator or (platform_id is not None and platform_id == self.platform_id)

    def may_reach_private_addresses(self, operator_allows: bool) -> bool:
        """Whether this admin may point the tool at a private, loopback or link-local address
        (an LRS inside the network): the tool operator always, platform admins only where
        the operator allowed it (COACHBRIDGE_ALLOW_PRIVATE_ADDRESSES)."""
        return self.is_operator or operator_allows

    def require(self, platform_id: int | None) -> int:
        """The platform id when this admin may act on it; another platform is reported as
        missing, like any record out of reach (its id reveals nothing)."""
        if platform_id is None or not self.allows(platform_id):
            raise NotFound("no such platform")
        return platform_id
