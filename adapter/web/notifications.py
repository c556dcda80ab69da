"""Email and calendar for everyone: preferences and the calendar feed address (signed-in
pages), and the two links that work without a session — one-click unsubscribe (RFC 8058)
and the calendar feed itself, each authorised by its secret token alone."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from adapter.services import notifications
from adapter.services.mail_messages import Mailer

from .app_components import components, page_connection
from .auth import asker, personal_pages
from .coaching_support import done, now, saved_message

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
# The secret is the last segment of each link's path, so request logs leave it out (health.py).
links = Blueprint("mail_links", __name__, url_prefix="/mail")  # no session, no CSRF token: the link's secret
SAVED = {"preferences": _l("Your choices are saved."), "revoked": _l("The calendar address no longer works.")}


def _person_id() -> int:
    return asker().viewer.person_id


@bp.route("/", methods=["GET", "POST"])
@personal_pages
def preferences():
    person_id = _person_id()
    if request.method == "POST":
        notifications.save_preferences(components().engine, person_id, request.form, now())
        return done("notifications.preferences", "preferences")
    with page_connection() as conn:
        page = notifications.preferences_page(conn, person_id)
    return render_template("notifications/preferences.html", saved=saved_message(SAVED), feed_url=None, **page)


@bp.route("/feed", methods=["POST"])
@personal_pages
def new_feed():
    """A new secret calendar address, shown this once (only its hash is kept)."""
    person_id = _person_id()
    token = notifications.new_feed(components().engine, person_id, now())
    with page_connection() as conn:
        page = notifications.preferences_page(conn, person_id)
    base = components().settings.public_url or request.host_url.rstrip("/")
    return render_template("notifications/preferences.html", saved="",
                           feed_url=f"{base}/mail/calendar/{token}.ics", **page)


@bp.route("/feed/revocation", methods=["POST"])
@personal_pages
def revoke_feed():
    notifications.revoke_feed(components().engine, _person_id())
    return done("notifications.preferences", "revoked")


@links.route("/unsubscribe/<kind>/<token>", methods=["GET", "POST"])
def unsubscribe(kind: str, token: str):
    """GET asks (mail scanners follow links; they must not unsubscribe anyone); POST does,
    as the one-click ``List-Unsubscribe-Post`` of RFC 8058 and the page's button."""
    if request.method == "POST":
        title = notifications.unsubscribe(components().engine, token, kind, now())
        if title is None:
            abort(404, description=_("This unsubscribe link is not known."))
        return render_template("notifications/unsubscribed.html", title=title, done=True)
    title = notifications.kind_title(kind)
    if title is None:
        abort(404, description=_("This unsubscribe link is not known."))
    return render_template("notifications/unsubscribed.html", title=title, done=False)


@links.route("/calendar/<token>.ics")
def calendar(token: str):
    body = notifications.calendar_feed(components().engine, token, Mailer(components().settings.public_url), now())
    if body is None:
        abort(404, description=_("This calendar address is not known, or it was replaced."))
    return Response(body, mimetype="text/calendar", headers={"Content-Disposition": 'inline; filename="check-ins.ics"'})
