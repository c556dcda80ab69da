"""Which language a page speaks, and Flask-Babel wired to the catalogs.

Templates mark text with ``_()``/``ngettext()`` (Jinja's i18n extension, new-style: named
placeholders, escaped values); views use ``flask_babel.gettext``. Text marked with ``N_`` in
framework-free code is translated here, at the edge, when it is rendered.
"""
from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import Flask, request
from flask_babel import Babel, get_locale

from adapter import translations
from adapter.translations.pseudo import PSEUDO_LOCALES

from .app_components import EXTENSION, components


def offered_locales() -> tuple[str, ...]:
    """What a person may choose: the shipped languages, and the pseudo-locales when enabled."""
    pseudo = PSEUDO_LOCALES if components().settings.pseudo_locales else ()
    return (*translations.shipped_locales(), *pseudo)


def supported_locale(tag: str | None) -> str | None:
    """A locale as an LMS or browser spells it (``fr-FR``, ``fr_FR``, ``fr``) as the Babel
    identifier the tool serves (``fr_FR``: French text, French-of-France dates), or None when
    the tool does not speak its language."""
    if not tag:
        return None
    offered = offered_locales()
    if tag in offered:  # the pseudo-locales are only ever spelled the one way
        return tag
    try:
        locale = Locale.parse(tag.strip().replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    return str(locale) if locale.language in offered else None


def browser_locale() -> str | None:
    """The first language of the browser's Accept-Language (by preference) that the tool speaks."""
    return next(filter(None, (supported_locale(tag) for tag, _quality in request.accept_languages)), None)


def select_locale() -> str:
    return browser_locale() or translations.SOURCE_LOCALE


def html_lang() -> str:
    """The page's ``lang``: BCP 47 (``fr-FR``); a pseudo-locale's modifier as a private use subtag."""
    locale = get_locale()
    tag = "-".join(part for part in (locale.language, locale.script, locale.territory) if part)
    return f"{tag}-x-{locale.modifier}" if locale.modifier else tag


def text_direction() -> str:
    return get_locale().text_direction


def init_app(app: Flask) -> None:
    directory = translations.compiled_directory(pseudo=app.extensions[EXTENSION].settings.pseudo_locales)
    app.config.update(BABEL_TRANSLATION_DIRECTORIES=str(directory),
                      BABEL_DOMAIN=translations.DOMAIN, BABEL_DEFAULT_LOCALE=translations.SOURCE_LOCALE)
    # {% trans %} blocks' whitespace collapsed, as extraction does (pyproject.toml)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    Babel(app, locale_selector=select_locale)
    app.context_processor(lambda: {"html_lang": html_lang, "text_direction": text_direction})
