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
from functools import cache, lru_cache
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import Flask, g, request
from flask_babel import Babel, gettext
from jinja2 import pass_eval_context
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import LanguageAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

from adapter import translations
from adapter.domain.kept_answers import KeptAnswers
from adapter.domain.translatable import N_
from adapter.persistence.session_store import CHOSEN_LOCALE, WebSession
from adapter.services.languages import SavedLanguages, saved_languages
from adapter.translations.pseudo import PSEUDO_LOCALES

from .app_components import EXTENSION, components, page_connection
from .auth import current_session
from .kept_fragments import page_pure
from .request_locale import current_locale


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
    return _supported(tag, offered_locales())


@lru_cache(maxsize=1024)  # every page asks for its launch's and browser's tags; parsing one costs ~50 µs
def _supported(tag: str, offered: tuple[str, ...]) -> str | None:
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


def language_choices() -> tuple[LanguageChoice, ...]:
    """The languages offered, for the switcher and the admin's default."""
    current = current_locale()
    return _choices(offered_locales(), str(current) if current is not None else None,
                    current.territory if current is not None else None)


@lru_cache(maxsize=256)  # every page lists them: the same few per locale
def _choices(offered: tuple[str, ...], current: str | None, territory: str | None) -> tuple[LanguageChoice, ...]:
    return tuple(LanguageChoice(locale, *_own_name(locale), current in (locale, f"{locale}_{territory}"))
                 for locale in offered)


@cache  # every page lists the languages
def _own_name(locale: str) -> tuple[str, str]:
    """A language's name in its own language, and its language code."""
    parsed = Locale.parse(locale)
    return parsed.get_display_name(locale).capitalize() + (f" ({locale})" if parsed.modifier else ""), parsed.language


def launch_locale() -> str | None:
    """What the session's launch asked for (``launch_presentation.locale``), when the tool speaks it."""
    return _launch_locale(current_session())


def _launch_locale(session: WebSession | None) -> str | None:
    presentation = session.launch.get("launch_presentation") if session else None
    return supported_locale(presentation.get("locale")) if isinstance(presentation, dict) else None


_NOTHING_SAVED = SavedLanguages(None, None)


def _saved(request_globals: Any, session: WebSession) -> SavedLanguages:
    """The session's person's and platform's saved languages, read once per request (a launch
    hands over what it read with the launch: ``lti_endpoints``)."""
    saved = request_globals.get("saved_languages")
    if saved is None:
        try:
            with page_connection() as conn:
                saved = saved_languages(conn, session.person_id, session.platform_id)
        except SQLAlchemyError:  # an error page while the database is down still renders
            saved = _NOTHING_SAVED
        request_globals.saved_languages = saved
    return saved


_BROWSER_ANSWERS = KeptAnswers(256)  # keyed by a header's text, any text: bounded
BROWSER_HEADER_KEPT = 256  # characters; a longer Accept-Language is answered afresh
_NOT_KEPT = object()


def browser_locale() -> str | None:
    """The first language of the browser's Accept-Language (by preference) that the tool speaks.

    Kept per header text (as werkzeug reads it: repeated headers joined) and offered locales: a
    browser sends the same text with every request, and werkzeug parses and sorts it afresh for
    each (~13 µs for ``fr-FR,fr;q=0.9,en;q=0.8``). No header, or an empty one, is no language
    (werkzeug's parse of it is empty), answered without parsing."""
    header = request.environ.get("HTTP_ACCEPT_LANGUAGE")
    if not header:
        return None
    offered = offered_locales()
    found = _BROWSER_ANSWERS.get((header, offered), _NOT_KEPT)
    if found is not _NOT_KEPT:
        return found
    languages = parse_accept_header(header, LanguageAccept)
    answer = next(filter(None, (supported_locale(tag) for tag, _quality in languages)), None)
    return _BROWSER_ANSWERS.keep((header, offered), answer) if len(header) <= BROWSER_HEADER_KEPT else answer


def select_locale() -> Locale:
    """The request's locale (the module's docstring), ``g`` read once, not through its proxy."""
    request_globals = g._get_current_object()
    session = request_globals.get("web_session")  # current_session()
    saved = _saved(request_globals, session) if session is not None else _NOTHING_SAVED
    chosen = supported_locale(saved.choice.locale if saved.choice else session and session.launch.get(CHOSEN_LOCALE))
    launched = _launch_locale(session)
    if launched and not (chosen and saved.choice.chosen_over == launched):
        return _locale(launched)
    return _locale(chosen or browser_locale() or supported_locale(saved.platform_default)
                   or translations.SOURCE_LOCALE)


@lru_cache(maxsize=256)  # the few locales served: one Locale object each, not one per request
def _locale(identifier: str) -> Locale:
    """The page's Locale (Flask-Babel takes it as it is): Babel parses each identifier once, and
    each object finds its CLDR data once, at its first date or number; the caches keyed by
    locale (lang and dir, the rating scale's numbers) then find it by identity."""
    return Locale.parse(identifier)


def platform_default(platform_id: int) -> str:
    """The default an admin set for the platform ("" for none), for its admin page."""
    with page_connection() as conn:
        return saved_languages(conn, None, platform_id).platform_default or ""


# What an error page says when the code that refused gave no reason of its own (werkzeug's
# defaults are English and written for developers).
_ERROR_REASONS = {
    400: N_("The request could not be understood. Please go back and try again."),
    401: N_("Your session has ended. Please launch the tool again from your course."),
    403: N_("You are not allowed to open this page."),
    404: N_("There is no such page."),
    405: N_("This page cannot be used that way."),
    413: N_("What you sent is too large."),
    429: N_("Too many requests. Please wait a moment and try again."),
}


def error_reason(error: HTTPException) -> str:
    """The reason an error page gives: the one the refusing code wrote (translated where it was
    raised), else a plain one for the status in the reader's language."""
    if error.description and error.description != type(error).description:
        return error.description
    reason = _ERROR_REASONS.get(error.code or 500)
    return gettext(reason) if reason else gettext("Something went wrong on our side. Please try again.")


def rule_problem(violation: Any) -> str:
    """A broken rule (a RuleViolation: the field's name, and the whole sentence saying what is wrong
    naming it as ``%(field)s``, English msgids marked where they were written, with its values)
    in the reader's language, e.g. "Date held cannot be in the future"."""
    return gettext(violation.problem, field=translate(violation.field), **violation.params)


def translate(text: object) -> str:
    """Text marked with N_ elsewhere, translated at the edge (a template filter too)."""
    return gettext(str(text)) if text else ""


def html_lang() -> str:
    """The page's ``lang``: BCP 47 (``fr-FR``); a pseudo-locale's modifier as a private-use subtag."""
    return _written(current_locale())[0]


def text_direction() -> str:
    return _written(current_locale())[1]


@lru_cache(maxsize=256)  # every page says both; Babel's text_direction reads the locale's data each time
def _written(locale: Locale | None) -> tuple[str, str]:
    locale = locale or Locale.parse(translations.SOURCE_LOCALE)  # no request: the command line
    tag = "-".join(part for part in (locale.language, locale.script, locale.territory) if part)
    return f"{tag}-x-{locale.modifier}" if locale.modifier else tag, locale.text_direction


def init_app(app: Flask) -> None:
    directory = translations.compiled_directory(pseudo=app.extensions[EXTENSION].settings.pseudo_locales)
    app.config.update(BABEL_TRANSLATION_DIRECTORIES=str(directory),
                      BABEL_DOMAIN=translations.DOMAIN, BABEL_DEFAULT_LOCALE=translations.SOURCE_LOCALE)
    # {% trans %} blocks' whitespace collapsed, as extraction does (pyproject.toml)
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    Babel(app, locale_selector=select_locale)
    templates = app.jinja_env  # translated_templates.TranslatedTemplates: the catalog per locale

    @app.context_processor
    def page_language() -> dict[str, Any]:
        locale = current_locale()
        return _page_language(templates.for_locale(locale).catalog, locale)

    app.add_template_filter(translate)
    app.add_template_filter(rule_problem)


@lru_cache(maxsize=256)  # per catalog (Flask-Babel keeps one per locale) and locale (fr_FR, fr_CA: fr's catalog)
def _page_language(catalog: Any, locale: Locale | None) -> dict[str, Any]:
    """What templates are given for the render's language (a context processor's values):
    the page's ``html_lang`` and ``text_direction`` (texts: one locale lookup per render, not
    one per use) and the language choices; ``_``, ``gettext`` and ``ngettext`` bound to the
    render's catalog.

    These three behave as Jinja's new-style ones (the text translated, escaped in an autoescaped
    template, then formatted with the named values) at a third of the cost, for the texts a
    template computes (its fixed texts are compiled in: translated_templates.py). Jinja's own
    take the whole template context, which it copies per call inside any block or loop that
    sets a variable (``Context.derived``), and Flask-Babel then finds the catalog through four
    context lookups per call; these are bound to it (inside ``force_locale`` too, as emails
    are rendered) and need only the autoescape setting. Templates rendered outside
    ``render_template`` keep Flask-Babel's, which say the same.
    """

    @page_pure  # bound to the catalog: its identity says which
    @pass_eval_context
    def template_gettext(eval_ctx, string: str, **variables: Any) -> str:
        text = catalog.ugettext(string)
        return (Markup(text) if eval_ctx.autoescape else text) % variables

    @page_pure
    @pass_eval_context
    def template_ngettext(eval_ctx, singular: str, plural: str, num: int, **variables: Any) -> str:
        variables.setdefault("num", num)
        text = catalog.ungettext(singular, plural, num)
        return (Markup(text) if eval_ctx.autoescape else text) % variables

    lang, direction = _written(locale)
    return {"_": template_gettext, "gettext": template_gettext, "ngettext": template_ngettext,
            "html_lang": lang, "text_direction": direction, "language_choices": language_choices,
            "platform_default": platform_default}
