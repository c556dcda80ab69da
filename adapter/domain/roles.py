"""Which coachbridge roles a launch grants, from its LTI roles and the role map."""
from __future__ import annotations

from dataclasses import dataclass

from lti.roles import parse_role

APP_ROLES = ("learner", "manager", "instructor", "admin")


@dataclass(frozen=True)
class RoleMap:
    by_scope: dict[str, dict[str, str]]
    landing_priority: tuple[str, ...]
    default: str = "learner"

    def grants(self, lti_roles: list[str]) -> tuple[list[str], bool]:
        """:meth:`app_roles` and :meth:`is_mentor` at once, each role parsed once (every
        launch asks both)."""
        granted: set[str] = set()
        mentor = False
        for uri in lti_roles:
            role = parse_role(uri)
            app_role = self.by_scope.get(role.scope, {}).get(role.name)
            if app_role:
                granted.add(app_role)
            mentor = mentor or role.name == "Mentor"
        if not granted:
            granted.add(self.default)
        return [r for r in self.landing_priority if r in granted], mentor

    def app_roles(self, lti_roles: list[str]) -> list[str]:
        """The coachbridge roles, most powerful landing first; never empty."""
        return self.grants(lti_roles)[0]

    def is_mentor(self, lti_roles: list[str]) -> bool:
        return self.grants(lti_roles)[1]
