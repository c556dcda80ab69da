"""What the coaching pages share: the viewer behind the session, the templates, and
turning domain refusals into HTTP answers (404 for what is not yours, 403, 400)."""
from __future__ import annotations

import time
from datetime import date, datetime, timezone

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext

from adapter.domain.authorization import Forbidden, NotFound, Viewer, may_use_personal_pages
from adapter.domain.templates import TemplateCatalog
from adapter.domain.translatable import N_

from .app_components import components
from .auth import allowed
from .i18n import translate


def catalog() -> TemplateCatalog:
    """The templates, validated when the app's parts were built (adapter/bootstrap.py), with
    their texts in the page's language (each template ships its own translations)."""
    if "templates" not in g:
        g.templates = components().parts.templates.in_language(str(get_locale()))
    return g.templates


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
