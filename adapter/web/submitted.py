"""The typed commands (adapter/domain/commands.py) built from the forms people submit:
the one place that knows the forms' field names."""
from __future__ import annotations

from typing import Iterable, Mapping

from adapter.domain.commands import (
    AgreeAction, ConfigureLrs, HoldConversation, PlaceActivity, SetPrivacy, SetTarget, WriteReflection,
)
from adapter.domain.rules import RuleViolation, whole_number
from adapter.domain.templates import Template
from adapter.domain.translatable import N_

NEW_ACTION_ROWS = 3  # empty rows for new actions on the conversation form


def reflection(form: Mapping[str, str]) -> WriteReflection:
    return WriteReflection(learned=form.get("learned", ""), applying=form.get("applying", ""),
                           support_needed=form.get("support_needed", ""), confidence=form.get("confidence", ""))


def conversation(form: Mapping[str, str], learner_id: int, template: Template,
                 open_actions: Iterable) -> HoldConversation:
    """The conversation, its new action rows, and a status for each open action carried over."""
    link = form.get("resource_link_pk", "")
    if link and whole_number(link) is None:
        raise RuleViolation(N_("Activity"), N_("%(field)s is not one of the learner's activities"), "resource_link_pk")
    return HoldConversation(
        learner_id=learner_id, held_on=form.get("held_on", ""),
        next_on=form.get("next_on", ""), answers={f.name: form.get(f.name, "") for f in template.fields},
        shared_notes=form.get("shared_notes", ""), private_notes=form.get("private_notes", ""),
        new_actions=tuple(AgreeAction(description=form.get(f"action_{i}_description", ""),
                                      owner=form.get(f"action_{i}_owner", "learner"),
                                      due_on=form.get(f"action_{i}_due_on", "")) for i in range(NEW_ACTION_ROWS)),
        carried_statuses={a.id: form.get(f"carried_{a.id}", a.status) for a in open_actions},
        resource_link_pk=whole_number(link))


def target(form: Mapping[str, str], manager_id: int) -> SetTarget:
    return SetTarget(manager_id=manager_id, quarter=form.get("quarter", ""), measure=form.get("measure", ""),
                     target=form.get("target", ""))


def placement(form: Mapping[str, str]) -> PlaceActivity:
    return PlaceActivity(kind=form.get("kind", ""), template=form.get("template", ""), title=form.get("title", ""),
                         activity_iri=form.get("activity_iri", ""), follows=form.get("follows", ""),
                         validation_required=form.get("validation_required") == "yes",
                         points=form.get("points", ""), check_in_every_weeks=form.get("check_in_every_weeks", ""))


def lrs_endpoint(form: Mapping[str, str]) -> ConfigureLrs:
    return ConfigureLrs(**{name: form.get(name, "") for name in ConfigureLrs.__dataclass_fields__})


def privacy(form: Mapping[str, str]) -> SetPrivacy:
    return SetPrivacy(identity_format=form.get("identity_format", ""),
                      share_free_text=form.get("share_free_text") == "1")
