"""Admin pages for the xAPI side (issue 6, settings): LRS endpoints per platform, with a
connection test that sends no statement, and each platform's privacy options.

Secrets are write-only here: a page says whether one is set, never what it is.
"""
from __future__ import annotations

import time

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from adapter.domain.authorization import NotFound, may_administer
from adapter.domain.rules import RuleViolation, RuleViolations
from adapter.persistence import lrs_store
from adapter.services import lrs_settings
from xapi.agents import IdentityFormat

from . import submitted
from .admin import admin_blueprint, scoped_platforms
from .app_components import components, page_connection
from .auth import admin_required, admin_scope, asker

bp = admin_blueprint(__name__)

# Whether the tool may reach an endpoint at a private address, and why (see lrs_settings).
REACH_WORDS = {"operator": _l("Private address allowed: saved by the tool operator"),
               "server": _l("Private address allowed on this server"), None: _l("Public addresses only")}


def _endpoint_or_404(endpoint_id: int) -> lrs_store.LrsEndpoint:
    """The endpoint, when it belongs to a platform the asking admin manages."""
    with page_connection() as conn:
        endpoint = lrs_store.get_endpoint(conn, endpoint_id)
    if endpoint is None or not may_administer(asker(), endpoint.platform_id):
        raise NotFound("no such LRS endpoint")
    return endpoint


def _private_allowed() -> bool:
    return components().settings.allow_private_addresses


def _allowed_by(endpoint: lrs_store.LrsEndpoint) -> str | None:
    return lrs_settings.private_address_allowed_by(endpoint, _private_allowed())


def _form_values(endpoint: lrs_store.LrsEndpoint) -> dict[str, str]:
    return {name: str(getattr(endpoint, name)) for name in ("name", *lrs_store.SETTINGS_FIELDS)}


@bp.route("/lrs")
@admin_required
def lrs_list():
    choices = scoped_platforms()
    with page_connection() as conn:
        by_platform = [(p, lrs_store.endpoints(conn, p["id"]), lrs_store.privacy_of(conn, p["id"]))
                       for p in choices]
        refused = lrs_settings.refused_sends(conn)
    return render_template("admin/lrs.html", by_platform=by_platform, identities=list(IdentityFormat),
                           refused=refused, operator=admin_scope().is_operator,
                           allowed_by=_allowed_by, reach_words=REACH_WORDS, saved=request.args.get("saved"),
                           auth_kind_names=lrs_settings.AUTH_KIND_NAMES)


def _edit_page(endpoint: lrs_store.LrsEndpoint | None, form: dict[str, str], errors: dict[str, RuleViolation],
               check=None, status: int = 200):
    error = RuleViolations(list(errors.values())) if errors else None  # each under its field's name
    with page_connection() as conn:
        refused = lrs_settings.refused_sends(conn).get(endpoint.name) if endpoint else None
    return render_template("admin/lrs_form.html", endpoint=endpoint, form=form, error=error, check=check,
                           operator=admin_scope().is_operator, refused=refused,
                           allowed_by=_allowed_by, reach_words=REACH_WORDS,
                           platforms=scoped_platforms(), labels=lrs_settings.LABELS, auth_kinds=lrs_store.AUTH_KINDS,
                           auth_kind_names=lrs_settings.AUTH_KIND_NAMES, versions=lrs_settings.VERSIONS), status


@bp.route("/lrs/new", methods=["GET", "POST"])
@admin_required
def lrs_new():
    if request.method == "GET":
        return _edit_page(None, {"auth_kind": "basic", "xapi_version": "1.0.3", "batch_size": "100",
                                 "platform_id": request.args.get("platform_id", "")}, {})
    checked = lrs_settings.check_form(components().engine, admin_scope(), submitted.lrs_endpoint(request.form), None,
                                      _private_allowed())
    if checked.errors:
        return _edit_page(None, {**request.form, "secret": ""}, checked.errors, status=400)
    endpoint_id = lrs_settings.save_endpoint(components().engine, checked, components().cipher)
    # A new endpoint is turned on only once its connection test passes: statements queued
    # for an address that never answers would only pile up.
    check = lrs_settings.check_connection(_endpoint_or_404(endpoint_id), components().cipher, _private_allowed())
    if not check.ok:
        with components().engine.begin() as conn:
            lrs_store.set_endpoint_active(conn, endpoint_id, False, time.time())
    return redirect(url_for("admin_lrs.lrs_edit", endpoint_id=endpoint_id, saved="on" if check.ok else "off"),
                    code=303)


@bp.route("/lrs/<int:endpoint_id>", methods=["GET", "POST"])
@admin_required
def lrs_edit(endpoint_id: int):
    endpoint = _endpoint_or_404(endpoint_id)
    if request.method == "GET":
        return _edit_page(endpoint, _form_values(endpoint), {})
    checked = lrs_settings.check_form(components().engine, admin_scope(), submitted.lrs_endpoint(request.form),
                                      endpoint, _private_allowed())
    if checked.errors:
        return _edit_page(endpoint, {**request.form, "name": endpoint.name, "secret": ""}, checked.errors,
                          status=400)
    lrs_settings.save_endpoint(components().engine, checked, components().cipher, endpoint)
    return redirect(url_for("admin_lrs.lrs_edit", endpoint_id=endpoint_id, saved=1), code=303)


@bp.route("/lrs/<int:endpoint_id>/test", methods=["POST"])
@admin_required
def lrs_test(endpoint_id: int):
    endpoint = _endpoint_or_404(endpoint_id)
    check = lrs_settings.check_connection(endpoint, components().cipher, _private_allowed())
    return _edit_page(endpoint, _form_values(endpoint), {}, check=check)


@bp.route("/lrs/<int:endpoint_id>/active", methods=["POST"])
@admin_required
def lrs_active(endpoint_id: int):
    _endpoint_or_404(endpoint_id)
    with components().engine.begin() as conn:
        lrs_store.set_endpoint_active(conn, endpoint_id, request.form.get("active") == "1", time.time())
    return redirect(url_for("admin_lrs.lrs_edit", endpoint_id=endpoint_id), code=303)


@bp.route("/lrs/privacy/<int:platform_id>", methods=["POST"])
@admin_required
def lrs_privacy(platform_id: int):
    admin_scope().require(platform_id)
    problem = lrs_settings.save_privacy(components().engine, platform_id, submitted.privacy(request.form))
    if problem:
        abort(400, description=_(problem))
    return redirect(url_for("admin_lrs.lrs_list", saved=platform_id), code=303)
