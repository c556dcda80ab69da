"""i18n.browser_locale: the Accept-Language answer kept per header text gives what werkzeug's parse
of the request's header gives — asked afresh, asked again (kept), with and without the
pseudo-locales offered, for absent, empty, repeated (joined) and over-long headers."""
from __future__ import annotations

import random

import pytest

from adapter.config import Settings
from adapter.web import create_app
from adapter.web import i18n

TAGS = ["fr-FR", "fr", "FR-ca", "de-CH", "de", "es-419", "es_MX", "en-GB", "en", "pt-BR", "*", "zh-Hant-TW",
        "en@pseudo", "ar@pseudo", "x-klingon", "i-default", "fr-FR-x-private", "", " ", "de;level=1", "e\u00e9"]
QUALITIES = ["", ";q=1", ";q=0.9", ";q=0.5", ";q=0", ";q=0.001", ";q=1.5", ";q=-1", ";q=abc", ";Q=0.8", " ; q=0.7"]


def werkzeugs_answer(app, header: str | None) -> str | None:
    """What browser_locale said before it kept answers: the first supported tag of werkzeug's parse."""
    environ = {} if header is None else {"HTTP_ACCEPT_LANGUAGE": header}
    with app.test_request_context(environ_overrides=environ):
        from flask import request
        return next(filter(None, (i18n.supported_locale(tag) for tag, _q in request.accept_languages)), None)


def kept_answer(app, header: str | None) -> str | None:
    environ = {} if header is None else {"HTTP_ACCEPT_LANGUAGE": header}
    with app.test_request_context(environ_overrides=environ):
        return i18n.browser_locale()


def random_header(rng: random.Random) -> str:
    items = [rng.choice(TAGS) + rng.choice(QUALITIES) for _ in range(rng.randint(1, 6))]
    separator = rng.choice([",", ", ", " ,", ",,"])
    return separator.join(items)


@pytest.mark.parametrize("pseudo", ["0", "1"])
def test_the_kept_answer_is_werkzeugs_parse(tmp_path, pseudo):
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path), "COACHBRIDGE_PSEUDO_LOCALES": pseudo}))
    rng = random.Random(18)
    headers = [None, "", " ", ",", "fr", "fr-FR,fr;q=0.9,en;q=0.8", "de,fr",  # "de,fr": two Accept-Language lines joined
               "en;q=0.1,fr;q=0.2", "pt-BR,*;q=0.1", "fr;q=0, de;q=0.3"]
    headers += [random_header(rng) for _ in range(1500)]
    headers += [",".join(["pt-BR"] * 60) + ",fr", ",".join(["pt-BR"] * 60) + ",de"]  # past BROWSER_HEADER_KEPT
    assert len(headers[-1]) > i18n.BROWSER_HEADER_KEPT
    for header in headers + headers:  # the second time from what was kept
        assert kept_answer(app, header) == werkzeugs_answer(app, header), header
    assert len(i18n._BROWSER_ANSWERS) <= i18n._BROWSER_ANSWERS.limit


def test_the_answer_is_kept_per_offered_locales(tmp_path):
    plain = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path / "a")}))
    pseudo = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path / "b"),
                                           "COACHBRIDGE_PSEUDO_LOCALES": "1"}))
    for _ in range(2):
        assert kept_answer(plain, "en@pseudo,de") == "de"
        assert kept_answer(pseudo, "en@pseudo,de") == "en@pseudo"


def test_a_long_header_is_not_kept(tmp_path):
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(tmp_path)}))
    header = "fr," + "x" * i18n.BROWSER_HEADER_KEPT
    assert kept_answer(app, header) == "fr"
    assert not any(key[0] == header for key in i18n._BROWSER_ANSWERS)
