"""The audit trail for admins: who did what to which record, when; filtered by person and
date, as a page and as CSV. A platform admin sees their platform's entries only."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from adapter.domain.rules import whole_number
from adapter.persistence import audit_store
from adapter.reports.dashboards import spreadsheet_cell

from .admin import admin_blueprint
from .app_components import page_connection
from .auth import admin_required, admin_scope

bp = admin_blueprint(__name__)

# The CSV's header row, in the reader's language (a spreadsheet's columns are read by people).
COLUMNS = (_l("when (UTC)"), _l("who"), _l("action"), _l("record"), _l("record id"), _l("version"), _l("detail"))
BAD_DAY = {"from": _l("The from date must look like 2026-12-31."), "to": _l("The to date must look like 2026-12-31.")}
LAST_DAY = {"from": _l("The from date must be before 9999-12-31."), "to": _l("The to date must be before 9999-12-31.")}
FILTERS = ("person", "from", "to")
PAGE_SIZE = 50  # entries a page shows: a few screens on a phone, however long the trail


def _day(name: str) -> date | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        abort(400, description=str(BAD_DAY[name]))
    if day == date.max:  # the day after it, where the filter ends, is past what dates can hold
        abort(400, description=str(LAST_DAY[name]))
    return day


def _epoch(day: date) -> float:
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()


def _who(event: dict) -> str:
    if event["actor_id"] is None:
        return (event["detail"] or {}).get("via") or _("tool operator")
    return event["actor_name"] or event["actor_sub"] or _("person %(id)s", id=event["actor_id"])


def _events(limit: int | None, before: int | None = None) -> list[dict]:
    """The entries the filters (person, from, to) ask for, newest first."""
    person = request.args.get("person", "").strip()
    person_id = whole_number(person)
    if person and person_id is None:
        abort(400, description=_("The person filter is a person's number (from their page)."))
    since, until = _day("from"), _day("to")
    scope = admin_scope()
    with page_connection() as conn:
        return audit_store.events(
            conn, platform_ids=None if scope.is_operator else [scope.platform_id],
            person_id=person_id, since=_epoch(since) if since else None,
            until=_epoch(until + timedelta(days=1)) if until else None, before=before, limit=limit)


def _row(e: dict) -> tuple:
    return (datetime.fromtimestamp(e["at"], timezone.utc).isoformat(timespec="seconds"), _who(e), e["action"],
            e["record_type"], e["record_id"] if e["record_id"] is not None else "",
            e["record_version"] if e["record_version"] is not None else "",
            ", ".join(f"{k}: {v}" for k, v in sorted((e["detail"] or {}).items())))


def _before() -> int | None:
    value = request.args.get("before", "").strip()
    before = whole_number(value)
    if value and before is None:
        abort(400, description=_("The link to older entries names an entry by its number."))
    return before


@bp.route("/audit")
@admin_required
def audit_page():
    """A page of entries, newest first; an "older" link goes on from the last one shown (a
    trail of thousands of entries is read a page at a time, or downloaded whole)."""
    before = _before()
    found = _events(PAGE_SIZE + 1, before)
    shown = found[:PAGE_SIZE]
    filters = {k: request.args[k] for k in FILTERS if request.args.get(k)}
    return render_template("admin/audit.html", columns=COLUMNS, rows=[_row(e) for e in shown], filters=filters,
                           older=shown[-1]["id"] if len(found) > PAGE_SIZE else None, paged=before is not None)


@bp.route("/audit.csv")
@admin_required
def audit_csv():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(column) for column in COLUMNS])
    # Names and details come from LMSs and people: a spreadsheet must not run them as formulas.
    writer.writerows([tuple(spreadsheet_cell(v) if isinstance(v, str) else v for v in _row(e))
                      for e in _events(limit=None)])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="coachbridge-audit.csv"'})
