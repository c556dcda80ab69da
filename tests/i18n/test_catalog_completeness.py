"""Every catalog translates every string the source marks, and nothing else (CI runs this).

The strings are extracted afresh from the source with the settings in pyproject.toml, as
`pybabel extract` does, so a string wrapped without `pybabel extract` and `pybabel update`
(README "Languages") fails here. A catalog fails when it lacks a string (missing, empty or
fuzzy), keeps a stale one (obsolete, or a msgid the source no longer marks), or when a
translation's placeholders differ from its msgid's (a `%(name)s` lost, renamed or added
breaks the page that fills it in).
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from adapter import translations

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrs%]")
CATALOGS = translations.catalog_files()


def _key(message) -> tuple:
    return message.context, message.id


def _shown(key: tuple) -> str:
    context, msgid = key
    text = msgid if isinstance(msgid, str) else msgid[0]
    return f"{context}|{text}" if context else text


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> dict:
    """What the source marks now, {(context, msgid): message}, extracted by pybabel itself."""
    pot = tmp_path_factory.mktemp("extracted") / "messages.pot"
    run = subprocess.run([sys.executable, "-c", "import sys; from babel.messages.frontend import main; "
                          "sys.argv[0] = 'pybabel'; main()", "--quiet", "extract", "--output-file", str(pot)],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    extracted = {_key(m): m for m in translations.read_catalog(pot) if m.id}
    assert len(extracted) > 100, "extraction found almost nothing: is pyproject.toml's [tool.babel] intact?"
    return extracted


def test_the_template_is_what_the_source_marks(source):
    committed = {_key(m) for m in translations.read_catalog(translations.TEMPLATE) if m.id}
    assert sorted(map(_shown, source.keys() - committed)) == [], "run `pybabel extract` (missing from messages.pot)"
    assert sorted(map(_shown, committed - source.keys())) == [], "run `pybabel extract` (stale in messages.pot)"


def test_catalogs_ship_for_the_languages_the_tool_offers():
    assert {"fr", "de", "es"} <= set(CATALOGS)


@pytest.mark.parametrize("locale", sorted(CATALOGS))
def test_every_string_is_translated_and_none_is_stale(source, locale):
    catalog = translations.read_catalog(CATALOGS[locale], locale)
    entries = {_key(m): m for m in catalog if m.id}
    missing = sorted(_shown(k) for k in source.keys() - entries.keys())
    stale = sorted(_shown(k) for k in entries.keys() - source.keys())
    obsolete = sorted(_shown(_key(m)) for m in catalog.obsolete.values())
    untranslated = sorted(_shown(k) for k, m in entries.items()
                          if not (m.string if isinstance(m.string, str) else all(m.string)))
    fuzzy = sorted(_shown(k) for k, m in entries.items() if m.fuzzy)
    problems = {"missing": missing, "stale": stale, "obsolete": obsolete, "untranslated": untranslated,
                "fuzzy": fuzzy}
    assert {kind: found for kind, found in problems.items() if found} == {}, (
        f"{locale}: run `pybabel extract`, `pybabel update`, then translate (README \"Languages\")")


@pytest.mark.parametrize("locale", sorted(CATALOGS))
def test_translations_keep_the_placeholders_of_their_msgid(locale):
    """A translation has its msgid's placeholders, no other. In a plural entry the last form
    (the general plural) has the English plural's; the others may leave one out (French
    "Veuillez corriger ce point" for one thing) but add none."""
    catalog = translations.read_catalog(CATALOGS[locale], locale)
    wrong = []
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, str):
            if message.string and _placeholders(message.string) != _placeholders(message.id):
                wrong.append((message.id, message.string))
            continue
        forms, allowed = list(message.string), _placeholders(message.id[0]) | _placeholders(message.id[1])
        if len(forms) != catalog.num_plurals:
            wrong.append((message.id[0], f"{len(forms)} plural forms, {catalog.num_plurals} expected"))
        elif forms[-1] and _placeholders(forms[-1]) != _placeholders(message.id[1]):
            wrong.append((message.id[1], forms[-1]))
        wrong.extend((message.id[0], form) for form in forms[:-1] if form and not _placeholders(form) <= allowed)
    assert wrong == []


# A plural written as a bracketed ending ("3 learner(s)", "mort(s)", "Nachricht(en)") instead of
# ngettext's forms. "Redirect URI(s)" is not a count: it is the field name LMS registration forms use.
BRACKETED_PLURAL = re.compile(r"\w\((?:s|es|n|en|x)\)")
LMS_FIELD_NAMES = {"Redirect URI(s)"}


@pytest.mark.parametrize("locale", ["en", *sorted(CATALOGS)])
def test_no_text_writes_a_plural_as_a_bracketed_ending(locale):
    path = translations.TEMPLATE if locale == "en" else CATALOGS[locale]
    bracketed = [text for message in translations.read_catalog(path, None if locale == "en" else locale)
                 if message.id and message.id not in LMS_FIELD_NAMES
                 for text in (*_texts(message.id), *_texts(message.string)) if BRACKETED_PLURAL.search(text)]
    assert bracketed == [], "mark a count with ngettext / Np_ and its singular and plural (README \"Languages\")"


def test_the_bracketed_plural_check_sees_one():
    assert all(BRACKETED_PLURAL.search(text) for text in ("3 learner(s)", "%(num)d mort(s)", "Nachricht(en)"))
    assert not any(BRACKETED_PLURAL.search(text) for text in ("%(num)d learners", "OIDC (login)", "%(name)s"))


def _texts(text: str | tuple) -> tuple:
    return (text,) if isinstance(text, str) else tuple(text)


def _placeholders(text: str) -> set[str]:
    """Its %-placeholders, and "%" for a stray percent sign (as the msgid has it, or not)."""
    found = set(PLACEHOLDER.findall(text))
    return found | {"%"} if "%" in PLACEHOLDER.sub("", text) else found


def test_the_placeholder_check_sees_a_lost_or_renamed_one():
    assert _placeholders("Check-in with %(name)s on %(day)s, 50%%") == {"%(name)s", "%(day)s", "%%"}
    assert _placeholders("Point avec %(nom)s le %(day)s, 50 %%") != _placeholders("Check-in with %(name)s on %(day)s, 50%%")
    assert _placeholders("%(num)d apprenants") == {"%(num)d"}
    assert _placeholders("50 %") == {"%"} and _placeholders("50 % des") == {"% d"}
