"""Which coachbridge roles a launch grants, from its LTI roles and the role map."""
from __future__ import annotations

from dataclasses import dataclass, field

from lti.roles import parse_role

from .kept_answers import KeptAnswers

APP_ROLES = ("learner", "manager", "instructor", "admin")
# Role lists whose grants a map keeps (a platform sends a few lists over and over), each of at
# most GRANTS_KEPT_ROLES roles, so that what is kept stays small whatever a token carries.
GRANTS_KEPT = 256
GRANTS_KEPT_ROLES = 16


@dataclass(frozen=True)
class RoleMap:
    by_scope: dict[str, dict[str, str]]
    landing_priority: tuple[str, ...]
    default: str = "learner"
    # What grants() answered, by role list; the map is set up once and never changed.
    _granted: KeptAnswers = field(default_factory=lambda: KeptAnswers(GRANTS_KEPT), init=False, repr=False,
                                  compare=False)

    def grants(self, lti_roles: list[str]) -> tuple[list[str], bool]:
        """:meth:`app_roles` and :meth:`is_mentor` at once (every launch asks both), kept per
        role list: parsing each role into a ``Role`` cost a launch ~8 µs in place."""
        try:
            key = tuple(lti_roles) if len(lti_roles) <= GRANTS_KEPT_ROLES else None
            kept = self._granted.get(key) if key is not None else None
        except TypeError:  # a role that is no string and not hashable: not kept
            key, kept = None, None
        if kept is None:
            kept = self._grant(lti_roles)
            if key is not None:
                self._granted.keep(key, kept)
        return list(kept[0]), kept[1]

    def _grant(self, lti_roles: list[str]) -> tuple[tuple[str, ...], bool]:
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
        return tuple(r for r in self.landing_priority if r in granted), mentor

    def app_roles(self, lti_roles: list[str]) -> list[str]:
        """The coachbridge roles, most powerful landing first; never empty."""
        return self.grants(lti_roles)[0]

    def is_mentor(self, lti_roles: list[str]) -> bool:
        return self.grants(lti_roles)[1]
