"""Dated facts: the date-free counts behind ``Facts``, so summaries can be stored and read
for any report date (see adapter/reports/measures.py for the measures themselves)."""
from __future__ import annotations

from datetime import date
from typing import Iterable

from .measures import (
    APPLICATION_DAYS, FOLLOW_UP_GRACE_DAYS, USEFUL_RATING, ActivityStart, Commitment, DecisionWait, Facts,
    HeldConversation, PlannedConversation, kept_plan, merge_histograms,
)

# --- dated facts: counts any report date can read --------------------------------------------
# Facts depend on the report date only through a few date comparisons (is an activity at
# least N days old, is a plan's week of grace over, is an action past its due date). Kept
# per (kind, bucket) — the bucket being the day that decides when a record starts to count
# — the counts themselves never change with the date, so they can be stored, added up per
# course and updated one learner at a time; ``facts_on`` reads them for any report date.
START, DECISION, PLAN, COMMITMENT, CONVERSATION = "start", "decision", "plan", "commitment", "conversation"
DATED_KINDS = (START, DECISION, PLAN, COMMITMENT, CONVERSATION)
EPOCH = date(1970, 1, 1)
DatedKey = tuple[str, int]  # (kind, bucket)
Counts = tuple[int, int, int, int, int]  # (n, a, b, c, d): what each is depends on the kind, see dated_facts
"""Buckets and counts per kind:

- start: bucket = activity date (days since 1970-01-01, UTC); n starts, a/b/c validated
  within 30/60/90 days, d with a conversation before;
- decision: bucket = whole hours from asking to deciding; n decisions, a validated;
- plan: bucket = the planned date of the next conversation; n plans, a kept;
- commitment: bucket = the due date; n actions with a due date, a done by it;
- conversation: bucket 0; n conversations, a rated, b sum of ratings, c rated useful.
"""


def day_number(day: date) -> int:
    return (day - EPOCH).days


def dated_facts(starts: Iterable[ActivityStart] = (), waits: Iterable[DecisionWait] = (),
                planned: Iterable[PlannedConversation] = (), commitments: Iterable[Commitment] = (),
                conversations: Iterable[HeldConversation] = ()) -> dict[DatedKey, Counts]:
    """The date-free counts of a set of records: ``facts_on(dated_facts(...), as_of)``
    equals ``tally(as_of, ...)`` for every report date."""
    result: dict[DatedKey, list[int]] = {}

    def add(kind: str, bucket: int, *counts: int) -> None:
        entry = result.setdefault((kind, bucket), [0, 0, 0, 0, 0])
        for i, value in enumerate((1, *counts)):
            entry[i] += value

    for s in starts:
        lag = None if s.validated_on is None else (s.validated_on - s.started_on).days
        add(START, day_number(s.started_on), *(lag is not None and lag <= days for days in APPLICATION_DAYS),
            s.first_conversation_on is not None and s.first_conversation_on < s.started_on)
    for w in waits:
        add(DECISION, w.hours, w.validated)
    for p in planned:
        add(PLAN, day_number(p.next_on), kept_plan(p))
    for c in commitments:
        add(COMMITMENT, day_number(c.due_on), c.done_on is not None and c.done_on <= c.due_on)
    for c in conversations:
        rated = c.rating is not None
        add(CONVERSATION, 0, rated, c.rating or 0, rated and c.rating >= USEFUL_RATING)
    return {key: tuple(counts) for key, counts in result.items()}  # type: ignore[misc]


def add_dated(into: dict[DatedKey, Counts], other: dict[DatedKey, Counts], sign: int = 1) -> None:
    """``into += sign × other``, dropping buckets that fall to nothing."""
    for key, counts in other.items():
        summed = tuple(x + sign * y for x, y in zip(into.get(key, (0, 0, 0, 0, 0)), counts))
        if any(summed):
            into[key] = summed  # type: ignore[assignment]
        else:
            into.pop(key, None)


def facts_on(dated: Iterable[tuple[str, int, Counts]], as_of: date) -> Facts:
    """Facts on the report date from (kind, bucket, counts) rows: the reference the
    summary's SQL (adapter/persistence/report_summaries.py) reproduces."""
    today = day_number(as_of)
    values: dict[str, int] = {}
    hours: list[tuple[int, int]] = []

    def add(name: str, value: int) -> None:
        values[name] = values.get(name, 0) + value

    for kind, bucket, (n, a, b, c, d) in dated:
        if kind == START:
            add("activity_starts", n)
            add("conversation_before", d)
            for days, applied in zip(APPLICATION_DAYS, (a, b, c)):
                if bucket <= today - days:
                    add(f"cohort_{days}", n)
                    add(f"applied_{days}", applied)
        elif kind == DECISION:
            add("decisions", n)
            add("validated", a)
            hours.append((bucket, n))
        elif kind == PLAN and bucket + FOLLOW_UP_GRACE_DAYS < today:
            add("planned", n)
            add("kept", a)
        elif kind == COMMITMENT and bucket < today:
            add("commitments_due", n)
            add("done_on_time", a)
        elif kind == CONVERSATION:
            add("conversations", n)
            add("rated", a)
            add("rating_total", b)
            add("rated_useful", c)
    return Facts(**values, decision_hours=merge_histograms(hours))
