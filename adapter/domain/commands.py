"""What a person asks the tool to do, as typed values: the web edge (or the CLI, a test, a
future API) builds these from what was submitted; services and the domain never see a
form. Values stay as given (text): checking them is the domain's job, where each rule
lives once."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping


@dataclass(frozen=True)
class WriteReflection:
    learned: str = ""
    applying: str = ""
    support_needed: str = ""
    confidence: str = ""  # 1–5


@dataclass(frozen=True)
class AgreeAction:
    description: str = ""  # an empty row agrees nothing
    owner: str = "learner"
    due_on: str = ""  # YYYY-MM-DD or empty


@dataclass(frozen=True)
class HoldConversation:
    learner_id: int
    held_on: str = ""
    next_on: str = ""
    answers: Mapping[str, str] = field(default_factory=dict)  # by the template's field names
    shared_notes: str = ""
    private_notes: str = ""
    new_actions: tuple[AgreeAction, ...] = ()
    carried_statuses: Mapping[int, str] = field(default_factory=dict)  # open action id → its status now
    resource_link_pk: int | None = None


@dataclass(frozen=True)
class SetTarget:
    manager_id: int | None  # whose team (None: the manager an admin named was not found)
    quarter: str = ""  # e.g. 2026-Q4
    measure: str = ""
    target: str = ""  # a whole number


@dataclass(frozen=True)
class PlaceActivity:
    kind: str = ""
    template: str = ""
    title: str = ""
    activity_iri: str = ""
    follows: str = ""  # the LMS resource link id it follows
    validation_required: bool = False
    points: str = ""
    check_in_every_weeks: str = ""  # the course's check-in rhythm, or "" for none


@dataclass(frozen=True)
class ConfigureLrs:
    """An LRS endpoint as an admin gives it (adapter/services/lrs_settings.py checks it)."""

    platform_id: str = ""
    name: str = ""  # fixed once added: queued statements are addressed by it
    endpoint: str = ""
    auth_kind: str = ""  # none | basic | oauth2
    username: str = ""
    secret: str = ""  # empty on an edit keeps the stored one
    token_url: str = ""
    client_id: str = ""
    scope: str = ""
    xapi_version: str = ""
    batch_size: str = ""


@dataclass(frozen=True)
class SetPrivacy:
    identity_format: str = ""  # account | mbox | mbox_sha1sum
    share_free_text: bool = False
