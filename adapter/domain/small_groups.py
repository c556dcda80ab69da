"""Privacy by construction for breakdowns: no figure about fewer than *k* learners.

A row (a manager's team, a team) or a cell (one measure of a row) resting on fewer than
*k* learners is hidden; so is any row or cell whose absence could be worked out by
subtraction:

- the organisation's value sits beside each row, so a row is hidden when the rest of the
  organisation (organisation minus the row) is 1 to k−1 learners;
- when rows are hidden, the learners seen only in hidden rows are, together, what
  "organisation minus the shown rows" describes: more rows are hidden (smallest first)
  until they are none or at least *k* (complementary suppression);
- a filtered view (one team, one course, one platform) is shown only when what the filter
  leaves out is none or at least *k* learners, so "everyone minus the filtered view"
  reveals no small group.

Plain Python over sets of learner ids; the service applies it to every view it returns.
"""
from __future__ import annotations

from typing import Hashable, Mapping

from .rules import RuleViolation

DEFAULT_MIN_LEARNERS = 5
FLOOR_MIN_LEARNERS = 3  # never lower, whatever an admin sets
MAX_MIN_LEARNERS = 1000

RULE = ("No row or figure is shown for fewer than {k} learners. When one is hidden, another "
        "may be hidden too, so that nobody can work out the hidden one by subtracting the shown "
        "rows from the organisation's total; and a filter that leaves out fewer than {k} learners "
        "shows nothing, so two views cannot be subtracted either.")


def min_learners_from(text: str) -> int:
    """The admin's setting from a form: a whole number, at least the floor."""
    value = text.strip()
    if not value.isdigit() or not FLOOR_MIN_LEARNERS <= int(value) <= MAX_MIN_LEARNERS:
        raise RuleViolation("Smallest group shown", f"must be a whole number from {FLOOR_MIN_LEARNERS} "
                            f"to {MAX_MIN_LEARNERS}", "min_learners")
    return int(value)


def too_small(learners: int, k: int) -> bool:
    return 0 < learners < max(k, FLOOR_MIN_LEARNERS)


def hidden_rows(rows: Mapping[Hashable, frozenset[int]], population: frozenset[int], k: int) -> set[Hashable]:
    """The rows (each a set of the learners its figure rests on) that must not be shown,
    out of a ``population`` whose total is shown beside them."""
    k = max(k, FLOOR_MIN_LEARNERS)
    hidden = {key for key, learners in rows.items()
              if len(learners) < k or too_small(len(population - learners), k)}
    while True:
        shown = frozenset().union(*(rows[key] for key in rows if key not in hidden))
        exposed = frozenset().union(*(rows[key] for key in hidden)) - shown
        if not too_small(len(exposed), k):
            return hidden
        # Hide the smallest shown row next; its learners join what the hidden rows cover.
        candidates = sorted((len(rows[key]), str(key)) for key in rows if key not in hidden)
        if not candidates:
            return hidden
        hidden.add(next(key for key in rows if str(key) == candidates[0][1] and key not in hidden))


def filter_hides_view(filtered: frozenset[int], everyone: frozenset[int], k: int) -> bool:
    """A filtered view is withheld when it, or what it leaves out, is a small group."""
    return too_small(len(filtered), k) or too_small(len(everyone - filtered), k)
