"""Which language a page speaks, and Flask-Babel wired to the catalogs.

Templates mark text with ``_()``/``ngettext()`` (Jinja's i18n extension, new-style: named
placeholders, escaped values); views use ``flask_babel.gettext``. Text marked with ``N_`` in
framework-free code is translated here, at the edge, when it is rendered.

The locale, first match wins (README "Languages"):
1. the launch's ``launch_presentation.locale``, unless the person chose another language in
   the tool while their LMS was asking for this same one (then their choice holds);
2. the person's saved choice;
3. the browser's ``Accept-Language``;
4. the default an admin set for the person's platform;
5. English.
"""
from __future__ import annotations

from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from flask import Flask, g, request
from flask_babel import Babel, get_locale
from sqlalchemy.exc import SQLAlchemyError

from adapter import translations
from adapter.services.languages import SavedLanguages, saved_languages
from adapter.translations.pseudo import PSEUDO_LOCALES

from .app_components import EXTENSION, components
from .auth import current_session


def offered_locales() -> tuple[str, ...]:
    """What a person may choose: the shipped languages, and the pseudo-locales when enabled."""
    pseudo = PSEUDO_LOCALES if components().settings.pseudo_locales else ()
    return (*translations.shipped_locales(), *pseudo)


def supported_locale(tag: object) -> str | None:
    """A locale as an LMS or browser spells it (``fr-FR``, ``fr_FR``, ``fr``) as the Babel
    identifier the tool serves (``fr_FR``: French text, dates as in France), or None when the
    tool does not speak its language."""
    if not isinstance(tag, str) or not tag.strip():
        return None
    offered = offered_locales()
    if tag in offered:  # the pseudo-locales are only ever spelled the one way
        return tag
    try:
        locale = Locale.parse(tag.strip().replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    return str(locale) if locale.language in offered and not locale.modifier else None


@dataclass(frozen=True)
class LanguageChoice:
    locale: str  # as offered: "fr", "en@pseudo"
    name: str  # in its own language: "Français"
    lang: str  # the option's lang attribute
    current: bool  # the page speaks it ("fr" while the page is in fr_FR)


def language_choices() -> list[LanguageChoice]:
    """The languages offered, for the switcher and the admin's default."""
    current = get_locale()
    choices = []
    for locale in offered_locales():
        parsed = Locale.parse(locale)
        name = parsed.get_display_name(locale).capitalize() + (f" ({locale})" if parsed.modifier else "")
        choices.append(LanguageChoice(locale, name, parsed.language,
                                      current is not None and str(current) in (locale, f"{locale}_{current.territory}")))
    return choices


def launch_locale() -> str | None:
    """What the session's launch asked for (``launch_presentation.locale``), when the tool speaks it."""
    session = current_session()
    presentation = session.launch.get("launch_presentation") if session else None
    return supported_locale(presentation.get("locale")) if isinstance(presentation, dict) else None


def _saved() -> SavedLanguages:
    if "saved_languages" not in g:
        session = current_session()
        try:
            g.saved_languages = saved_languages(components().engine, session and session.person_id,
                                                session and session.platform_id)
        except SQLAlchemyError:  # an error page while the database is down still renders
            g.saved_languages = SavedLanguages(None, None)
    return g.saved_languages


def browser_locale() -> str | None:
    """The first language of the browser's Accept-Language (by preference) that the tool speaks."""
    return next(filter(None, (supported_locale(tag) for tag, _quality in request.accept_languages)), None)


def select_locale() -> str:
    saved = _saved() if current_session() is not None else SavedLanguages(None, None)
    chosen = supported_locale(saved.choice.locale) if saved.choice else None
    launched = launch_locale()
    if launched and not (chosen and saved.choice.chosen_over == launched):
        return launched
    return (chosen or browser_locale() or supported_locale(saved.platform_default)
            or translations.SOURCE_LOCALE)


def platform_default(platform_id: int) -> str:
    """The default an admin set for the platform ("" for none), for its admin page."""
    return saved_languages(components().engine, None, platform_id).platform_default or ""


def html_lang() -> str:
    """The page's ``lang``: BCP 47 (``fr-FR``); a pseudo-locale's modifier as a private-use subtag."""
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
    app.context_processor(lambda: {"html_lang": html_lang, "text_direction": text_direction,
                                   "language_choices": language_choices, "platform_default": platform_default})
