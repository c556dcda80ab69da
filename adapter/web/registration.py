"""Dynamic Registration pages: the LMS admin pastes a registration link into the LMS.

The link is ``/lti/register/<invitation>`` from a tool operator (``coachbridge platform
invite`` or the admin page). Plain ``/lti/register`` works only when the operator turned
open registration on, and then the LMS waits for approval. Without either, nothing is
fetched: the tool never reads a URL an anonymous visitor named.

There is no coachbridge session yet, so the confirmation form is protected by a
double-submit token (a random value in a cookie and in the form) instead of the
session's CSRF token.
"""
from __future__ import annotations

import hmac
import secrets
import time

from flask import Blueprint, make_response, render_template, request
from flask_babel import gettext as _

from adapter.services.dynamic_registration import complete_registration, read_platform
from adapter.services.invitations import is_usable
from lti.dynamic_registration import FailureKind, RegistrationFailure
from lti.safe_fetch import FetchLimits

from .app_components import components
from .auth import COOKIE_PREFIX, set_cookie
from .tool_links import tool_urls

bp = Blueprint("registration", __name__)

FORM_COOKIE = COOKIE_PREFIX + "cb_registration_form"
UNREACHABLE = {FailureKind.CONFIGURATION_UNREACHABLE, FailureKind.REGISTRATION_UNREACHABLE}


def failed(failure: RegistrationFailure):
    status = 502 if failure.kind in UNREACHABLE else 400
    return render_template("error.html", code=str(failure.kind),
                           reason=_("Registration failed: %(why)s.", why=failure.reason), status=status), status


def _refused(code: str, reason: str, status: int = 403):
    return render_template("error.html", code=code, reason=reason, status=status), status


def _gate(invitation: str | None):
    """The refusal when this registration may not even start (before anything is fetched)."""
    if invitation is None:
        if components().settings.open_registration:
            return None
        return _refused("invitation_required", _("coachbridge registers an LMS only from a registration link. "
                                                 "Ask the tool's operator for one and paste it into your LMS."))
    if not is_usable(components().engine, invitation, time.time()):
        return _refused("invitation_invalid", _("This registration link was already used, withdrawn or has "
                                                "expired. Ask the tool's operator for a new one."))
    return None


def _limits() -> FetchLimits:
    return FetchLimits(allow_private_addresses=components().settings.allow_private_addresses)


@bp.route("/lti/register", methods=["GET"], defaults={"invitation": None})
@bp.route("/lti/register/<invitation>", methods=["GET"])
def confirm(invitation: str | None):
    refused = _gate(invitation)
    if refused:
        return refused
    config_url = request.args.get("openid_configuration", "")
    token = request.args.get("registration_token", "")
    if not config_url:
        return _refused("openid_configuration_missing",
                        _("Open this address from your LMS's tool registration page."), 400)
    platform = read_platform(config_url, token, _limits())
    if isinstance(platform, RegistrationFailure):
        return failed(platform)
    form_token = secrets.token_urlsafe(24)
    response = make_response(render_template("registration/confirm.html", platform=platform, urls=tool_urls(),
                                             config_url=config_url, registration_token=token,
                                             form_token=form_token, invitation=invitation))
    set_cookie(response, FORM_COOKIE, form_token, max_age=1800)
    return response


@bp.route("/lti/register", methods=["POST"], defaults={"invitation": None})
@bp.route("/lti/register/<invitation>", methods=["POST"])
def register(invitation: str | None):
    sent, expected = request.form.get("form_token", ""), request.cookies.get(FORM_COOKIE, "")
    if not expected or not hmac.compare_digest(sent, expected):
        return _refused("registration_form_expired", _("This registration form expired. Start again from your LMS."))
    refused = _gate(invitation)
    if refused:
        return refused
    registered = complete_registration(components().engine, invitation, request.form.get("openid_configuration", ""),
                                       request.form.get("registration_token", ""), tool_urls(), _limits())
    if isinstance(registered, RegistrationFailure):
        return failed(registered)
    response = make_response(render_template("registration/done.html", registered=registered,
                                             pending=invitation is None))
    response.delete_cookie(FORM_COOKIE, path="/", secure=True, samesite="None", partitioned=True)
    return response
