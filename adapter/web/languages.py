"""Changing language: the switcher every signed-in page shows, and a platform's default
language on its admin page. Both are small forms posting here, CSRF-checked like any form."""
from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext

from adapter.domain.authorization import may_administer
from adapter.services.languages import choose_language, set_platform_language

from .app_components import components
from .auth import admin_required, asker, current_session, personal_pages
from .i18n import launch_locale, offered_locales

bp = Blueprint("languages", __name__)


def same_site_path(target: str) -> str | None:
    """A path on this tool to go back to; anything else (another site, a scheme) is refused."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    return target


@bp.route("/language", methods=["POST"])
@personal_pages
def choose():
    session = current_session()
    locale = request.form.get("locale", "")
    if locale not in offered_locales():
        abort(400, description=gettext("The tool does not offer that language."))
    choose_language(components().engine, session.person_id, locale, launch_locale(), time.time())
    return redirect(same_site_path(request.form.get("next", "")) or url_for("home.front_door"), code=303)


@bp.route("/admin/platforms/<int:platform_id>/language", methods=["POST"])
@admin_required
def platform_default(platform_id: int):
    if not may_administer(asker(), platform_id):
        abort(404)
    locale = request.form.get("locale", "")
    if locale and locale not in offered_locales():
        abort(400, description=gettext("The tool does not offer that language."))
    set_platform_language(components().engine, platform_id, locale or None, current_session().person_id,
                          time.time())
    return redirect(url_for("admin_platforms.platform_detail", platform_id=platform_id), code=303)
