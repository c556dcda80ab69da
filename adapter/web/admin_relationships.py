"""Admin pages for who manages whom: the current pairs of a platform (filter, remove,
CSV export), the import template, and the SCIM tokens of provisioning.

The logic is in services (relationship_admin, scim_tokens): each page takes the platform
it shows as an argument, so it narrows to the admin's own platform with the admin scope."""
from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for

from adapter.domain.authorization import NotFound
from adapter.domain.relationships import SOURCES, TEMPLATE_CSV
from adapter.services import relationship_admin, scim_tokens
from adapter.services.platforms import list_platforms

from . import components
from .admin import bp
from .auth import current_session, role_required
from .coaching_support import now


def platform_choices() -> list[dict]:
    return list_platforms(components().engine)


def chosen_platform(choices: list[dict]) -> int | None:
    """The platform named in the request (the first one by default); 400 for one not offered."""
    value = request.values.get("platform_id", "")
    if not value:
        return choices[0]["id"] if choices else None
    if not value.isdigit() or int(value) not in {p["id"] for p in choices}:
        abort(400, description="Choose one of the platforms listed.")
    return int(value)


@bp.route("/relationships/pairs")
@role_required("admin")
def relationship_pairs():
    choices = platform_choices()
    platform_id = chosen_platform(choices)
    person = request.args.get("person", "")[:200]
    rows = relationship_admin.pairs(components().engine, platform_id, person) if platform_id else []
    return render_template("admin/relationship_pairs.html", platforms=choices, platform_id=platform_id,
                           person=person, pairs=rows, sources=SOURCES, removed=request.args.get("removed"))


@bp.route("/relationships/pairs.csv")
@role_required("admin")
def relationship_pairs_csv():
    platform_id = chosen_platform(platform_choices())
    rows = relationship_admin.pairs(components().engine, platform_id, request.args.get("person", "")[:200]) \
        if platform_id else []
    return Response(relationship_admin.pairs_csv(rows), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="manager-relationships-current.csv"'})


@bp.route("/relationships/pairs/removal", methods=["POST"])
@role_required("admin")
def remove_relationship_pair():
    platform_id = chosen_platform(platform_choices())
    learner, manager = request.form.get("learner_id", ""), request.form.get("manager_id", "")
    if platform_id is None or not (learner.isdigit() and manager.isdigit()):
        abort(400, description="Choose a pair to remove.")
    try:
        relationship_admin.remove_pair(components().engine, platform_id, int(learner), int(manager),
                                       current_session().person_id, now())
    except NotFound:
        abort(404, description="There is no such current pair on this platform.")
    return redirect(url_for("admin.relationship_pairs", platform_id=platform_id, removed=1), code=303)


@bp.route("/relationships/template.csv")
@role_required("admin")
def relationships_template():
    """A file to fill in, with the columns the import reads (comma-separated, UTF-8)."""
    return Response(TEMPLATE_CSV, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="manager-relationships.csv"'})


@bp.route("/provisioning", methods=["GET", "POST"])
@role_required("admin")
def provisioning():
    """SCIM tokens per platform: create one (shown once), revoke one."""
    choices = platform_choices()
    new_token = None
    if request.method == "POST":
        platform_id = chosen_platform(choices)
        if request.form.get("revoke", "").isdigit():
            if not scim_tokens.revoke_token(components().engine, int(request.form["revoke"]),
                                            current_session().person_id, now(), platform_id=platform_id):
                abort(404, description="There is no such live token on this platform.")
        elif platform_id is not None:
            new_token = scim_tokens.create_token(components().engine, platform_id, current_session().person_id,
                                                 now())[1]
    ids = {p["id"] for p in choices}
    tokens = [t for t in scim_tokens.list_tokens(components().engine) if t["platform_id"] in ids]
    base = (components().settings.public_url or request.host_url).rstrip("/") + "/scim/v2"
    return render_template("admin/provisioning.html", platforms=choices, tokens=tokens, new_token=new_token,
                           scim_url=base)
