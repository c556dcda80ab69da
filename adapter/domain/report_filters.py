"""What a report view is filtered by: platform, course, learning activity, team and a range
of whole months. Plain data; the URL carries it (adapter/web/breakdown_pages.py) and the
SQL applies it (adapter/persistence/breakdown_sums.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .rules import RuleViolation
from .translatable import N_

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_index(day: date) -> int:
    """Months since year 0 (year × 12 + month − 1): what the report rows keep per record."""
    return day.year * 12 + day.month - 1


def month_text(index: int) -> str:
    return f"{index // 12}-{index % 12 + 1:02d}"


def month_from(text: str, field: str) -> int | None:
    """A month as the URL gives it ("2026-05"), or None when blank."""
    text = (text or "").strip()
    if not text:
        return None
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1970:
        raise RuleViolation(field, N_("%(field)s must be a month like 2026-05"), field)
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


@dataclass(frozen=True)
class Filters:
    platform_id: int | None = None
    course_id: int | None = None
    team: str = ""
    activity: str = ""  # an xAPI activity IRI, or "link:<resource link id>"
    first_month: int | None = None  # month_index, inclusive
    last_month: int | None = None

    @property
    def any(self) -> bool:
        return self.platform_id is not None or self.course_id is not None or bool(self.team) or \
            bool(self.activity) or self.dated

    @property
    def dated(self) -> bool:
        return self.first_month is not None or self.last_month is not None

    def as_url(self) -> dict[str, str]:
        """The URL's query parameters for these filters (blank ones left out)."""
        values = {"platform": self.platform_id, "course": self.course_id, "team": self.team,
                  "activity": self.activity,
                  "from": None if self.first_month is None else month_text(self.first_month),
                  "to": None if self.last_month is None else month_text(self.last_month)}
        return {key: str(value) for key, value in values.items() if value not in (None, "")}
