"""Outcomes by manager and by team: the admin's tables (filters in the URL, sortable, CSV
and JSON of exactly what is shown) and the small-group setting."""
from __future__ import annotations

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from adapter.domain.report_filters import Filters, month_from
from adapter.domain.rules import RuleViolation, whole_number
from adapter.persistence import breakdown_queries
from adapter.reports.breakdowns import (
    BY_MANAGER, BY_TEAM, PAGE_SIZE, Breakdown, as_csv, as_json, organisation_breakdown, save_privacy,
)

from .app_components import components, page_connection
from .admin import admin_blueprint, chosen_platform, scoped_platforms
from .auth import admin_required, admin_scope
from .coaching_support import done, now, saved_message
from .coaching_support import today

TITLES = {BY_MANAGER: _l("Outcomes by manager"), BY_TEAM: _l("Outcomes by team")}

bp = admin_blueprint(__name__)


FILTER_NAMES = ("platform", "course", "activity", "team", "from", "to")


def filters_from_url(platform_ids: set[int]) -> Filters:
    """The filters the URL names; a platform must be one of ``platform_ids`` (400 otherwise)."""
    args = request.args
    platform_id = whole_number(args.get("platform"))
    if args.get("platform") and platform_id not in platform_ids:
        abort(400, description=_("The platform must be one you administer."))
    course = args.get("course", "")
    course_id = whole_number(course)
    if course and course_id is None:
        abort(400, description=_("The course must be chosen from the list."))
    team, activity = args.get("team", "").strip(), args.get("activity", "").strip()
    if len(team) > 255 or len(activity) > 2048:
        abort(400, description=_("A team name is at most 255 characters, an activity at most 2048."))
    try:
        first, last = month_from(args.get("from", ""), "from"), month_from(args.get("to", ""), "to")
    except RuleViolation:
        abort(400, description=_("From and to are months, like 2026-05."))
    if first is not None and last is not None and first > last:
        abort(400, description=_("The first month must not come after the last."))
    return Filters(platform_id, course_id, team, activity, first, last)


def admin_filters() -> Filters:
    return filters_from_url({p["id"] for p in scoped_platforms()})


def filter_choices(conn) -> dict:
    """What the filter form offers, for the asking admin."""
    return {"platforms": scoped_platforms(), "courses": breakdown_queries.course_titles(conn, admin_scope()),
            "teams": breakdown_queries.team_names(conn, admin_scope()),
            "activities": breakdown_queries.activity_titles(conn, admin_scope())}


def exported(breakdown: Breakdown, name: str) -> Response | None:
    wanted = request.args.get("format", "")
    if wanted == "csv":
        return Response(as_csv(breakdown, _), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="coachbridge-{name}-'
                                                        f'{breakdown.as_of.isoformat()}.csv"'})
    if wanted == "json":
        return Response(as_json(breakdown), mimetype="application/json")
    if wanted:
        abort(400, description=_("The format is csv or json."))
    return None


@bp.route("/reports/by-<by>")
@admin_required
def breakdown(by: str, error: RuleViolation | None = None, status: int = 200):
    if by not in TITLES:
        abort(404)
    sort = request.args.get("sort", "")
    page = whole_number(request.args.get("page") or "1")
    if page is None or page < 1:
        abort(400, description=_("The page is a whole number from 1."))
    wanted = request.args.get("format", "")
    with page_connection() as conn:  # the exports have every row, the page one page of them
        result = organisation_breakdown(conn, admin_scope(), by, admin_filters(), today(), sort,
                                        request.args.get("order") == "desc", None if wanted else page)
        choices = filter_choices(conn)
    answer = exported(result, f"by-{by}")
    if answer is not None:
        return answer
    here = {k: v for k, v in request.args.items() if k in FILTER_NAMES}
    descending = request.args.get("order") == "desc"

    def sort_url(key: str) -> str:  # a second click on the same column reverses it
        return url_for("breakdown_pages.breakdown", by=by, sort=key or None,
                       order="desc" if key == sort and not descending else None, **here)

    def page_url(number: int) -> str:
        return url_for("breakdown_pages.breakdown", by=by, sort=sort or None, order=request.args.get("order"),
                       page=number if number > 1 else None, **here)
    pages = max(1, -(-result.total // PAGE_SIZE))
    return render_template("reports/breakdown.html", breakdown=result, title=TITLES[by], by=by,
                           sort_url=sort_url, here=here, page=page, pages=pages, page_url=page_url,
                           **choices,
                           export_url=lambda fmt: url_for("breakdown_pages.breakdown", by=by, format=fmt, sort=sort or None,
                                                          order=request.args.get("order"), **here),
                           error=error, form=request.form,
                           saved=saved_message({"privacy": _("The smallest group shown is saved.")})), status


@bp.route("/reports/privacy", methods=["POST"])
@admin_required
def report_privacy():
    platform_id = chosen_platform(request.form.get("platform_id", ""), _("Choose the platform this applies to."))
    try:
        save_privacy(components().engine, admin_scope(), platform_id, request.form.get("min_learners", ""),
                     request.form.get("managers_see_recognition") == "yes", now())
    except RuleViolation as broken:
        return breakdown(BY_MANAGER, broken, 400)
    return done("breakdown_pages.breakdown", "privacy", by=BY_MANAGER)
