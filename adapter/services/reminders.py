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
from datetime import date, datetime, timedelta, timezone
from itertools import count
from typing import Callable

from sqlalchemy import Connection, Engine

from adapter.domain.due import COMING_UP_DAYS, end_of_week
from adapter.domain.mail import WEEKLY_DIGEST, iso_week
from adapter.domain.translatable import N_, Np_
from adapter.persistence import due_queries, mail_store
from adapter.persistence.scheduler_store import take_turn

from .mail_messages import Draft, Mailer, Text

SCAN_EVERY = 15 * 60.0  # seconds between scans
OVERDUE_WINDOW = 7  # days: an overdue check-in is reminded once, if it fell due within the last week
JOB = "reminders"


def scan(conn: Connection, mailer: Mailer, now: float) -> int:
    """Queue every reminder due at ``now`` on ``conn`` (one transaction); how many were new."""
    settings = mail_store.load_settings(conn)
    if settings is None or not settings.enabled:
        return 0
    today = datetime.fromtimestamp(now, timezone.utc).date()
    window = (today - timedelta(days=OVERDUE_WINDOW), end_of_week(today) + timedelta(days=COMING_UP_DAYS))
    check_ins = (due_queries.planned_check_ins_between(conn, *window)
                 + due_queries.cadence_check_ins_between(conn, *window))
    actions = due_queries.actions_due_between(conn, window[0], end_of_week(today))
    validations = due_queries.pending_validations_by_manager(conn)
    # An erased person's name as Text, written in each recipient's language (people.shown_name).
    people = mail_store.contacts(conn, {p for row in (*check_ins, *actions, *validations)
                                        for p in (row["learner_id"], row["manager_id"])}, Text)

    urls: dict[int | None, str] = {}

    def name(person_id: int) -> str | Text:
        return people[person_id]["name"] if person_id in people else Text(N_("a team member"))

    def url(link: int | None) -> str:
        if link not in urls:
            urls[link] = mail_store.activity_url(conn, link)
        return urls[link]

    drafts: list[Draft] = []
    for c in check_ins:
        due: date = c["due_on"]
        pair = f"{c['manager_id']}:{c['learner_id']}:{due.isoformat()}"
        if today < due <= today + timedelta(days=COMING_UP_DAYS):
            drafts += [Draft(me, "check_in_coming_up", f"check-in-coming-up:{pair}",
                             Text(N_("Check-in on %(day)s"), {"day": due}),
                             {"other": name(other), "due_on": due, "url": url(c["resource_link_pk"])},
                             about=c["learner_id"], naming=other)
                       for me, other in ((c["manager_id"], c["learner_id"]), (c["learner_id"], c["manager_id"]))]
        elif due < today:
            drafts.append(Draft(c["manager_id"], "check_in_overdue", f"check-in-overdue:{pair}",
                                Text(N_("Overdue check-in with %(other)s"), {"other": name(c["learner_id"])}),
                                {"other": name(c["learner_id"]), "due_on": due}, about=c["learner_id"]))
    for a in actions:
        if today <= a["due_on"] <= today + timedelta(days=1):
            owner, other = ((a["learner_id"], a["manager_id"]) if a["owner"] == "learner"
                            else (a["manager_id"], a["learner_id"]))
            drafts.append(Draft(owner, "action_due", f"action-due:{a['id']}:{a['due_on'].isoformat()}",
                                Text(N_("Action due %(day)s"), {"day": a["due_on"]}),
                                {"other": name(other), "due_on": a["due_on"],
                                 "description": a["description"],
                                 "url": url(a["resource_link_pk"])}, about=a["learner_id"], naming=other))
    digests = _digests(today, check_ins, actions, validations, name)
    events = _digest_events(conn, mailer, list(digests), iso_week(today))
    for manager_id, lines in digests.items():
        drafts.append(Draft(manager_id, WEEKLY_DIGEST, events[manager_id],
                            Text(Np_("Your team this week: %(num)d thing due",
                                     "Your team this week: %(num)d things due"), {"num": len(lines)}),
                            {"lines": lines}))
    return mailer.queue_many(conn, drafts, now, settings=settings)


def _digest_events(conn: Connection, mailer: Mailer, manager_ids: list[int], week: str) -> dict[int, str]:
    """Each manager's digest of the week is one message, kept once; one an erasure cancelled
    (it listed the erased learner) is written again under the next key, without them."""
    events = {manager_id: f"digest:{manager_id}:{week}" for manager_id in manager_ids}
    again, asking = count(2), events
    while cancelled := mailer.cancelled(conn, asking):  # after the first round, only the keys just renamed
        written = next(again)
        asking = {manager_id: f"digest:{manager_id}:{week}:{written}" for manager_id in cancelled}
        events.update(asking)
    return events


def _digests(today: date, check_ins: list[dict], actions: list[dict], validations: list[dict],
             name: Callable[[int], str | Text]) -> dict[int, list[Text]]:
    """Per manager, what is due this week; managers with nothing due get no digest."""
    lines: dict[int, list[Text]] = defaultdict(list)
    for v in validations:
        who = name(v["learner_id"])
        lines[v["manager_id"]].append(
            Text(N_("%(learner)s waits for your validation of %(activity)s"),
                 {"learner": who, "activity": v["activity"]})
            if v["activity"] else Text(N_("%(learner)s waits for your validation"), {"learner": who}))
    for c in check_ins:
        if c["due_on"] <= end_of_week(today):
            lines[c["manager_id"]].append(Text(
                N_("Check-in with %(learner)s: overdue since %(day)s") if c["due_on"] < today
                else N_("Check-in with %(learner)s: due %(day)s"),
                {"learner": name(c["learner_id"]), "day": c["due_on"]}))
    for a in actions:
        lines[a["manager_id"]].append(Text(N_("Action for %(learner)s due %(day)s: %(action)s"),
                                           {"learner": name(a["learner_id"]), "day": a["due_on"],
                                            "action": a["description"]}))
    return dict(lines)


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
            return scan(conn, self.mailer, now)
