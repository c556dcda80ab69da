"""Admin pages for a person's data: find them, export everything held (JSON or a page),
erase them after a confirmation naming what will go; and the audit of admin pages.

A platform admin (launched from their LMS) acts only on people of that platform; a tool
operator (signed in with a link from the command line) on any (``may_administer``). People are looked up with a
POST, so their email never sits in a URL or a request log. Every export and erasure is
audited (adapter/services/personal_data.py), as is every admin page view (admin.admin_blueprint).
"""
from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from adapter.domain.authorization import may_administer
from adapter.persistence.person_data_store import person as load_person
from adapter.services.personal_data import (
    Actor, PersonNotFound, SeveralPeople, erase_person_by_id, export_person, find_person, is_known, plan_erasure,
)

from .admin import CHOOSE_PLATFORM, admin_blueprint, chosen_platform, scoped_platforms
from .app_components import components, page_connection
from .auth import admin_required, asker, current_session
from .coaching_support import now
from .domain_messages import translated
from .export_page import export_response
from .form_problems import problem

bp = admin_blueprint(__name__)

ADMIN_PAGE = "admin page"


def _person_in_scope(person_id: int) -> dict:
    with page_connection() as conn:
        found = load_person(conn, person_id)
    if not is_known(found) or not may_administer(asker(), found["platform_id"]):
        abort(404, description=_("Nobody with that id is known on the platforms you administer."))
    return found


def _actor() -> Actor:
    return Actor(current_session().person_id, ADMIN_PAGE)


@bp.route("/people", methods=["GET", "POST"])
@admin_required
def people():
    error = ""
    if request.method == "POST":
        platform_id = chosen_platform(request.form.get("platform_id", ""), CHOOSE_PLATFORM)
        who = request.form.get("who", "").strip()
        if not who:
            error = _("Give the person's LMS user id or email.")
        else:
            try:
                with page_connection() as conn:
                    person_id = find_person(conn, platform_id, sub=None if "@" in who else who,
                                            email=who if "@" in who else None)
                return redirect(url_for("admin_people.person_detail", person_id=person_id))
            except (PersonNotFound, SeveralPeople) as not_one:
                error = str(not_one)
    return render_template("admin/people.html", platforms=scoped_platforms(), error=problem(error, "who"),
                           form=request.form), \
        400 if error else 200


@bp.route("/people/<int:person_id>")
@admin_required
def person_detail(person_id: int):
    found = _person_in_scope(person_id)
    plan = plan_erasure(components().engine, found["platform_id"], person_id)
    return render_template("admin/person.html", person=found, plan=plan, erased=request.args.get("erased"))


@bp.route("/people/<int:person_id>/export.<kind>")
@admin_required
def person_export(person_id: int, kind: str):
    found = _person_in_scope(person_id)
    if kind not in ("json", "html"):
        abort(404, description=_("An export is JSON or HTML."))
    document = export_person(components().engine, found["platform_id"], person_id, _actor(), now())
    return export_response(document, kind, f"person-{person_id}")


@bp.route("/people/<int:person_id>/erase", methods=["GET", "POST"])
@admin_required
def person_erase(person_id: int):
    found = _person_in_scope(person_id)
    if request.method == "POST":
        if request.form.get("confirm") != "erase":
            abort(400, description=_("Tick the box to confirm the erasure."))
        result = erase_person_by_id(components().engine, found["platform_id"], person_id, _actor(), now())
        return render_template("admin/person_erased.html", erased=result.erased,
                               lines=result.plan.lines(translated) if result.erased else [],
                               gradebook=result.plan.gradebook_lines(translated) if result.erased else [])
    plan = plan_erasure(components().engine, found["platform_id"], person_id)
    return render_template("admin/person_erase.html", person=found, lines=plan.lines(translated),
                           gradebook=plan.gradebook_lines(translated))
