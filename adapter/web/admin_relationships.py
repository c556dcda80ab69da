"""Admin pages for who manages whom: the current pairs of a platform (filter, remove,
CSV export), the import template, and the SCIM tokens of provisioning.

Scoped like every admin page: a platform admin sees and changes their own platform only,
a tool operator any (the platform in a request must be one ``scoped_platforms()`` offers)."""
from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from adapter.domain.authorization import Forbidden, NotFound
from adapter.domain.relationships import SOURCES, TEMPLATE_CSV
from adapter.domain.rules import RuleViolation, whole_number
from adapter.domain.withdrawal import UNDO_WINDOW_SECONDS
from adapter.services import relationship_admin, scim_tokens

from .admin import admin_blueprint, chosen_platform, scoped_platforms
from .app_components import components
from .auth import admin_required, current_session
from .coaching_support import now
from .i18n import rule_problem

bp = admin_blueprint(__name__)


def platform_in_request(choices: list[dict]) -> int | None:
    """The platform the request names (else the admin's first), one they may act on (400 otherwise)."""
    if not request.values.get("platform_id", ""):
        return choices[0]["id"] if choices else None
    return chosen_platform(request.values["platform_id"], _("Choose one of the platforms listed."))


@bp.route("/relationships/pairs")
@admin_required
def relationship_pairs():
    choices = scoped_platforms()
    platform_id = platform_in_request(choices)
    person = request.args.get("person", "")[:200]
    rows = relationship_admin.pairs(components().engine, platform_id, person) if platform_id else []
    learner, manager = whole_number(request.args.get("learner_id")), whole_number(request.args.get("manager_id"))
    undo = None
    if platform_id and learner and manager and relationship_admin.may_undo_removal(
            components().engine, platform_id, learner, manager, current_session().person_id, now()):
        undo = {"url": url_for("admin_relationships.restore_relationship_pair"), "minutes": UNDO_WINDOW_SECONDS // 60,
                "hidden": {"platform_id": platform_id, "learner_id": learner, "manager_id": manager}}
    saved = {"removed": _l("The pair is removed. The learner's records stay."),
             "restored": _l("The removal is undone: the pair is back, from every source it had.")}
    return render_template("admin/relationship_pairs.html", platforms=choices, platform_id=platform_id,
                           person=person, pairs=rows, sources=SOURCES, undo=undo,
                           saved=saved.get(request.args.get("done", ""), ""))


@bp.route("/relationships/pairs.csv")
@admin_required
def relationship_pairs_csv():
    platform_id = platform_in_request(scoped_platforms())
    rows = relationship_admin.pairs(components().engine, platform_id, request.args.get("person", "")[:200]) \
        if platform_id else []
    return Response(relationship_admin.pairs_csv(rows), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="manager-relationships-current.csv"'})


def _chosen_pair(missing: str) -> tuple[int, int, int]:
    """The platform, learner and manager the form names (a plain 400 saying ``missing`` if not)."""
    platform_id = platform_in_request(scoped_platforms())
    learner, manager = whole_number(request.form.get("learner_id")), whole_number(request.form.get("manager_id"))
    if platform_id is None or learner is None or manager is None:
        abort(400, description=missing)
    return platform_id, learner, manager


@bp.route("/relationships/pairs/removal", methods=["POST"])
@admin_required
def remove_relationship_pair():
    platform_id, learner, manager = _chosen_pair(_("Choose a pair to remove."))
    try:
        relationship_admin.remove_pair(components().engine, platform_id, learner, manager,
                                       current_session().person_id, now())
    except NotFound:
        abort(404, description=_("There is no such current pair on this platform."))
    return redirect(url_for("admin_relationships.relationship_pairs", platform_id=platform_id, done="removed",
                            learner_id=learner, manager_id=manager), code=303)


@bp.route("/relationships/pairs/restoration", methods=["POST"])
@admin_required
def restore_relationship_pair():
    """Undo a removal: only the admin who removed the pair, for a short time."""
    platform_id, learner, manager = _chosen_pair(_("Choose a pair to bring back."))
    try:
        relationship_admin.undo_removal(components().engine, platform_id, learner, manager,
                                        current_session().person_id, now())
    except NotFound:
        abort(404, description=_("This pair was not removed, or it is back already."))
    except Forbidden:
        abort(403, description=_("Only the administrator who removed the pair brings it back."))
    except RuleViolation as too_late:
        abort(400, description=f"{rule_problem(too_late)}.")
    return redirect(url_for("admin_relationships.relationship_pairs", platform_id=platform_id, done="restored"),
                    code=303)


@bp.route("/relationships/template.csv")
@admin_required
def relationships_template():
    """A file to fill in, with the columns the import reads (comma-separated, UTF-8)."""
    return Response(TEMPLATE_CSV, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="manager-relationships.csv"'})


@bp.route("/provisioning", methods=["GET", "POST"])
@admin_required
def provisioning():
    """SCIM tokens per platform: create one (shown once), revoke one."""
    choices = scoped_platforms()
    new_token = None
    if request.method == "POST":
        platform_id = platform_in_request(choices)
        revoke = whole_number(request.form.get("revoke"))
        if request.form.get("revoke") and revoke is None:
            abort(400, description=_("Choose a token to revoke."))
        if revoke is not None:
            if not scim_tokens.revoke_token(components().engine, revoke,
                                            current_session().person_id, now(), platform_id=platform_id):
                abort(404, description=_("There is no such live token on this platform."))
        elif platform_id is not None:
            new_token = scim_tokens.create_token(components().engine, platform_id, current_session().person_id,
                                                 now())[1]
    ids = {p["id"] for p in choices}
    tokens = [t for t in scim_tokens.list_tokens(components().engine) if t["platform_id"] in ids]
    base = (components().settings.public_url or request.host_url).rstrip("/") + "/scim/v2"
    return render_template("admin/provisioning.html", platforms=choices, tokens=tokens, new_token=new_token,
                           scim_url=base)
