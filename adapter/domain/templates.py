"""Check-in and coaching templates: the questions a conversation walks through.

Templates are data (mappings/templates/*.yaml, one file each, key = file name); this
module only says what a loaded template is, how a filled-in one is checked, and which
of its translations a locale reads.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

from .rules import FormChecks, RuleViolation, check_text
from .translatable import N_

CONVERSATION_KINDS = ("check_in", "coaching")
SOURCE_LANGUAGE = "en"  # every template text has an English version; other languages fall back to it


def language_fallbacks(locale: str | None) -> list[str]:
    """The language tags to try for ``locale``, most specific first, lower case: an RFC 5646
    tag or a Babel identifier (``fr_FR``) -> ``["fr-fr", "fr"]``."""
    subtags = (locale or "").replace("_", "-").lower().split("-")
    return ["-".join(subtags[:n]) for n in range(len(subtags), 0, -1) if subtags[0]]


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
    language: str = SOURCE_LANGUAGE  # the language of the texts above
    # The same template in other languages (same key, kind and field names), by language tag
    translations: Mapping[str, Template] = field(default_factory=dict, compare=False, repr=False)

    @property
    def languages(self) -> tuple[str, ...]:
        return (self.language, *sorted(self.translations))

    def in_language(self, locale: str | None) -> Template:
        """The template with its texts in ``locale``'s language (``fr``, ``fr-CA``, ``fr_FR``
        all read the ``fr`` texts), or in English when the template has no such translation."""
        for tag in language_fallbacks(locale):
            if tag in self.translations:
                return self.translations[tag]
            if tag == self.language:
                return self
        return self

    def with_texts(self, translate: Callable[[str], str]) -> Template:
        """The template with each of its texts passed through ``translate`` (the tests'
        pseudo-locales, which no template file carries)."""
        fields = tuple(replace(f, label=translate(f.label), help=translate(f.help), shared_label=translate(f.shared_label))
                       for f in self.fields)
        return replace(self, title=translate(self.title), description=translate(self.description),
                       example=translate(self.example), fields=fields, translations={})

    def answers_from(self, submitted: Mapping[str, str]) -> dict[str, str]:
        """The template's answers from what was submitted by field name, checked (every
        problem at once, each under its form field's name ``f-<name>``); unknown names are ignored."""
        checks = FormChecks()
        answers = {}
        for question in self.fields:
            value = checks.check(f"f-{question.name}", check_text, question.label, submitted.get(question.name, ""),
                                 required=question.required)
            if value:
                answers[question.name] = value
        checks.raise_if_broken()
        return answers


@dataclass(frozen=True)
class TemplateCatalog:
    by_key: dict[str, Template]
    # The catalog in each locale asked for: every page asks for its reader's, the same few.
    _in_locale: dict[str | None, TemplateCatalog] = field(default_factory=dict, init=False, compare=False,
                                                          repr=False)

    def get(self, key: str) -> Template:
        template = self.by_key.get(key)
        if template is None:
            raise RuleViolation(N_("Conversation template"), N_("there is no template called %(key)r"), key=key)
        return template

    def in_language(self, locale: str | None) -> TemplateCatalog:
        """Every template with its texts in ``locale`` (see :meth:`Template.in_language`): what
        the pages show. Keys and field names stay the same, so answers keep their meaning."""
        found = self._in_locale.get(locale)
        if found is None:
            found = TemplateCatalog(by_key={key: t.in_language(locale) for key, t in self.by_key.items()})
            found = self._in_locale.setdefault(locale, found)
        return found

    def with_texts(self, translate: Callable[[str], str]) -> TemplateCatalog:
        return TemplateCatalog(by_key={key: t.with_texts(translate) for key, t in self.by_key.items()})
