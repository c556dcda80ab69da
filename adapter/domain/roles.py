"""Which coachbridge roles a launch grants, from its LTI roles and the role map."""
from __future__ import annotations

from dataclasses import dataclass, field

from lti.roles import parse_role

APP_ROLES = ("learner", "manager", "instructor", "admin")


@dataclass(frozen=True)
class RoleMap:
    by_scope: dict[str, dict[str, str]]
    landing_priority: tuple[str, ...]
    default: str = "learner"
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    def app_roles(self, lti_roles: list[str]) -> list[str]:
        """The coachbridge roles, most powerful landing first; never empty."""
        granted: set[str] = set()
        for uri in lti_roles:
            role = parse_role(uri)
            app_role = self.by_scope.get(role.scope, {}).get(role.name)
            if app_role:
                granted.add(app_role)
        if not granted:
            granted.add(self.default)
        return [r for r in self.landing_priority if r in granted]

    def is_mentor(self, lti_roles: list[str]) -> bool:
        return any(parse_role(uri).name == "Mentor" for uri in lti_roles)
