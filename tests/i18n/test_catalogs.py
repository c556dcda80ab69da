"""The catalogs compile when the app starts; untranslated text falls back to English; the
pseudo-locales are generated from the template and keep every placeholder."""
from __future__ import annotations

import gettext

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from adapter import translations
from adapter.config import Settings
from adapter.translations.pseudo import ACCENTED, RTL, pseudo_catalog, pseudo_text
from adapter.web import create_app


def _write(path, catalog):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as po:
        write_po(po, catalog)


@pytest.fixture
def source(tmp_path):
    """A translations directory like the package's: a template and a French catalog with one
    message translated, one left empty and one marked fuzzy."""
    root = tmp_path / "src"
    template = Catalog(domain="messages")
    for msgid in ("Save the reflection", "Check-in with %(name)s", "Not yet translated", "Unsure"):
        template.add(msgid)
    template.add(("%(num)d learner", "%(num)d learners"))
    _write(root / "messages.pot", template)
    french = Catalog(locale="fr", domain="messages")
    french.add("Save the reflection", "Enregistrer la réflexion")
    french.add("Check-in with %(name)s", "Point avec %(name)s")
    french.add("Not yet translated", "")
    french.add("Unsure", "Incertain", flags=["fuzzy"])
    french.add(("%(num)d learner", "%(num)d learners"), ("%(num)d apprenant", "%(num)d apprenants", "%(num)d apprenants"))  # CLDR: one, many, other
    _write(root / "fr" / "LC_MESSAGES" / "messages.po", french)
    return root


def _translations(target, locale):
    return gettext.translation("messages", str(target), languages=[locale])


def test_a_catalog_compiles_and_untranslated_or_fuzzy_text_stays_english(source, tmp_path):
    target = tmp_path / "compiled"
    translations.compile_catalogs(target, source=source)
    french = _translations(target, "fr_FR")  # a regional locale falls back to its language's catalog
    assert french.gettext("Save the reflection") == "Enregistrer la réflexion"
    assert french.gettext("Check-in with %(name)s") % {"name": "Ada"} == "Point avec Ada"
    assert french.gettext("Not yet translated") == "Not yet translated"
    assert french.gettext("Unsure") == "Unsure"
    assert french.ngettext("%(num)d learner", "%(num)d learners", 2) == "%(num)d apprenants"
    assert translations.shipped_locales(source) == ("en", "fr")


def test_the_pseudo_locales_are_generated_from_the_template(source, tmp_path):
    target = tmp_path / "compiled"
    translations.compile_catalogs(target, source=source, pseudo=True)
    accented = _translations(target, ACCENTED)
    assert accented.gettext("Save the reflection") == "[Šåṽé ţĥé ŕéƒļéçţîöñ ······]"
    assert accented.gettext("Check-in with %(name)s") % {"name": "Ada"} == "[Çĥéçķ-îñ ŵîţĥ Ada ·······]"
    assert accented.ngettext("%(num)d learner", "%(num)d learners", 1) % {"num": 1} == "[1 ļéåŕñéŕ ·····]"
    rtl = _translations(target, RTL)
    assert rtl.gettext("Unsure") == "[\u202eÛñšûŕé ··\u202c]"
    # Arabic has six plural forms: the singular goes where n=1 falls, the plural everywhere else
    assert rtl.ngettext("%(num)d learner", "%(num)d learners", 1) % {"num": 1} == "[\u202e1 ļéåŕñéŕ ·····\u202c]"
    assert rtl.ngettext("%(num)d learner", "%(num)d learners", 0) % {"num": 0} == "[\u202e0 ļéåŕñéŕš ·····\u202c]"


def test_pseudo_text_keeps_placeholders_tags_and_entities():
    text = "<strong>%(count)d</strong> of %(total)s &amp; 50%%"
    assert pseudo_text(text) == "[<strong>%(count)d</strong> öƒ %(total)s &amp; 50%% " + "·" * (len(text) // 3) + "]"
    catalog = pseudo_catalog(Catalog(domain="messages"), ACCENTED)
    assert len(catalog) == 0


def test_the_package_catalogs_cover_fr_de_es_and_the_app_serves_them(tmp_path):
    assert set(translations.shipped_locales()) == {"en", "fr", "de", "es"}
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path)}))
    page = app.test_client().get("/", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert b'<html lang="de-DE" dir="ltr">' in page.data
    page = app.test_client().get("/", headers={"Accept-Language": "pt-BR, ar@pseudo"})  # neither offered
    assert b'<html lang="en" dir="ltr">' in page.data
