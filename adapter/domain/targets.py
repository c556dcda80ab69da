"""Quarterly learning targets per team, and progress against them.

A team is a manager's current mentees. The manager sets their own team's targets, an
admin anyone's; the better target is validated application, not minutes or courses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .authorization import Forbidden, Viewer
from .commands import SetTarget
from .rules import ONE_OF, FormChecks, RuleViolation, whole_number
from .translatable import N_

TARGET_MEASURES = {
    "validated_applications": N_("Validated applications"),
    "conversations_held": N_("Check-ins and coaching conversations held"),
}
NO_SUCH_MANAGER = N_("No single manager with a team goes by that email or user id on that platform")
MAX_TARGET = 100_000
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of(cls, day: date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str | None) -> "Quarter":
        match = _QUARTER.match((text or "").strip())
        if not match:
            raise RuleViolation(N_("Quarter"), N_("%(field)s must look like 2026-Q4"))
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def starts_on(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def ends_before(self) -> date:
        """The first day of the next quarter."""
        return date(self.year + 1, 1, 1) if self.number == 4 else date(self.year, 3 * self.number + 1, 1)

    def elapsed(self, today: date) -> float:
        """How much of the quarter is behind us on ``today``, 0 to 1."""
        length = (self.ends_before - self.starts_on).days
        return min(max((today - self.starts_on).days + 1, 0), length) / length


@dataclass(frozen=True)
class Target:
    manager_id: int
    quarter: Quarter
    measure: str
    target: int

    @classmethod
    def set_by(cls, viewer: Viewer, command: SetTarget) -> "Target":
        """A manager sets their own team's target; an admin any team's."""
        if viewer.person_id != command.manager_id and "admin" not in viewer.roles:
            raise Forbidden(N_("only the team's manager or an admin sets its targets"))
        checks = FormChecks()  # every problem at once, each under its form field's name
        if command.manager_id is None:
            checks.refuse("manager", N_("Manager"), NO_SUCH_MANAGER)
        if command.measure not in TARGET_MEASURES:
            checks.refuse("measure", N_("Measure"), ONE_OF, choices=", ".join(TARGET_MEASURES))
        number = whole_number(command.target)
        if number is None:
            checks.refuse("number", N_("Target"), N_("%(field)s must be a whole number"))
        elif not 1 <= number <= MAX_TARGET:
            checks.refuse("number", N_("Target"), N_("%(field)s must be from 1 to %(max)d"), max=MAX_TARGET)
        quarter = checks.check("quarter", Quarter.parse, command.quarter)
        checks.raise_if_broken()
        return cls(command.manager_id, quarter, command.measure, number)


@dataclass(frozen=True)
class Progress:
    target: Target
    actual: int
    today: date
    manager: str = ""  # the team's manager, as admins see the list

    @property
    def percent(self) -> float:
        return 100.0 * self.actual / self.target.target

    @property
    def expected_by_now(self) -> float:
        """Where a steady pace would be today."""
        return self.target.target * self.target.quarter.elapsed(self.today)

    @property
    def status(self) -> str:
        if self.actual >= self.target.target:
            return N_("met")
        return N_("on track") if self.actual >= self.expected_by_now else N_("behind")
