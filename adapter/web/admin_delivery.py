"""Admin page for the delivery queues (every outbox channel: xAPI statements, AGS scores):
what waits, what was delivered, what is dead and why, and a requeue button for the
dead once their cause is fixed. The same as ``coachbridge outbox status|retry-dead``.
The queues hold every platform's messages: a tool operator's page."""
from __future__ import annotations

import time

from flask import redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from adapter.domain.admin_scope import AdminScope
from adapter.persistence.delivery_view import waiting_reasons
from adapter.persistence.outbox_store import dead_messages, queue_status, retry_dead
from adapter.persistence.platform_store import platform_choices
from adapter.services.gradebook import target_for
from adapter.services.lrs_settings import refused_to_connect

from .admin import admin_blueprint
from .app_components import components, page_connection
from .auth import operator_required

bp = admin_blueprint(__name__)


CHANNEL_WORDS = {"xapi": _l("Statements to a learning record store"), "ags": _l("Scores to an LMS gradebook"),
                 "mail": _l("Email")}


@bp.route("/delivery")
@operator_required
def delivery():
    engine = components().engine
    with page_connection() as conn:
        reasons = waiting_reasons(conn)
        # The tool operator allows a refused connection by saving the endpoint: the page says so.
        refused = {queue for queue, why in reasons.items() if refused_to_connect(why["last_error"])}
        # An AGS queue is named gradebook.target_for(platform id): show the platform's name.
        names = {target_for(p["id"]): p["name"] for p in platform_choices(conn, AdminScope.operator())}
    return render_template("admin/delivery.html", queues=queue_status(engine, time.time()), now=time.time(),
                           reasons=reasons, refused=refused, names=names, channels=CHANNEL_WORDS,
                           dead=dead_messages(engine), requeued=request.args.get("requeued"))


@bp.route("/delivery/retry-dead", methods=["POST"])
@operator_required
def delivery_retry_dead():
    count = retry_dead(components().engine, time.time(), channel=request.form.get("channel") or None,
                       target=request.form.get("target") or None)
    return redirect(url_for("admin_delivery.delivery", requeued=count), code=303)
