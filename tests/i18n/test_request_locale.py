"""request_locale.current_locale selects the request's locale itself and keeps it where
Flask-Babel 4.0 keeps it (its private per-request namespace): Flask-Babel's own ``get_locale``,
``gettext``, ``force_locale`` and ``refresh`` must find it there, and the selector must run once
per request whichever of the two asks first. A Flask-Babel release that keeps its locale
elsewhere fails here (``get_locale`` would select again, or answer another locale)."""
from __future__ import annotations

import pytest
from flask_babel import force_locale, get_babel, get_locale, gettext, refresh

from adapter.config import Settings
from adapter.web import create_app
from adapter.web.request_locale import current_locale


@pytest.fixture
def app(tmp_path):
    return create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path)}))


@pytest.fixture
def selections(app, monkeypatch):
    """The selector's answers, one per call."""
    answers = []
    babel = get_babel(app)
    selector = babel.locale_selector

    def counted():
        answers.append(selector())
        return answers[-1]
    monkeypatch.setattr(babel, "locale_selector", counted)
    return answers


@pytest.mark.parametrize("first", [current_locale, get_locale])
def test_one_selection_per_request_found_by_both(app, selections, first):
    for accept, identifier in (("fr-FR", "fr_FR"), ("de", "de"), ("pt-BR", "en")):
        with app.test_request_context("/", headers={"Accept-Language": accept}):
            locale = first()
            assert str(locale) == identifier
            assert current_locale() is locale and get_locale() is locale and current_locale() is locale
            assert gettext("There is no such page.") == {
                "fr_FR": "Cette page n’existe pas.", "de": "Diese Seite gibt es nicht.",
                "en": "There is no such page."}[identifier]
        assert len(selections) == 1 and selections.pop() is locale


def test_force_locale_and_refresh_find_the_selected_locale(app, selections):
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        selected = current_locale()
        with force_locale("de"):
            assert str(current_locale()) == "de" and str(get_locale()) == "de"
            assert gettext("There is no such page.") == "Diese Seite gibt es nicht."
        assert current_locale() is selected and get_locale() is selected
        assert gettext("There is no such page.") == "Cette page n’existe pas."
        refresh()  # Flask-Babel forgets the request's locale: the next ask selects again
        assert str(current_locale()) == "fr"
        assert len(selections) == 2
    with app.test_request_context("/"):  # a new request selects afresh
        assert str(current_locale()) == "en"
    assert len(selections) == 3


def test_outside_a_request(app):
    assert current_locale() is None
    with app.app_context(), force_locale("es"):
        assert str(current_locale()) == "es"
