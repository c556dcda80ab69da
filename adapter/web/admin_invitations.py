"""The tool operator's page of registration invitations: create one (its link is shown
once, on the answer to the form), see which were used by which LMS, withdraw unused ones."""
from __future__ import annotations

import time

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from adapter.services import invitations as service

from .admin import admin_blueprint
from .app_components import components
from .auth import operator_required

bp = admin_blueprint(__name__)


def _page(link: str | None = None, status: int = 200):
    return render_template("admin/invitations.html", invitations=service.invitations(components().engine),
                           now=time.time(), link=link, days=service.INVITATION_LIFETIME // 86400), status


@bp.route("/invitations", methods=["GET", "POST"])
@operator_required
def invitations():
    if request.method == "GET":
        return _page()
    base = components().settings.public_url or request.host_url
    invitation = service.invite(components().engine, base, time.time(), request.form.get("note", ""))
    return _page(invitation.link, 201)


@bp.route("/invitations/<int:invitation_id>/withdraw", methods=["POST"])
@operator_required
def invitation_withdraw(invitation_id: int):
    if not service.withdraw(components().engine, invitation_id, time.time()):
        abort(404, description=_("No unused invitation with that number."))
    return redirect(url_for("admin_invitations.invitations"), code=303)
