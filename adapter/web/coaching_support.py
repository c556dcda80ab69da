"""What the coaching pages share: the viewer behind the session, the templates, and
turning domain refusals into HTTP answers (404 for what is not yours, 403, 400)."""
from __future__ import annotations

import time
from datetime import date, datetime, timezone
from functools import partial

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext

from adapter.domain.authorization import Forbidden, NotFound, Viewer, may_use_personal_pages
from adapter.domain.rules import RuleViolation, whole_number
from adapter.domain.templates import TemplateCatalog
from adapter.domain.translatable import N_
from adapter.services.coaching_views import undo_offer
from adapter.translations.pseudo import PSEUDO_LOCALES, RTL, pseudo_text

from .app_components import components
from .auth import allowed
from .i18n import translate
from .request_locale import current_locale


def catalog() -> TemplateCatalog:
    """The templates (validated when the app's parts were built, adapter/bootstrap.py), their
    texts in the page's language; in a test pseudo-locale, pseudo-translated like the catalogs."""
    templates, locale = components().parts.templates, str(current_locale() or "")
    if locale in PSEUDO_LOCALES:
        return templates.with_texts(partial(pseudo_text, right_to_left=locale == RTL))
    return templates.in_language(locale)


def answer_refusals(blueprint: Blueprint,
                    missing: str = N_("There is no such record, or it is not yours to see.")) -> None:
    """The domain's refusals, as the blueprint's pages answer them: NotFound as 404 saying
    ``missing`` (English, marked with N_: translated here)."""
    @blueprint.errorhandler(NotFound)
    def not_found(error: NotFound):
        return render_template("error.html", code="not_found", status=404, reason=gettext(missing)), 404

    @blueprint.errorhandler(Forbidden)
    def forbidden(error: Forbidden):
        return render_template("error.html", code="forbidden", status=403,
                               reason=gettext("Not allowed: %(reason)s.", reason=translate(error))), 403


def current_viewer() -> Viewer:
    """The person asking, for the coaching rules (adapter.domain.authorization)."""
    return allowed(may_use_personal_pages).viewer


def now() -> float:
    return time.time()


def today_of(moment: float) -> date:
    """The calendar day of ``moment`` (UTC), for what is due today or this week."""
    return datetime.fromtimestamp(moment, timezone.utc).date()


def today() -> date:
    """The day forms pre-fill (a conversation is usually recorded the day it is held)."""
    return today_of(now())


def done(endpoint: str, message: str, **values) -> object:
    """Redirect after a successful POST (303), saying what was saved."""
    return redirect(url_for(endpoint, done=message, **values), code=303)


def saved_message(messages: dict[str, str]) -> str:
    return messages.get(request.args.get("done", ""), "")


def about_record(broken: RuleViolation, record_id: int) -> RuleViolation:
    """Problems of a form shown once per record (a rating, a decision): its fields' ids end
    in ``-<record id>``, so the summary's links reach that record's form."""
    for violation in broken.all:
        violation.name = f"{violation.name}-{record_id}" if violation.name else None
    return broken


def withdrawn_undo(conn, endpoint: str, record_types: tuple[str, ...]) -> dict | None:
    """After a withdrawal (``?undo=<type>-<id>`` on the page it lands on): the "Undo" form,
    posting to ``endpoint``, while the viewer may still undo it; else None."""
    record_type, _, record_id = request.args.get("undo", "").partition("-")
    if record_type not in record_types:
        return None
    offer = undo_offer(conn, current_viewer(), record_type, whole_number(record_id), now())
    return offer and {**offer, "url": url_for(endpoint, record_type=record_type, record_id=offer["record_id"])}
