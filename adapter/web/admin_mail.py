"""Admin page for mail: the SMTP server, the sender, the daily cap per person, the
organisation's defaults per kind of message, and a test message. Same as ``coachbridge mail``.
One server for every platform the tool serves: a tool operator's page."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from adapter.domain.mail import ADDRESS, KINDS, SECURITY, wanted
from adapter.domain.rules import RuleViolation
from adapter.domain.translatable import N_
from adapter.services import mail_settings

from .admin import admin_blueprint
from .app_components import components
from .auth import operator_required
from .coaching_support import done, now, saved_message

bp = admin_blueprint(__name__)
SAVED = {"settings": _l("Mail settings saved."), "defaults": _l("Organisation defaults saved.")}


def _page(error: RuleViolation | None = None, test_result: tuple[bool, str] | None = None, status: int = 200,
          form: dict | None = None):
    settings = mail_settings.current(components().engine)
    values = form or ({name: getattr(settings, name) for name in
                       ("host", "port", "security", "username", "from_address", "daily_cap")} if settings else
                      {"port": 587, "security": "starttls", "daily_cap": 10})
    defaults = [{"key": k.key, "title": k.title, "to": k.to,
                 "on": wanted(k.key, {}, settings.defaults if settings else {})} for k in KINDS.values()]
    return render_template("admin/mail.html", settings=settings, values=values, security=SECURITY,
                           defaults=defaults, error=error, test_result=test_result,
                           public_url=components().settings.public_url,
                           saved=saved_message(SAVED)), status


@bp.route("/mail", methods=["GET", "POST"])
@operator_required
def mail():
    if request.method == "POST":
        try:
            mail_settings.save(components().engine, request.form, components().cipher, now())
        except RuleViolation as broken:
            return _page(error=broken, status=400, form=request.form.to_dict())
        return done("admin_mail.mail", "settings")
    return _page()


@bp.route("/mail/defaults", methods=["POST"])
@operator_required
def mail_defaults():
    if not mail_settings.save_defaults(components().engine, request.form, now()):
        return _page(error=RuleViolation(N_("Mail"), N_("%(field)s must be set up before its defaults")), status=400)
    return done("admin_mail.mail", "defaults")


@bp.route("/mail/test", methods=["POST"])
@operator_required
def mail_test():
    address = (request.form.get("address") or "").strip()
    if not ADDRESS.match(address):
        return _page(error=RuleViolation(N_("Test address"), N_("%(field)s must be an email address"), "address"),
                     status=400)
    return _page(test_result=mail_settings.test(components().engine, components().cipher, address, _))
