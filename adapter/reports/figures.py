"""Rows of figures (a manager's team, a team, a month) from the SQL sums, cut by the
small-group rule (adapter/domain/small_groups.py) before anyone sees them.

The sums come from adapter/persistence/breakdown_sums.py: per group, every fact added up
and how many learners each fact rests on; the rule needs, beside those counts, only the
learners two groups share (a learner with two current managers) and, for a date range,
how many learners each month of each group rests on.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Hashable, Mapping

from sqlalchemy import Connection

from adapter.domain.admin_scope import AdminScope
from adapter.domain.report_filters import Filters
from adapter.domain.small_groups import hidden_counted, too_small
from adapter.domain.translatable import N_
from adapter.persistence import breakdown_sums as sums
from adapter.persistence.breakdown_sums import ORGANISATION, RESTING, GroupSums

from .measures import Facts, measures

VOLUME = (("conversations", N_("Conversations held")), ("decisions", N_("Validations decided")))
HIDDEN = N_("hidden")  # a figure the small-group rule hides
# The facts whose learners a column's figure rests on.
RESTS_ON = {"applied_30": "cohort_30", "applied_60": "cohort_60", "applied_90": "cohort_90",
            "decision_days": "decisions", "cadence_kept": "planned", "commitments_on_time": "commitments_due",
            "usefulness": "rated", "conversation_before": "activity_starts", "conversations": "conversations",
            "decisions": "decisions"}
COLUMNS = tuple(RESTS_ON)
LEARNERS = ""  # the row itself: every learner with a record the view counts


@dataclass(slots=True)  # thousands per page: not frozen, whose __init__ costs twice as much
class Cell:
    key: str
    label: str
    value: float | None  # None when hidden or nothing to measure
    display: str
    learners: int | None  # None when hidden
    hidden: bool
    unit: str = ""  # as Measure.unit; "" for a count


@dataclass(slots=True)
class Row:
    name: str
    learners: int | None
    cells: list[Cell]
    hidden: bool

    def cell(self, key: str) -> Cell:
        return next(c for c in self.cells if c.key == key)


@dataclass(frozen=True)
class Counted:
    """One group as the SQL gave it: its sums and how many learners it has."""

    sums: GroupSums
    learners: int

    def resting(self, fact: str) -> int:
        return self.learners if fact == LEARNERS else self.sums.resting.get(fact, 0)


EMPTY = Counted(GroupSums({}, {}, ()), 0)


def counted(conn: Connection, scope: AdminScope, filters: Filters, as_of: date, grouping: str,
            histograms_of: set | None = None) -> dict[Any, Counted]:
    """Each group's sums and learners (by manager or team, the organisation's under None);
    the decision-time histograms of ``histograms_of`` only, when given (every group's else)."""
    found = sums.group_sums(conn, scope, filters, as_of, grouping, histograms_of)
    if found and all(group.learners is not None for group in found.values()):  # counted with the sums
        learners = {g: int(group.learners or 0) for g, group in found.items()}
    else:
        learners = sums.learner_counts(conn, scope, filters, grouping)
    return {g: Counted(found.get(g, EMPTY.sums), n) for g, n in learners.items()}


def row_of(name: str, group: Counted, k: int, hidden: bool, hidden_facts: set[str],
           columns: tuple[str, ...] = COLUMNS) -> Row:
    """One row's cells, each cut when the row is hidden, its fact is, or it rests on too few;
    its count of learners is cut with the row, or when LEARNERS is in ``hidden_facts``."""
    facts = Facts(**group.sums.facts, decision_hours=group.sums.decision_hours)
    values = {m.key: (m.label, m.value, m.display, m.unit) for m in measures(facts)}
    for key, label in VOLUME:
        count = getattr(facts, key)
        values[key] = (label, float(count), str(count), "")
    cells = []
    for key in columns:
        label, value, display, unit = values[key]
        rest = group.resting(RESTS_ON[key])
        cut = hidden or RESTS_ON[key] in hidden_facts or too_small(rest, k)
        cells.append(Cell(key, label, None if cut else value, HIDDEN if cut else display,
                          None if cut else rest, cut, unit))
    count_cut = hidden or LEARNERS in hidden_facts or too_small(group.learners, k)
    return Row(name, None if count_cut else group.learners, cells, hidden)


def hidden_per_fact(groups: Mapping[Hashable, Counted], organisation: Counted, k: int,
                    shared: Mapping[Hashable, dict[int, int]], already: Mapping[str, set] | None = None
                    ) -> dict[str, set[Hashable]]:
    """For the row itself (LEARNERS) and each fact, the groups whose figure is hidden.
    ``shared``: per group, its learners that other groups have too, with their facts (the
    RESTING bits); ``already``: groups hidden per fact for another reason."""
    result = {}
    for fact in (LEARNERS, *RESTING):
        def has(mask: int) -> bool:
            return fact == LEARNERS or bool(mask >> RESTING.index(fact) & 1)
        common = {g: frozenset(learner for learner, mask in found.items() if has(mask))
                  for g, found in shared.items() if g in groups}
        sizes = {g: group.resting(fact) for g, group in groups.items()}
        alone = {g: n - len(common[g]) if g in common else n for g, n in sizes.items()}
        union: Callable[[set], int] = lambda keys: sum(alone[g] for g in keys) + len(  # noqa: E731
            frozenset().union(*(common[g] for g in keys if g in common)))
        result[fact] = hidden_counted(sizes, alone, organisation.resting(fact), k, union,
                                      (already or {}).get(fact, set()) & groups.keys())
    return result


def shared_masks(conn: Connection, scope: AdminScope, filters: Filters, as_of: date,
                 grouping: str) -> dict[Hashable, dict[int, int]]:
    """Per manager, their learners who also have another current manager, with their facts."""
    if grouping != sums.MANAGER:
        return {}
    learners = sums.shared_learners(conn, scope)
    found: dict[Hashable, dict[int, int]] = {}
    if learners:
        for (g, learner), mask in sums.learner_masks(conn, scope, filters, as_of, grouping, learners).items():
            found.setdefault(g, {})[learner] = mask
    return found


def month_rule(conn: Connection, scope: AdminScope, filters: Filters, as_of: date, grouping: str,
               k: int) -> dict[str, set[Hashable]]:
    """For a date range: per fact (LEARNERS for the count of learners), the groups with a
    month in the range resting on 1 to k−1 learners (("organisation",) for the organisation)."""
    hidden: dict[str, set[Hashable]] = {fact: set() for fact in (LEARNERS, *RESTING)}
    if not filters.dated:
        return hidden
    for grouped in (grouping, ORGANISATION):
        for (g, _), counts in sums.monthly_resting(conn, scope, filters, as_of, grouped).items():
            for fact in hidden:
                if too_small(counts.get(fact, 0), k):
                    hidden[fact].add(("organisation",) if grouped == ORGANISATION else g)
    return hidden
