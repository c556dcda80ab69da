"""Who may see and do what with a coaching record.

Pure rules over a ``Viewer`` (who is asking, with their current mentees already looked
up), so every route and every query asks the same questions. A record the viewer may
not see is reported as missing (``NotFound``), not as forbidden: its id reveals nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from .translatable import N_

R = TypeVar("R", bound=Any)  # a learner's record: has ``learner_id`` and ``activity.platform_id``


class NotFound(LookupError):
    """No such record, or not one this viewer may see."""


class Forbidden(PermissionError):
    """The viewer sees the record but may not do this to it."""


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
