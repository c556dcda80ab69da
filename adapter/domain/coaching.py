"""Coaching records: reflections, check-ins and coaching conversations, agreed actions.

Plain Python, no framework: each record checks its own rules and counts its versions
(an edit is a new version; the version number makes xAPI statement ids deterministic).
Who may act is decided by the caller's ``Viewer`` (authorization.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from .authorization import Forbidden, Viewer
from .commands import AgreeAction, HoldConversation, WriteReflection
from .rules import ONE_OF, FormChecks, RuleViolation, check_scale, check_text, named, parse_date
from .templates import Template
from .translatable import N_

ACTION_OWNERS = ("learner", "manager")
ACTION_STATUSES = ("open", "done", "dropped")


@dataclass(frozen=True)
class ActivityRef:
    """Where a record belongs: the platform, course and resource link it was made in,
    and the learning activity (xAPI IRI) the instructor attached to that link."""

    platform_id: int
    context_pk: int | None = None
    resource_link_pk: int | None = None
    activity_iri: str | None = None


@dataclass(frozen=True)
class Reflection:
    learner_id: int
    activity: ActivityRef
    learned: str
    applying: str
    support_needed: str
    confidence: int
    id: int | None = None
    version: int = 1

    @classmethod
    def write(cls, viewer: Viewer, activity: ActivityRef, command: WriteReflection) -> "Reflection":
        return cls(learner_id=viewer.person_id, activity=activity, **_reflection_fields(command))

    def revise(self, viewer: Viewer, command: WriteReflection) -> "Reflection":
        viewer.require_the_learner(self.learner_id)
        return replace(self, version=self.version + 1, **_reflection_fields(command))


def _reflection_fields(command: WriteReflection) -> dict:
    """Every problem of the reflection at once, each under its form field's name."""
    checks = FormChecks()
    fields = {
        "learned": checks.check("learned", check_text, N_("What I learned"), command.learned),
        "applying": checks.check("applying", check_text, N_("How I will apply it"), command.applying),
        "support_needed": checks.check("support_needed", check_text, N_("Support I need"),
                                       command.support_needed,
                                       required=False),
        "confidence": checks.check("confidence", check_scale, N_("Confidence"), command.confidence),
    }
    checks.raise_if_broken()
    return fields


@dataclass(frozen=True)
class AgreedAction:
    learner_id: int
    manager_id: int
    activity: ActivityRef
    description: str
    owner: str
    due_on: date | None
    status: str = "open"
    conversation_id: int | None = None
    id: int | None = None
    version: int = 1

    @classmethod
    def agree(cls, learner_id: int, manager_id: int, activity: ActivityRef, command: AgreeAction,
              held_on: date) -> "AgreedAction":
        """Every problem of the action at once, named by field (description, owner, due_on)."""
        checks = FormChecks()
        if command.owner not in ACTION_OWNERS:
            checks.refuse("owner", N_("Action owner"), ONE_OF, choices=", ".join(ACTION_OWNERS))
        due = checks.check("due_on", parse_date, N_("Action due date"), command.due_on)
        if due is not None and due < held_on:
            checks.refuse("due_on", N_("Action due date"), N_("%(field)s cannot be before the conversation"))
        description = checks.check("description", check_text, N_("Action"), command.description,
                                   max_length=500)
        checks.raise_if_broken()
        return cls(learner_id=learner_id, manager_id=manager_id, activity=activity, description=description,
                   owner=command.owner, due_on=due)

    def set_status(self, viewer: Viewer, status: str) -> "AgreedAction":
        """Open actions carry over to the next conversation until someone closes them: the
        learner closes their own actions, their manager any of them."""
        viewer.require_learner_visible(self.learner_id)
        if not self.may_be_closed_by(viewer):
            raise Forbidden(N_("only your manager closes an action they own"))
        if status not in ACTION_STATUSES:
            raise RuleViolation(N_("Action status"), ONE_OF, choices=", ".join(ACTION_STATUSES))
        return replace(self, status=status, version=self.version + 1)

    def may_be_closed_by(self, viewer: Viewer) -> bool:
        """The rule :meth:`set_status` applies (pages ask it to show the button or not)."""
        return viewer.manages(self.learner_id) or (viewer.is_learner(self.learner_id) and self.owner == "learner")


@dataclass(frozen=True)
class Conversation:
    """A check-in or a coaching conversation held by a manager with a learner."""

    kind: str
    template: str
    learner_id: int
    manager_id: int
    activity: ActivityRef
    held_on: date
    answers: dict[str, str]
    shared_notes: str
    private_notes: str  # the author's only: never shown to anyone else, never in an event
    next_on: date | None
    rating: int | None = None
    actions: tuple[AgreedAction, ...] = field(default=())
    id: int | None = None
    version: int = 1

    @classmethod
    def hold(cls, viewer: Viewer, activity: ActivityRef, template: Template, command: HoldConversation,
             today: date) -> "Conversation":
        """Every problem of the form at once, each under its field's name (the template's
        questions as ``f-<name>``, the new actions' rows as ``action_<i>_<field>``)."""
        learner_id = command.learner_id
        viewer.require_manager_of(learner_id)
        checks = FormChecks()
        held_on = checks.check("held_on", parse_date, N_("Date held"), command.held_on, required=True)
        if held_on is not None and held_on > today:
            checks.refuse("held_on", N_("Date held"), N_("%(field)s cannot be in the future"))
        next_on = checks.check("next_on", parse_date, next_date_label(template.kind), command.next_on)
        if next_on is not None and held_on is not None and next_on <= held_on:
            checks.refuse("next_on", next_date_label(template.kind), N_("%(field)s must be after the date held"))
        answers = checks.check("answers", template.answers_from, command.answers)
        shared = checks.check("shared_notes", check_text, N_("Shared notes"), command.shared_notes,
                              required=False)
        private = checks.check("private_notes", check_text, N_("Private notes"), command.private_notes,
                               required=False)
        agreed = tuple(checks.within(f"action_{i}_", AgreedAction.agree, learner_id, viewer.person_id, activity,
                                     action, held_on or today)
                       for i, action in enumerate(command.new_actions) if action.description.strip())
        checks.raise_if_broken()
        return cls(kind=template.kind, template=template.key, learner_id=learner_id,
                   manager_id=viewer.person_id, activity=activity, held_on=held_on, answers=answers,
                   shared_notes=shared, private_notes=private, next_on=next_on, actions=agreed)

    def rate(self, viewer: Viewer, rating: str | int) -> "Conversation":
        """Only the learner says how useful it was."""
        viewer.require_learner_visible(self.learner_id)
        if not viewer.is_learner(self.learner_id):
            raise Forbidden(N_("only the learner rates a conversation"))
        return replace(self, rating=named("rating", check_scale, N_("Usefulness"), rating),
                       version=self.version + 1)

    def withdraw(self, viewer: Viewer) -> "Conversation":
        """Taken back by the manager who recorded it, while they manage the learner (a
        record of the wrong person or a conversation that did not happen)."""
        viewer.require_manager_of(self.learner_id)
        if not self.may_be_withdrawn_by(viewer):
            raise Forbidden(N_("only the manager who recorded a conversation withdraws it"))
        return replace(self, version=self.version + 1)

    def may_be_withdrawn_by(self, viewer: Viewer) -> bool:
        """The rule :meth:`withdraw` applies (pages ask it to show the button or not)."""
        return self.manager_id == viewer.person_id and viewer.manages(self.learner_id)

    def notes_for(self, viewer: Viewer) -> str | None:
        return self.private_notes if viewer.may_read_private_notes(self.manager_id) else None


def next_date_label(kind: str) -> str:
    return N_("Next check-in") if kind == "check_in" else N_("Follow-up date")
