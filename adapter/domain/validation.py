"""Validation of applied learning: the learner asks, a current manager decides.

A decision is "validated" or "needs more evidence"; after the latter the learner adds
evidence and asks again. Every decision is kept (``decisions``), newest last.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from .authorization import Forbidden, Viewer
from .coaching import ActivityRef
from .rules import FormChecks, check_text, named
from .translatable import N_

PENDING, VALIDATED, NEEDS_MORE_EVIDENCE = "pending", "validated", "needs_more_evidence"
OUTCOMES = (VALIDATED, NEEDS_MORE_EVIDENCE)


@dataclass(frozen=True)
class Decision:
    manager_id: int
    outcome: str
    feedback: str
    evidence_seen: str
    request_version: int
    decided_at: float | None = None  # known once stored


@dataclass(frozen=True)
class ValidationRequest:
    learner_id: int
    activity: ActivityRef
    evidence: str
    status: str = PENDING
    decisions: tuple[Decision, ...] = ()
    id: int | None = None
    version: int = 1
    asked_at: float | None = None      # the first ask, once stored
    updated_at: float | None = None    # the latest ask or decision, once stored

    @classmethod
    def ask(cls, viewer: Viewer, activity: ActivityRef, evidence: str) -> "ValidationRequest":
        return cls(learner_id=viewer.person_id, activity=activity,
                   evidence=_evidence(evidence))

    def ask_again(self, viewer: Viewer, evidence: str) -> "ValidationRequest":
        viewer.require_the_learner(self.learner_id)
        if self.status != NEEDS_MORE_EVIDENCE:
            raise Forbidden(N_("this request is not waiting for more evidence"))
        return replace(self, evidence=_evidence(evidence), status=PENDING,
                       version=self.version + 1)

    def decide(self, viewer: Viewer, outcome: str, feedback: str) -> "ValidationRequest":
        viewer.require_manager_of(self.learner_id)
        if self.status != PENDING:
            raise Forbidden(N_("this request has already been decided"))
        checks = FormChecks()  # both problems at once: no choice made, and no reason for sending it back
        if outcome not in OUTCOMES:
            checks.refuse("outcome", N_("Decision"),
                          N_("%(field)s is required: choose validated or needs more evidence"))
        feedback = checks.check("feedback", check_text, N_("Feedback"), feedback,
                                required=outcome == NEEDS_MORE_EVIDENCE)
        checks.raise_if_broken()
        decision = Decision(viewer.person_id, outcome, feedback, self.evidence, self.version + 1)
        return replace(self, status=outcome, decisions=(*self.decisions, decision), version=self.version + 1)

    @property
    def last_decision(self) -> Decision | None:
        return self.decisions[-1] if self.decisions else None


def _evidence(text: str) -> str:
    return named("evidence", check_text, N_("Evidence of applying it"), text)
