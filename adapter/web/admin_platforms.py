"""Admin pages for LMS registrations: list, details, enable/disable, manual
registration, what to paste into an LMS, and the CLI's one-time sign-in link."""
from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from adapter.services.admin_access import redeem_admin_link
from adapter.services.platforms import (
    PlatformExists, PlatformSpec, find_platform, register_platform, set_platform_active,
)
from adapter.services.tool_configuration import canvas_json

from .admin import admin_blueprint
from .app_components import components
from .auth import SESSION_COOKIE, admin_required, admin_scope, operator_required, set_cookie
from .form_problems import problems
from .tool_links import tool_urls

bp = admin_blueprint(__name__)

URL_FIELDS = ("issuer", "auth_login_url", "key_set_url", "auth_token_url")
FIELD_LABELS = {"issuer": _l("Issuer"), "client_id": _l("Client id"), "auth_login_url": _l("OIDC authorization URL"),
                "key_set_url": _l("Public keyset (JWKS) URL"), "auth_token_url": _l("Access token URL"),
                "deployment_ids": _l("Deployment ids"), "name": _l("Name")}


def is_web_address(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("https", "http") and bool(parts.netloc) and not parts.fragment


def platform_form_errors(form: dict[str, str]) -> dict[str, str]:
    errors = {}
    for name in ("issuer", "client_id", "auth_login_url", "key_set_url"):
        if not form.get(name, "").strip():
            errors[name] = _("%(field)s is required.", field=FIELD_LABELS[name])
    for name in URL_FIELDS:
        value = form.get(name, "").strip()
        if value and not is_web_address(value):
            errors[name] = _("%(field)s must be a web address (https://…).", field=FIELD_LABELS[name])
    return errors


@bp.route("/platforms/<int:platform_id>")
@admin_required
def platform_detail(platform_id: int):
    platform = find_platform(components().engine, platform_id, admin_scope())
    if platform is None:
        abort(404)
    return render_template("admin/platform.html", platform=platform, operator=admin_scope().is_operator)


@bp.route("/platforms/<int:platform_id>/active", methods=["POST"])
@operator_required
def platform_active(platform_id: int):
    """Disable, enable or approve a registration: a tool operator's act."""
    if not set_platform_active(components().engine, platform_id, request.form.get("active") == "1"):
        abort(404)
    return redirect(url_for("admin_platforms.platform_detail", platform_id=platform_id), code=303)


@bp.route("/platforms/new", methods=["GET", "POST"])
@operator_required
def platform_new():
    form = {name: request.form.get(name, "").strip() for name in FIELD_LABELS} if request.method == "POST" else {}
    errors = platform_form_errors(form) if request.method == "POST" else {}
    status = 400 if errors else 200
    if request.method == "POST" and not errors:
        deployment_ids = tuple(d.strip() for d in form["deployment_ids"].replace(",", "\n").splitlines() if d.strip())
        try:
            platform_id = register_platform(components().engine, PlatformSpec(
                issuer=form["issuer"], client_id=form["client_id"], auth_login_url=form["auth_login_url"],
                key_set_url=form["key_set_url"], auth_token_url=form["auth_token_url"], name=form["name"],
                deployment_ids=deployment_ids))
            return redirect(url_for("admin_platforms.platform_detail", platform_id=platform_id), code=303)
        except PlatformExists:
            errors, status = {"client_id": _("An LMS with this issuer and client id is already registered; "
                                             "nothing was changed.")}, 409
    return render_template("admin/platform_new.html", form=form, error=problems(errors), labels=FIELD_LABELS,
                           urls=tool_urls()), status


@bp.route("/tool-config")
@operator_required
def tool_config():
    urls = tool_urls()
    return render_template("admin/tool_config.html", urls=urls, canvas=json.dumps(canvas_json(urls), indent=2))


@bp.route("/sign-in/<token>")
def sign_in(token: str):
    parts = components()
    session_token = redeem_admin_link(parts.engine, token, time.time(), parts.settings.session_lifetime)
    if session_token is None:
        abort(403, description=_("This sign-in link was already used or has expired. "
                                 "Run `coachbridge admin link` again."))
    response = redirect(url_for("admin.home"), code=303)
    set_cookie(response, SESSION_COOKIE, session_token, max_age=parts.settings.session_lifetime)
    return response
