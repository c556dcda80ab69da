"""The admin's page for the reports API's tokens: create one (shown once), revoke one."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _

from adapter.domain.rules import whole_number
from adapter.persistence import report_api_store

from .app_components import components, page_connection
from .admin import admin_blueprint
from .auth import admin_required, admin_scope
from .coaching_support import done, now, saved_message

bp = admin_blueprint(__name__)


def _page(new_token: str = "", status: int = 200):
    with page_connection() as conn:
        tokens = report_api_store.tokens(conn, admin_scope())
    return render_template("reports/api_tokens.html", tokens=tokens, new_token=new_token,
                           saved=saved_message({"revoked": _("The token is revoked: it no longer works.")})), status


@bp.route("/reports/api-tokens")
@admin_required
def api_tokens():
    return _page()


@bp.route("/reports/api-tokens", methods=["POST"])
@admin_required
def create_api_token():
    name = request.form.get("name", "").strip()
    if not name or len(name) > 100:
        abort(400, description=_("Give the token a name of 1 to 100 characters (what will use it)."))
    with components().engine.begin() as conn:
        _token_id, token = report_api_store.create_token(conn, admin_scope(), name, now())
    return _page(token, 201)


@bp.route("/reports/api-tokens/<token_id>/revoke", methods=["POST"])
@admin_required
def revoke_api_token(token_id: str):
    number = whole_number(token_id)
    with components().engine.begin() as conn:
        if number is None or not report_api_store.revoke_token(conn, admin_scope(), number, now()):
            abort(404, description=_("There is no such live token among yours."))
    return done("report_api_tokens.api_tokens", "revoked")
