"""Withdrawing a record, and taking the withdrawal back for a short time.

A withdrawal hides the record everywhere and voids what the LRSs hold about it (voiding
is final in xAPI). Whoever withdrew it may undo that for ``UNDO_WINDOW_SECONDS`` (a
click on the wrong record, noticed at once): the record comes back as a new version,
whose statements are new ones (new ids) and whose score the gradebook gets again.
Nobody else may undo it, and nobody after the window.
"""
from __future__ import annotations

from dataclasses import dataclass

from .authorization import Forbidden, NotFound
from .rules import RuleViolation
from .translatable import N_

UNDO_WINDOW_SECONDS = 10 * 60


@dataclass(frozen=True)
class Withdrawal:
    """Who withdrew which record, when (seconds since the epoch)."""

    record_type: str  # reflection | validation | conversation | manager_link
    record_id: int
    withdrawn_by: int | None  # None: someone who is no person of an LMS (the operator): nobody may undo it
    withdrawn_at: float

    def may_be_undone_by(self, person_id: int | None, now: float) -> bool:
        """The rule :meth:`require_undoable_by` applies (pages ask it to offer "Undo" or not)."""
        return (person_id is not None and person_id == self.withdrawn_by
                and now - self.withdrawn_at <= UNDO_WINDOW_SECONDS)

    def require_undoable_by(self, person_id: int | None, now: float) -> None:
        if person_id is None or person_id != self.withdrawn_by:
            raise Forbidden(N_("only the person who withdrew a record may undo it"))
        if now - self.withdrawn_at > UNDO_WINDOW_SECONDS:
            raise RuleViolation(N_("Undo"), N_("is possible for 10 minutes after withdrawing; this withdrawal is "
                                               "older and stays"))


def require_no_newer(record_type: str, newer_exists: bool) -> None:
    """A reflection or a validation request comes back only if the learner has not written
    a new one on the same activity since (two would then claim to be the current one)."""
    if newer_exists:
        field = N_("Reflection") if record_type == "reflection" else N_("Validation request")
        raise RuleViolation(field, N_("cannot come back: you have written a new one on this activity since"))


def require_withdrawal(withdrawal: Withdrawal | None) -> Withdrawal:
    if withdrawal is None:
        raise NotFound(N_("no such withdrawn record"))
    return withdrawal
