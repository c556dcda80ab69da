"""``coachbridge report``: the organisation's outcome measures, from the database or
recomputed from an LRS alone; and rebuilding the admin dashboard's summary."""
from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from datetime import date

import requests

from adapter.config import Settings
from adapter.domain.admin_scope import AdminScope
from adapter.domain.report_filters import Filters, month_text
from adapter.persistence.breakdown_queries import manager_names
from adapter.persistence.breakdown_sums import MANAGER, MONTH
from adapter.reports.dashboards import organisation_dashboard, rebuild_summaries
from adapter.reports.figures import counted
from adapter.reports.from_lrs import StatementReading
from adapter.reports.measures import Facts, measures, total
from xapi.lrs_client import BasicAuth, LrsConfig
from xapi.mapping import load_mapping
from xapi.statement_reader import LrsReadError, StatementReader

from .common import app_parts


def add_commands(sub) -> None:
    report = sub.add_parser("report", help="the organisation's outcome measures")
    report.add_argument("action", nargs="?", choices=["rebuild-summaries"],
                        help="rebuild-summaries: recompute the admin dashboard's summary from every record")
    report.add_argument("--from-lrs", metavar="URL", help="recompute them from this LRS's statements alone "
                        "(the xAPI base URL, e.g. https://lrs.example.org/xAPI/)")
    report.add_argument("--username", help="the LRS's basic-auth user")
    report.add_argument("--password-env", default="COACHBRIDGE_LRS_PASSWORD",
                        help="the environment variable holding the LRS password")
    report.add_argument("--as-of", help="the report date, YYYY-MM-DD (default: today)")
    report.add_argument("--json", action="store_true", help="facts and measures as JSON")
    report.add_argument("--by", choices=["manager", "month"],
                        help="each manager's current team, or each month (every figure, no group hidden: "
                             "for checking the database against the LRS, not for sharing)")
    report.set_defaults(func=report_measures)


def report_measures(args, settings: Settings) -> int:
    if args.action == "rebuild-summaries":
        return rebuild(settings)
    as_of = date.fromisoformat(args.as_of) if args.as_of else date.today()
    if args.from_lrs:
        password = os.environ.get(args.password_env, "")
        config = LrsConfig(name="report", endpoint=args.from_lrs,
                           auth=BasicAuth(args.username, password) if args.username else None)
        mapping = load_mapping()
        try:
            statements = StatementReader(config, mapping.voiding_verb.id).all_statements()
        except LrsReadError as error:
            print(f"coachbridge report: {error}", file=sys.stderr)
            return 1
        except requests.RequestException as error:
            print(f"coachbridge report: {args.from_lrs} could not be read ({type(error).__name__}: {error})",
                  file=sys.stderr)
            return 1
        reading = StatementReading(mapping)
        source = f"{len(statements)} statements from {args.from_lrs}"
        if args.by:
            grouped = (reading.facts_by_manager if args.by == "manager" else reading.facts_by_month)(statements, as_of)
            return print_groups(grouped, args.by, as_of, source, as_json=args.json)
        facts = total(reading.facts_by_course(statements, as_of).values())
    else:
        source = "the database"
        with app_parts(settings).engine.connect() as conn:
            if args.by:
                return print_groups(database_groups(conn, args.by, as_of), args.by, as_of, source, as_json=args.json)
            facts = organisation_dashboard(conn, AdminScope.operator(), as_of).facts
    print_measures(facts, as_of, source, as_json=args.json)
    return 0


def database_groups(conn, by: str, as_of: date) -> dict[str, Facts]:
    """Each manager's current team (by name) or each month, as the breakdowns add them up."""
    found = counted(conn, AdminScope.operator(), Filters(), as_of, MANAGER if by == "manager" else MONTH)
    names = manager_names(conn, AdminScope.operator()) if by == "manager" else {}
    return {names.get(g, "") if by == "manager" else month_text(g):
            Facts(**group.sums.facts, decision_hours=group.sums.decision_hours)
            for g, group in found.items() if g is not None}


def print_groups(groups: dict[str, Facts], by: str, as_of: date, source: str, as_json: bool) -> int:
    if as_json:
        print(json.dumps({"as_of": as_of.isoformat(), "by": by,
                          "groups": {key: dataclasses.asdict(facts) for key, facts in sorted(groups.items())}},
                         indent=2))
        return 0
    print(f"Measures by {by} on {as_of.isoformat()}, from {source}:")
    for key, facts in sorted(groups.items()):
        print(f"  {key}: " + "; ".join(f"{m.label} {m.display}" for m in measures(facts)))
    return 0


def print_measures(facts: Facts, as_of: date, source: str, as_json: bool) -> None:
    shown = measures(facts)
    if as_json:
        print(json.dumps({"as_of": as_of.isoformat(), "facts": dataclasses.asdict(facts),
                          "measures": [{"key": m.key, "value": m.value, "count": m.count, "numerator": m.numerator}
                                       for m in shown]}, indent=2))
        return
    print(f"Measures on {as_of.isoformat()}, from {source}:")
    for m in shown:
        print(f"  {m.label}: {m.display} (of {m.count})")


def rebuild(settings: Settings) -> int:
    """Recompute the admin dashboard's summary from every record (the records'
    transactions keep it; this is for after changing records outside the tool)."""
    started = time.perf_counter()
    built = rebuild_summaries(app_parts(settings).engine)
    print(f"report summaries rebuilt: {built['learners']} learners, {built['course_rows']} course rows "
          f"in {time.perf_counter() - started:.1f} s")
    return 0
