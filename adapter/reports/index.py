"""One entry per measure: its definition and where each implementation lives.

Changing what a measure means: change its text and record-level value in measures.py,
then every implementation named in its entry (the three must keep agreeing: the live
one and the summary are checked against the reference in tests/reports/test_summaries.py
and test_seeded_measures.py, the LRS reading in test_report_from_lrs.py). The names are
dotted paths, so this module imports none of them; tests/reports/test_measure_index.py
checks that each one exists.
"""
from __future__ import annotations

from dataclasses import dataclass

from .measures import APPLICATION_DAYS, COMMITMENT, CONVERSATION, DECISION, PLAN, START, definition_of

_LIVE = "adapter.persistence.report_queries."
_SUMMARY = "adapter.persistence.report_summaries."
_LRS = "adapter.reports.from_lrs.StatementReading."
_REFERENCE = "adapter.reports.measures."


@dataclass(frozen=True)
class MeasureEntry:
    keys: tuple[str, ...]  # the measures the dashboards show (adapter.reports.measures.measures)
    definition: str  # the text shown beside them (in English; "N" for the days of applied_N)
    record: str  # the record-level value each implementation produces
    reference: str  # plain Python over those values: what the others reproduce
    live: str  # SQL over the records, run per request (manager and instructor dashboards)
    summary_kind: str  # the dated kind the summary keeps it under (report_summaries.shares_of → course_facts)
    from_lrs: str  # the reading of the LRS's statements


INDEX: tuple[MeasureEntry, ...] = (
    MeasureEntry(tuple(f"applied_{days}" for days in APPLICATION_DAYS), definition_of("applied"),
                 _REFERENCE + "ActivityStart", _REFERENCE + "application_counts", _LIVE + "_activity_starts",
                 START, _LRS + "_activity_starts"),
    MeasureEntry(("conversation_before",), definition_of("conversation_before"), _REFERENCE + "ActivityStart",
                 _REFERENCE + "tally", _LIVE + "_activity_starts", START, _LRS + "_activity_starts"),
    MeasureEntry(("decision_days",), definition_of("decision_days"), _REFERENCE + "DecisionWait",
                 _REFERENCE + "median_hours", _LIVE + "_decisions", DECISION, _LRS + "_waits"),
    MeasureEntry(("cadence_kept",), definition_of("cadence_kept"), _REFERENCE + "PlannedConversation",
                 _REFERENCE + "kept_plan", _LIVE + "_planned", PLAN, _LRS + "facts_by_course"),
    MeasureEntry(("commitments_on_time",), definition_of("commitments_on_time"), _REFERENCE + "Commitment",
                 _REFERENCE + "tally", _LIVE + "_commitments", COMMITMENT, _LRS + "facts_by_course"),
    MeasureEntry(("usefulness",), definition_of("usefulness"), _REFERENCE + "HeldConversation",
                 _REFERENCE + "tally", _LIVE + "_conversations", CONVERSATION, _LRS + "facts_by_course"),
)

SUMMARY = (_SUMMARY + "shares_of", _SUMMARY + "course_facts")  # every kind: kept per learner, read per course


def entry_for(key: str) -> MeasureEntry:
    return next(entry for entry in INDEX if key in entry.keys)
