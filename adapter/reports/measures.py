"""Outcome measures: was learning applied, and is the coaching around it any good.

LMSs count visits and completions; these measures count what a manager validated and
how the conversations went. Plain Python over plain values, no framework, no database:

- record-level values (``ActivityStart``, ``DecisionWait``, …) are what a measure looks
  at, whether they come from the database or from LRS statements;
- ``tally`` turns them into ``Facts``: additive counts, so a course's facts add up to its
  platform's and the organisation's;
- ``measures`` turns facts into the numbers the dashboards show, each with the written
  definition people read beside it.

adapter/persistence/report_queries.py computes the same ``Facts`` with SQL (the admin
dashboard of a 50,000-learner organisation cannot load every record into Python);
tests/reports proves the database and the LRS give the same numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Callable, Iterable

from adapter.domain.source_text import Translate, english
from adapter.domain.translatable import N_

APPLICATION_DAYS = (30, 60, 90)
# One whole label per period, marked for translation (a label is shown, exported and charted).
APPLIED_LABELS = {30: N_("Application validated within 30 days"), 60: N_("Application validated within 60 days"),
                  90: N_("Application validated within 90 days")}
FOLLOW_UP_GRACE_DAYS = 7
USEFUL_RATING = 4  # 4 or 5 out of 5 counts as "useful"

ACTIVITY_DATE = N_(
    "The activity date is the day (UTC) the learner first submitted a reflection on the "
    "learning activity in coachbridge: the reflection is where they say they did it and "
    "what they learned. A learning activity is the xAPI activity the instructor attached "
    "to the link, or the link itself when none was attached, counted once per learner and "
    "course (withdrawn reflections do not count)."
)


@dataclass(frozen=True)
class ReferencePoint:
    days: int
    percent: int
    label: str


REFERENCE_SOURCE = "Saks & Belcourt (2006)"
REFERENCE_CURVE = (
    ReferencePoint(0, 62, N_("immediately")),
    ReferencePoint(182, 44, N_("at 6 months")),
    ReferencePoint(365, 34, N_("at one year")),
)
"""Share of trainees applying training after it (self-reported by organisations): the
published curve shown beside our application rate. Theirs is the share still applying;
ours is the share validated by the manager within N days — context, not the same count."""


# --- record-level values -----------------------------------------------------------------
@dataclass(frozen=True)
class ActivityStart:
    """One learner × learning activity in a course, on its activity date."""

    started_on: date
    validated_on: date | None  # the first "validated" decision, if any
    first_conversation_on: date | None  # the learner's first check-in or coaching, any activity


@dataclass(frozen=True)
class DecisionWait:
    """A manager's decision on a validation request, and when that request was asked."""

    asked_at: float  # epoch seconds
    decided_at: float
    validated: bool

    @property
    def hours(self) -> int:
        return int((self.decided_at - self.asked_at) // 3600)


@dataclass(frozen=True)
class PlannedConversation:
    """A conversation that set a date for the next one, and the next one actually held."""

    held_on: date
    next_on: date
    followed_up_on: date | None  # the learner's first conversation held after held_on


@dataclass(frozen=True)
class Commitment:
    due_on: date
    done_on: date | None  # when it was marked done, if it is done now


@dataclass(frozen=True)
class HeldConversation:
    rating: int | None  # the learner's usefulness rating, 1–5


# --- facts: additive counts ----------------------------------------------------------------
@dataclass(frozen=True)
class Facts:
    activity_starts: int = 0
    cohort_30: int = 0
    applied_30: int = 0
    cohort_60: int = 0
    applied_60: int = 0
    cohort_90: int = 0
    applied_90: int = 0
    conversation_before: int = 0
    decisions: int = 0
    validated: int = 0
    decision_hours: tuple[tuple[int, int], ...] = ()  # (whole hours, how many decisions), sorted
    planned: int = 0
    kept: int = 0
    commitments_due: int = 0
    done_on_time: int = 0
    conversations: int = 0
    rated: int = 0
    rating_total: int = 0
    rated_useful: int = 0

    def __add__(self, other: "Facts") -> "Facts":
        return total((self, other))

    def cohort(self, days: int) -> tuple[int, int]:
        """(validated within ``days``, learners whose activity is at least ``days`` old)."""
        return getattr(self, f"applied_{days}"), getattr(self, f"cohort_{days}")


def merge_histograms(*histograms: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: dict[int, int] = {}
    for histogram in histograms:
        for value, count in histogram:
            merged[value] = merged.get(value, 0) + count
    return tuple(sorted((value, count) for value, count in merged.items() if count))


def total(facts: Iterable[Facts]) -> Facts:
    """The sum of many facts, the histograms merged once (adding pairwise re-sorts them each time)."""
    facts = list(facts)
    counts = {f.name: sum(getattr(each, f.name) for each in facts) for f in fields(Facts) if f.name != "decision_hours"}
    return Facts(**counts, decision_hours=merge_histograms(*(each.decision_hours for each in facts)))


def application_counts(starts: Iterable[ActivityStart], as_of: date) -> dict[str, int]:
    """Only activities at least N days old count at N days: younger ones could still be
    validated in time, and would pull the rate down for the wrong reason."""
    counts = {f"{kind}_{days}": 0 for days in APPLICATION_DAYS for kind in ("cohort", "applied")}
    for start in starts:
        for days in APPLICATION_DAYS:
            if start.started_on <= as_of - timedelta(days=days):
                counts[f"cohort_{days}"] += 1
                if start.validated_on is not None and start.validated_on <= start.started_on + timedelta(days=days):
                    counts[f"applied_{days}"] += 1
    return counts


def kept_plan(planned: PlannedConversation) -> bool:
    """Held no later than a week after the date planned (earlier is fine too)."""
    return planned.followed_up_on is not None and \
        planned.followed_up_on <= planned.next_on + timedelta(days=FOLLOW_UP_GRACE_DAYS)


def plan_due(planned: PlannedConversation, as_of: date) -> bool:
    """A plan counts once its week of grace is over, kept or not."""
    return planned.next_on + timedelta(days=FOLLOW_UP_GRACE_DAYS) < as_of


def tally(as_of: date, starts: Iterable[ActivityStart] = (), waits: Iterable[DecisionWait] = (),
          planned: Iterable[PlannedConversation] = (), commitments: Iterable[Commitment] = (),
          conversations: Iterable[HeldConversation] = ()) -> Facts:
    """The facts of a set of records on the report date ``as_of``: the reference
    definition the SQL in report_queries.py reproduces."""
    starts, waits, conversations = list(starts), list(waits), list(conversations)
    due_plans = [p for p in planned if plan_due(p, as_of)]
    due = [c for c in commitments if c.due_on < as_of]
    ratings = [c.rating for c in conversations if c.rating is not None]
    return Facts(
        activity_starts=len(starts),
        **application_counts(starts, as_of),
        conversation_before=sum(s.first_conversation_on is not None and s.first_conversation_on < s.started_on
                                for s in starts),
        decisions=len(waits),
        validated=sum(w.validated for w in waits),
        decision_hours=merge_histograms((w.hours, 1) for w in waits),
        planned=len(due_plans),
        kept=sum(kept_plan(p) for p in due_plans),
        commitments_due=len(due),
        done_on_time=sum(c.done_on is not None and c.done_on <= c.due_on for c in due),
        conversations=len(conversations),
        rated=len(ratings),
        rating_total=sum(ratings),
        rated_useful=sum(r >= USEFUL_RATING for r in ratings),
    )


# --- measures: what the dashboards show ----------------------------------------------------
@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    value: float | None  # a percentage, days or a 1–5 mean; None when nothing to measure yet
    unit: str  # "%" | "days" | "/5"
    count: int  # how many records the value rests on
    definition: str
    numerator: int | None = None

    @property
    def display(self) -> str:
        return figure(self.value, self.unit)


NumberFormat = Callable[[float, int], str]  # (value, decimals) -> the number as a locale writes it


def plain_number(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def figure(value: float | None, unit: str, translate: Translate = english, number: NumberFormat = plain_number) -> str:
    """A measure's value as people read it ("62 %", "1.5 days", "4.2 / 5"), its words in
    ``translate``'s language and its number written by ``number`` (pages pass the locale's)."""
    if value is None:
        return translate(N_("no data yet"))
    if unit == "%":
        return f"{number(value, 0)} %"
    if unit == "days":
        return translate(N_("%(num)s days"), num=number(value, 1))
    if unit == "/5":
        return translate(N_("%(num)s / 5"), num=number(value, 1))
    return number(value, 0)


def percent(numerator: int, denominator: int) -> float | None:
    return 100.0 * numerator / denominator if denominator else None


def median_hours(histogram: tuple[tuple[int, int], ...]) -> float | None:
    """The median of a (value, count) histogram: the middle value, or the mean of the two
    middle values when the count is even."""
    n = sum(count for _, count in histogram)
    if not n:
        return None
    wanted, values, seen = sorted({(n - 1) // 2, n // 2}), [], 0
    for value, count in histogram:
        while wanted and wanted[0] < seen + count:
            values.append(value)
            wanted.pop(0)
        seen += count
    return sum(values) / len(values)


# What each measure means, shown beside it: English marked with ``N_`` (the pages and CSV
# downloads translate it), ``%(days)s`` and ``%(grace)d`` filled by ``definition_parts``.
DEFINITIONS = {
    "applied": N_(
        "Of the learners whose activity date is at least %(days)s days before the report date, "
        "the share whose manager recorded \"validated\" (applied on the job) on their request "
        "for that activity no later than %(days)s days after the activity date."
    ),
    "decision_days": N_(
        "Median time from a learner asking for validation to the manager's decision "
        "(\"validated\" or \"needs more evidence\"), in whole hours shown as days; a request asked "
        "again after \"needs more evidence\" counts from when it was asked again. Withdrawn "
        "requests do not count."
    ),
    "cadence_kept": N_(
        "Of the check-ins and coaching conversations that set a date for the next one, the share "
        "followed by another conversation with the same learner no later than "
        "%(grace)d days after that date. A planned date counts once those "
        "%(grace)d days are over."
    ),
    "commitments_on_time": N_(
        "Of the agreed actions whose due date is before the report date, the share marked done "
        "on or before their due date. Open and dropped actions count as not done."
    ),
    "usefulness": N_(
        "The learners' own rating of how useful each check-in or coaching conversation was, "
        "1 (not useful) to 5 (very useful): the mean over rated conversations. A coaching-quality "
        "measure; how many conversations were rated is shown beside it."
    ),
    "conversation_before": N_(
        "Of the learners with an activity date, the share who had a check-in or coaching "
        "conversation with a manager held before that date (manager involvement before "
        "training is the strongest single transfer lever, Broad & Newstrom)."
    ),
}
_ABOUT_ACTIVITY_DATE = ("applied", "conversation_before")


def definition_parts(kind: str, days: int | str = "N") -> list[tuple[str, dict]]:
    """A measure's definition (``kind``: a DEFINITIONS key) as sentences to translate, each
    (text marked with ``N_``, its values)."""
    parts = [(DEFINITIONS[kind], {"days": days, "grace": FOLLOW_UP_GRACE_DAYS})]
    return parts + [(ACTIVITY_DATE, {})] if kind in _ABOUT_ACTIVITY_DATE else parts


def definition_of(kind: str, days: int | str = "N") -> str:
    """The definition in English: for the API, the measure index and logs."""
    return " ".join(text % values for text, values in definition_parts(kind, days))


def definition_kind(key: str) -> tuple[str, int | str]:
    """The DEFINITIONS key of a measure's key, and its days (``applied_30`` → ("applied", 30))."""
    if key.startswith("applied_"):
        return "applied", int(key.removeprefix("applied_"))
    return ("usefulness" if key == "useful_share" else key), "N"


def measures(facts: Facts) -> list[Measure]:
    """The six measures, in the order the dashboards show them."""
    result = []
    for days in APPLICATION_DAYS:
        applied, cohort = facts.cohort(days)
        result.append(Measure(f"applied_{days}", APPLIED_LABELS[days],
                              percent(applied, cohort), "%", cohort, definition_of("applied", days), applied))
    hours = median_hours(facts.decision_hours)
    result += [
        Measure("decision_days", N_("Median time to a validation decision"),
                None if hours is None else hours / 24, "days", facts.decisions, definition_of("decision_days")),
        Measure("cadence_kept", N_("Check-in cadence kept"), percent(facts.kept, facts.planned), "%",
                facts.planned, definition_of("cadence_kept"), facts.kept),
        Measure("commitments_on_time", N_("Commitments done by their due date"),
                percent(facts.done_on_time, facts.commitments_due), "%", facts.commitments_due,
                definition_of("commitments_on_time"), facts.done_on_time),
        Measure("usefulness", N_("Usefulness of conversations (learners' rating)"),
                facts.rating_total / facts.rated if facts.rated else None, "/5", facts.rated,
                definition_of("usefulness"), facts.rated_useful),
        Measure("conversation_before", N_("Manager conversation before the activity"),
                percent(facts.conversation_before, facts.activity_starts), "%", facts.activity_starts,
                definition_of("conversation_before"), facts.conversation_before),
    ]
    return result
