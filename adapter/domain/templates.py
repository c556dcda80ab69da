"""Check-in and coaching templates: the questions a conversation walks through.

Templates are data (mappings/templates/*.yaml, one file each, key = file name); this
module only says what a loaded template is and how a filled-in one is checked.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from .rules import RuleViolation, check_text
from .translatable import N_

CONVERSATION_KINDS = ("check_in", "coaching")


@dataclass(frozen=True)
class TemplateField:
    name: str
    label: str
    required: bool = True
    help: str = ""
    shared_label: str = ""  # the question as the learner reads it on their own page ("you", not "the learner")


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    kind: str  # one of CONVERSATION_KINDS
    description: str
    fields: tuple[TemplateField, ...]
    example: str = ""  # one filled-in example, shown where a manager picks a template

    def answers_from(self, submitted: Mapping[str, str]) -> dict[str, str]:
        """The template's answers from what was submitted by field name, checked; unknown
        names are ignored."""
        answers = {}
        for field in self.fields:
            value = check_text(field.label, submitted.get(field.name, ""), required=field.required)
            if value:
                answers[field.name] = value
        return answers


@dataclass(frozen=True)
class TemplateCatalog:
    by_key: dict[str, Template]

    def get(self, key: str) -> Template:
        template = self.by_key.get(key)
        if template is None:
            raise RuleViolation(N_("Conversation template"), N_("there is no template called %(key)r"), key=key)
        return template
