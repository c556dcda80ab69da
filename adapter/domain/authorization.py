"""Who may see and do what: every permission the tool grants is decided here.

Pure rules over an ``Asker`` (who is asking, loaded once per request with what the rules
need: their roles, their current mentees, whether their LMS is still registered) and its
``Viewer`` (the person, for coaching records), so every route and every query asks the
same questions. The web layer only turns a refusal into 401/403. A record the viewer may
not see is reported as missing (``NotFound``), not as forbidden: its id reveals nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from .admin_scope import AdminScope
from .refusals import Forbidden, NotFound
from .translatable import N_

R = TypeVar("R", bound=Any)  # a learner's record: has ``learner_id`` and ``activity.platform_id``


@dataclass(frozen=True)
class Viewer:
    person_id: int
    platform_id: int
    roles: frozenset[str]
    # Current mentees only: a former mentee's records are out of reach.
    mentee_ids: frozenset[int] = frozenset()
    context_pk: int | None = None

    def is_learner(self, learner_id: int) -> bool:
        return learner_id == self.person_id

    def manages(self, learner_id: int) -> bool:
        # Never oneself, even if a link recorded before the rule says so: nobody validates their own work.
        return learner_id in self.mentee_ids and learner_id != self.person_id

    def may_read_learner(self, learner_id: int) -> bool:
        """A learner their own records; a manager their current mentees' records."""
        return self.is_learner(learner_id) or self.manages(learner_id)

    def require_learner_visible(self, learner_id: int) -> None:
        if not self.may_read_learner(learner_id):
            raise NotFound("no such record")

    def visible(self, record: R | None) -> R:
        """``record`` when it is on this viewer's platform and its learner is theirs to read;
        otherwise it is reported missing."""
        if record is None or record.activity.platform_id != self.platform_id:
            raise NotFound("no such record")
        self.require_learner_visible(record.learner_id)
        return record

    def require_mentee(self, learner_id: int) -> None:
        """Team pages: only the viewer's current mentees exist there."""
        if not self.manages(learner_id):
            raise NotFound("not one of your current team members")

    def leads_a_team(self) -> bool:
        """The Mentor role (the LMS says so) or current mentees (an import or a confirmed
        nomination says so); someone awaiting their answer to a nomination also gets in."""
        return "manager" in self.roles or bool(self.mentee_ids)

    def require_manager_of(self, learner_id: int) -> None:
        self.require_learner_visible(learner_id)
        if not self.manages(learner_id):
            raise Forbidden(N_("only the learner's current manager may do this"))

    def require_the_learner(self, learner_id: int) -> None:
        self.require_learner_visible(learner_id)
        if not self.is_learner(learner_id):
            raise Forbidden(N_("only the learner may do this"))

    def may_read_private_notes(self, author_id: int) -> bool:
        return author_id == self.person_id

    def sees_course(self, context_pk: int | None) -> bool:
        """Course-level progress (shared fields, counts) for the course launched from."""
        return context_pk is not None and context_pk == self.context_pk and bool(
            {"instructor", "admin"} & self.roles)


@dataclass(frozen=True)
class Asker:
    """Who is asking, as the rules below need them; one per request."""

    roles: frozenset[str]
    viewer: Viewer | None  # None: a tool operator's session (no person behind it)
    platform_id: int | None
    signed_in_as_operator: bool = False  # with the CLI's one-time link, not from an LMS
    platform_active: bool = False  # their LMS's registration is enabled (only looked up for admins)
    awaiting_their_answer: bool = False  # someone named them as their manager

    @property
    def admin_scope(self) -> AdminScope | None:
        """A tool operator sees every platform; an LMS Administrator launch its own, while
        that LMS's registration is active (disabling an LMS also ends its admins' reach)."""
        if "admin" not in self.roles:
            return None
        if self.platform_id is None:
            return AdminScope.operator() if self.signed_in_as_operator else None
        return AdminScope.of_platform(self.platform_id) if self.platform_active else None

    def administering(self, platform_id: int) -> Viewer:
        """An admin acting on one platform they administer (setting any team's target there)."""
        scope = self.admin_scope
        if scope is None:
            raise Forbidden(N_("only an admin may do this"))
        scope.require(platform_id)
        return Viewer(person_id=self.viewer.person_id if self.viewer else 0, platform_id=platform_id,
                      roles=self.roles)


@dataclass(frozen=True)
class Decision:
    """A rule's answer: allowed, or refused with a reason the asker can act on (marked for
    translation; the web layer translates it)."""

    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOWED = Decision(True)
NOT_YOUR_ROLE = Decision(False, N_("This page is not available with your role."))
NO_PERSON = Decision(False, N_("You are signed in as the tool operator, who has no learner or manager pages "
                               "and no settings of their own. Open them by launching the tool from an LMS course."))


def may_use_personal_pages(asker: Asker) -> Decision:
    """Their own records and settings: anyone who launched from a course."""
    return ALLOWED if asker.viewer is not None else NO_PERSON


def may_lead_team(asker: Asker) -> Decision:
    """The team pages: someone who leads a team, or whose answer to a nomination is awaited."""
    if asker.viewer is None:
        return NO_PERSON
    if asker.viewer.leads_a_team() or asker.awaiting_their_answer:
        return ALLOWED
    return Decision(False, N_("This page is for managers; nobody has named you as their manager."))


def may_teach(asker: Asker) -> Decision:
    """The instructor pages: instructors, and admins (who may look at any course they launch from)."""
    return ALLOWED if {"instructor", "admin"} & asker.roles else NOT_YOUR_ROLE


def may_administer(asker: Asker, platform_id: int | None = None) -> Decision:
    """The admin pages (``platform_id`` None) or one platform's data: tool operators, and
    platform admins for their own platform while it is registered."""
    scope = asker.admin_scope
    if scope is None:
        if "admin" in asker.roles and asker.platform_id is not None:
            return Decision(False, N_("Your LMS's registration with coachbridge is disabled; ask the tool's operator."))
        return NOT_YOUR_ROLE
    if platform_id is not None and not scope.allows(platform_id):
        return Decision(False, N_("That platform is not one you administer."))
    return ALLOWED


def may_operate(asker: Asker) -> Decision:
    """Registrations and the tool's own settings: tool operators only."""
    administer = may_administer(asker)
    if not administer:
        return administer
    if not asker.admin_scope.is_operator:
        return Decision(False, N_("Only a tool operator (signed in with `coachbridge admin link`) can do this."))
    return ALLOWED
