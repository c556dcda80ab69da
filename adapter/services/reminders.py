"""Reminders, computed by the worker (no cron): check-ins coming up or overdue, actions
due, and the managers' weekly summary when something is due.

Any number of workers may run: a scan runs when a worker takes the turn in the database
(``scheduler_turns``: one UPDATE moves the next run forward, so one worker wins), and
every reminder has a stable key (what, who, which date) that the outbox keeps once, so a
scan repeated after a crash, or by another worker, sends nothing twice. A scan reads the
due-date indexes by range: its cost follows what is due, not how many people there are.
"""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Callable

from sqlalchemy import Connection, Engine

from adapter.domain.due import COMING_UP_DAYS, end_of_week
from adapter.domain.mail import iso_week
from adapter.persistence import due_queries, mail_store
from adapter.persistence.scheduler_store import take_turn

from .mail_messages import Mailer

SCAN_EVERY = 15 * 60.0  # seconds between scans
OVERDUE_WINDOW = 7  # days: an overdue check-in is reminded once, if it fell due within the last week
JOB = "reminders"


@dataclass
class ScanReport:
    considered: int = 0
    queued: int = 0


def scan(conn: Connection, mailer: Mailer, now: float) -> ScanReport:
    """Queue every reminder due at ``now`` on ``conn`` (one transaction)."""
    report = ScanReport()
    settings = mail_store.load_settings(conn)
    if settings is None or not settings.enabled:
        return report
    today = datetime.fromtimestamp(now, timezone.utc).date()

    def queue(person_id: int, kind: str, key: str, subject: str, values: dict) -> None:
        report.considered += 1
        report.queued += mailer.queue(conn, person_id, kind, key, subject, values, now, settings=settings)

    names = _Names(conn)
    check_ins = (due_queries.planned_check_ins_between(conn, today - timedelta(days=OVERDUE_WINDOW),
                                                       end_of_week(today) + timedelta(days=COMING_UP_DAYS))
                 + due_queries.cadence_check_ins_between(conn, today - timedelta(days=OVERDUE_WINDOW),
                                                         end_of_week(today) + timedelta(days=COMING_UP_DAYS)))
    for c in check_ins:
        due: date = c["due_on"]
        pair = f"{c['manager_id']}:{c['learner_id']}:{due.isoformat()}"
        if today < due <= today + timedelta(days=COMING_UP_DAYS):
            for me, other in ((c["manager_id"], c["learner_id"]), (c["learner_id"], c["manager_id"])):
                queue(me, "check_in_coming_up", f"check-in-coming-up:{pair}", f"Check-in on {due.isoformat()}",
                      {"other": names(other), "due_on": due.isoformat(), "url": ""})
        elif due < today:
            queue(c["manager_id"], "check_in_overdue", f"check-in-overdue:{pair}",
                  f"Overdue check-in with {names(c['learner_id'])}",
                  {"other": names(c["learner_id"]), "due_on": due.isoformat()})
    actions = due_queries.actions_due_between(conn, today - timedelta(days=OVERDUE_WINDOW), end_of_week(today))
    for a in actions:
        if today <= a["due_on"] <= today + timedelta(days=1):
            owner, other = ((a["learner_id"], a["manager_id"]) if a["owner"] == "learner"
                            else (a["manager_id"], a["learner_id"]))
            queue(owner, "action_due", f"action-due:{a['id']}:{a['due_on'].isoformat()}",
                  f"Action due {a['due_on'].isoformat()}",
                  {"other": names(other), "due_on": a["due_on"].isoformat(), "description": a["description"],
                   "url": mail_store.activity_url(conn, a["resource_link_pk"])})
    for manager_id, lines in _digests(conn, today, check_ins, actions, names).items():
        queue(manager_id, "weekly_digest", f"digest:{manager_id}:{iso_week(today)}",
              f"Your team this week: {len(lines)} thing(s) due", {"lines": lines})
    return report


def _digests(conn: Connection, today: date, check_ins: list[dict], actions: list[dict], names) -> dict[int, list[str]]:
    """Per manager, what is due this week; managers with nothing due get no digest."""
    lines: dict[int, list[str]] = defaultdict(list)
    for v in due_queries.pending_validations_by_manager(conn):
        lines[v["manager_id"]].append(f"{names(v['learner_id'])} waits for your validation"
                                      + (f" of {v['activity']}" if v["activity"] else ""))
    for c in check_ins:
        if c["due_on"] <= end_of_week(today):
            lines[c["manager_id"]].append(f"Check-in with {names(c['learner_id'])}: "
                                          + ("overdue since " if c["due_on"] < today else "due ")
                                          + c["due_on"].isoformat())
    for a in actions:
        lines[a["manager_id"]].append(f"Action for {names(a['learner_id'])} due {a['due_on'].isoformat()}: "
                                      f"{a['description']}")
    return dict(lines)


class _Names:
    """People's names, each read once per scan."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.known: dict[int, str] = {}

    def __call__(self, person_id: int) -> str:
        if person_id not in self.known:
            found = mail_store.contact(self.conn, person_id)
            self.known[person_id] = found["name"] if found else "a team member"
        return self.known[person_id]


class ReminderScan:
    """The worker's job: scan when this worker takes the turn (every SCAN_EVERY seconds)."""

    def __init__(self, engine: Engine, public_url: str, every: float = SCAN_EVERY,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.mailer = Mailer(public_url)
        self.every = every
        self.clock = clock

    def run_once(self) -> int:
        """Queued reminders count as settled work; 0 when it was not this worker's turn."""
        now = self.clock()
        with self.engine.begin() as conn:
            if not take_turn(conn, JOB, now, self.every):
                return 0
            return scan(conn, self.mailer, now).queued
