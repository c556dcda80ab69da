"""Templates carry their own translations (mappings/templates/*.yaml): each text is a map
of language tags to texts, checked complete when loaded, read in the page's locale."""
from __future__ import annotations

from pathlib import Path

import pytest

from adapter.domain.rules import RuleViolation
from adapter.mapping_files import MappingError, load_templates

CATALOG = load_templates()
SHIPPED = {"en", "fr", "de", "es"}  # tests/i18n checks the templates have every language the catalogs have

TRANSLATED = """\
title: {en: Weekly, fr: Hebdomadaire}
kind: check_in
description: {en: Every week, fr: Chaque semaine}
fields:
  - name: done
    label: {en: "What got done?", fr: "Qu'est-ce qui a été fait ?"}
    shared_label: {en: What you got done, fr: Ce que vous avez fait}
  - name: blocked
    label: {en: "What is blocked?", fr: "Qu'est-ce qui bloque ?"}
    required: false
"""


def load_one(tmp_path: Path, text: str):
    (tmp_path / "weekly.yaml").write_text(text, encoding="utf-8")
    return load_templates(tmp_path).get("weekly")


def test_every_shipped_template_speaks_every_shipped_language():
    for template in CATALOG.by_key.values():
        assert set(template.languages) >= SHIPPED, template.key
        for language in SHIPPED - {"en"}:
            translated = template.in_language(language)
            assert translated.language == language
            assert [f.name for f in translated.fields] == [f.name for f in template.fields]
            assert [f.required for f in translated.fields] == [f.required for f in template.fields]
            english = {template.title, template.description, template.example,
                       *(f.label for f in template.fields), *(f.shared_label for f in template.fields)}
            own = {translated.description, translated.example,
                   *(f.label for f in translated.fields), *(f.shared_label for f in translated.fields)}
            assert not own & english, f"{template.key} in {language} repeats English: {own & english}"


@pytest.mark.parametrize("locale, title", [
    ("fr", "Point d’étape"), ("fr_FR", "Point d’étape"), ("fr-CA", "Point d’étape"), ("FR", "Point d’étape"),
    ("de-DE", "Check-in"), ("es_419", "Reunión de seguimiento"), ("en-GB", "Check-in"),
    ("pt-BR", "Check-in"), ("", "Check-in"), (None, "Check-in"),
])
def test_a_locale_reads_its_language_and_else_english(locale, title):
    assert CATALOG.get("check-in").in_language(locale).title == title


def test_the_catalog_in_a_language_keeps_keys_and_answers(tmp_path):
    french = CATALOG.in_language("fr-FR")
    assert set(french.by_key) == set(CATALOG.by_key)
    grow = french.get("grow")
    assert grow.fields[0].label.startswith("Objectif — ") and grow.fields[0].shared_label.startswith("Objectif — ")
    submitted = {"goal": "g", "reality": "r", "options": "o", "will": "w"}
    assert grow.answers_from(submitted) == CATALOG.get("grow").answers_from(submitted)
    with pytest.raises(RuleViolation, match="Objectif"):
        grow.answers_from({**submitted, "goal": " "})


def test_a_template_ships_its_own_translations(tmp_path):
    weekly = load_one(tmp_path, TRANSLATED)
    assert weekly.languages == ("en", "fr")
    french = weekly.in_language("fr")
    assert (french.title, french.description) == ("Hebdomadaire", "Chaque semaine")
    assert [(f.label, f.shared_label, f.required) for f in french.fields] == [
        ("Qu'est-ce qui a été fait ?", "Ce que vous avez fait", True),
        ("Qu'est-ce qui bloque ?", "Qu'est-ce qui bloque ?", False)]  # shared_label defaults to label
    assert weekly.in_language("de").title == "Weekly"


def test_an_english_only_template_reads_english_everywhere(tmp_path):
    weekly = load_one(tmp_path, "title: Weekly\nkind: check_in\nfields: [{name: done, label: What got done}]\n")
    assert weekly.languages == ("en",)
    assert weekly.in_language("fr").fields[0].label == "What got done"


@pytest.mark.parametrize("old, new, field, says", [
    ("""    label: {en: "What is blocked?", fr: "Qu'est-ce qui bloque ?"}""", "    label: What is blocked",
     "fields[1].label", "has no fr text"),
    ("description: {en: Every week, fr: Chaque semaine}", "description: {en: Every week, fr: Chaque semaine, de: Jede}",
     "title", "has no de text"),
    ("title: {en: Weekly, fr: Hebdomadaire}", "title: {fr: Hebdomadaire}", "title", "no English text"),
    ("title: {en: Weekly, fr: Hebdomadaire}", "title: {en: Weekly, fr: ''}", "title.fr", "non-empty"),
    ("title: {en: Weekly, fr: Hebdomadaire}", "title: {en: Weekly, French: Hebdomadaire}", "title.French",
     "not a language tag"),
    ("title: {en: Weekly, fr: Hebdomadaire}", "title: [Weekly]", "title", "map of language tags"),
])
def test_a_half_translated_template_is_refused_naming_the_text(tmp_path, old, new, field, says):
    assert old in TRANSLATED
    with pytest.raises(MappingError) as raised:
        load_one(tmp_path, TRANSLATED.replace(old, new))
    assert raised.value.field == field and says in raised.value.problem
