"""What is due: the rules behind the managers' and learners' to-do lists and the reminders.

Plain Python over dates, no framework. A check-in is due on the next date the last
conversation planned, or, when it planned none, one cadence after it (a cadence the
manager sets for their team, e.g. every 2 weeks; else the shortest one an instructor set
on an activity of the learner's courses). "This week" ends on Sunday.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .rules import RuleViolation, whole_number
from .translatable import N_

COMING_UP_DAYS = 2  # a check-in due within two days is "coming up"
MAX_CADENCE_WEEKS = 26
# The custom parameter an instructor's placement carries its course's check-in rhythm in.
CADENCE_PARAMETER = "check_in_every_weeks"


@dataclass(frozen=True)
class CheckInPlan:
    """Where a learner stands with check-ins: the last one held and the date it planned."""

    learner_id: int
    last_held_on: date | None
    next_on: date | None
    conversation_id: int | None = None


def check_in_due_on(plan: CheckInPlan, cadence_days: int | None) -> date | None:
    if plan.next_on is not None:
        return plan.next_on
    if plan.last_held_on is not None and cadence_days:
        return plan.last_held_on + timedelta(days=cadence_days)
    return None


def check_in_state(due_on: date | None, today: date) -> str | None:
    """``overdue``, ``due`` (today), ``coming up`` (within COMING_UP_DAYS) or None."""
    if due_on is None:
        return None
    if due_on < today:
        return "overdue"
    if due_on == today:
        return "due"
    return "coming up" if (due_on - today).days <= COMING_UP_DAYS else None


def end_of_week(today: date) -> date:
    return today + timedelta(days=6 - today.weekday())


def action_due_this_week(due_on: date | None, today: date) -> bool:
    """Open actions due by Sunday, the overdue ones included."""
    return due_on is not None and due_on <= end_of_week(today)


def course_cadence_days(custom: dict | None) -> int | None:
    """The rhythm an instructor set on a placement (its custom parameters), in days."""
    weeks = whole_number(str((custom or {}).get(CADENCE_PARAMETER) or ""))
    return weeks * 7 if weeks is not None and 1 <= weeks <= MAX_CADENCE_WEEKS else None


def check_cadence(weeks: str | None) -> int | None:
    """A cadence typed in weeks (empty: none) as days."""
    text = (weeks or "").strip()
    if not text:
        return None
    weeks = whole_number(text)
    if weeks is None or not 1 <= weeks <= MAX_CADENCE_WEEKS:
        raise RuleViolation(N_("Check-in cadence"), N_("%(field)s must be a whole number of weeks from 1 to %(max)d"),
                            max=MAX_CADENCE_WEEKS)
    return weeks * 7
