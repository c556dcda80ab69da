"""Dynamic Registration pages: the LMS admin pastes ``/lti/register`` into the LMS.

There is no coachbridge session yet, so the confirmation form is protected by a
double-submit token (a random value in a cookie and in the form) instead of the
session's CSRF token.
"""
from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, make_response, render_template, request

from adapter.services.dynamic_registration import complete_registration, read_platform
from lti.dynamic_registration import FailureKind, RegistrationFailure

from . import components
from .auth import set_cookie
from .lti_endpoints import tool_urls

bp = Blueprint("registration", __name__)

FORM_COOKIE = "cb_registration_form"
UNREACHABLE = {FailureKind.CONFIGURATION_UNREACHABLE, FailureKind.REGISTRATION_UNREACHABLE}


def failed(failure: RegistrationFailure):
    status = 502 if failure.kind in UNREACHABLE else 400
    return render_template("error.html", code=str(failure.kind), reason=f"Registration failed: {failure.reason}.",
                           status=status), status


@bp.route("/lti/register", methods=["GET"])
def confirm():
    config_url = request.args.get("openid_configuration", "")
    token = request.args.get("registration_token", "")
    if not config_url:
        return render_template("error.html", code="openid_configuration_missing", status=400,
                               reason="Open this address from your LMS's tool registration page."), 400
    platform = read_platform(config_url, token)
    if isinstance(platform, RegistrationFailure):
        return failed(platform)
    form_token = secrets.token_urlsafe(24)
    response = make_response(render_template("registration/confirm.html", platform=platform, urls=tool_urls(),
                                             config_url=config_url, registration_token=token,
                                             form_token=form_token))
    set_cookie(response, FORM_COOKIE, form_token, max_age=1800)
    return response


@bp.route("/lti/register", methods=["POST"])
def register():
    sent, expected = request.form.get("form_token", ""), request.cookies.get(FORM_COOKIE, "")
    if not expected or not hmac.compare_digest(sent, expected):
        return render_template("error.html", code="registration_form_expired", status=403,
                               reason="This registration form expired. Start again from your LMS."), 403
    registered = complete_registration(components().engine, request.form.get("openid_configuration", ""),
                                       request.form.get("registration_token", ""), tool_urls())
    if isinstance(registered, RegistrationFailure):
        return failed(registered)
    response = make_response(render_template("registration/done.html", registered=registered))
    response.delete_cookie(FORM_COOKIE, path="/", secure=True, samesite="None", partitioned=True)
    return response
