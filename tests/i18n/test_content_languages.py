"""What the tool says beyond its catalogs speaks every shipped language: the conversation
templates (read in the page's language at the web edge) and the xAPI statements' texts."""
from __future__ import annotations

import pytest

from adapter import translations
from adapter.config import Settings
from adapter.mapping_files import load_templates
from adapter.web import create_app
from adapter.web.coaching_support import catalog
from xapi.mapping import load_mapping

SHIPPED = translations.shipped_locales()


def test_every_template_and_the_statements_speak_every_shipped_language():
    """A language added to the catalogs needs its texts in the templates and in mappings/xapi.yaml."""
    assert {"en", "fr", "de", "es"} <= set(SHIPPED)
    for template in load_templates().by_key.values():
        assert set(SHIPPED) <= set(template.languages), template.key
    statement_languages = {tag.split("-")[0].lower() for tag in load_mapping().languages}
    assert set(SHIPPED) <= statement_languages


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    return create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(instance), "COACHBRIDGE_PSEUDO_LOCALES": "1"}))


@pytest.mark.parametrize("accept, title, first_label", [
    ("de-DE,de;q=0.9", "Check-in", "Was hat die lernende Person seit dem letzten Check-in angewendet?"),
    ("fr-CA", "Point d’étape", "Qu’est-ce que l’apprenant a mis en pratique depuis le dernier point d’étape\u00a0?"),
    ("es-MX,en;q=0.5", "Reunión de seguimiento", "¿Qué ha aplicado el participante desde la última reunión de seguimiento?"),
    ("pt-BR", "Check-in", "What has the learner applied since the last check-in?"),
])
def test_the_templates_speak_the_page_language(app, accept, title, first_label):
    with app.test_request_context("/", headers={"Accept-Language": accept}):
        check_in = catalog().get("check-in")
    assert (check_in.title, check_in.fields[0].label) == (title, first_label)
    assert check_in.key == "check-in" and check_in.fields[0].name == "progress"


def test_a_pseudo_locale_pseudo_translates_the_templates_too(app):
    with app.test_request_context("/", headers={"Accept-Language": "ar@pseudo"}):
        grow = catalog().get("grow")
    assert grow.title == "[\u202eĜŔÖŴ ·\u202c]" and grow.fields[0].name == "goal"
    assert all(f.label.startswith("[\u202e") for f in grow.fields)
