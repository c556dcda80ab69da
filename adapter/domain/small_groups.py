"""Privacy by construction for breakdowns: no figure about fewer than *k* learners.

A row (a manager's team, a team) or a cell (one measure of a row) resting on fewer than
*k* learners is hidden; so is any row or cell whose absence could be worked out by
subtraction:

- the organisation's value sits beside each row, so a row is hidden when the rest of the
  organisation (organisation minus the row) is 1 to k−1 learners;
- when rows are hidden, "organisation minus the shown rows" describes the hidden rows
  together: more rows are hidden (smallest first) until the hidden rows rest on none or at
  least *k* learners (complementary suppression);
- a filtered view (one team, one course, one platform, one activity, a date range, or several
  at once) is shown only when, for every wider view got by removing some of its filters (one
  or several, down to none), the learners with records in that wider view which this one
  leaves out are none or at least *k*: so neither "everyone minus the filtered view" nor
  "course X minus course X and team T" reveals a small group (any two views whose filters
  nest are covered, whatever filters the wider one keeps); the same holds for each row of
  a filtered view (a manager's team, a team, a month): the row is hidden when the same row
  of such a wider view rests on 1 to k−1 more learners;
- a date range adds or drops whole months, so two ranges differ by whole months: within a
  range, a figure is hidden when one of its months rests on 1 to k−1 learners (and the
  view is withheld when a month of the organisation's does), so no difference of two
  ranges rests on a small group either.

Plain Python over sets of learner ids; the service applies it to every view it returns.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable, Hashable, Iterable, Mapping

from .rules import RuleViolation, whole_number
from .translatable import N_

DEFAULT_MIN_LEARNERS = 5
FLOOR_MIN_LEARNERS = 3  # never lower, whatever an admin sets
MAX_MIN_LEARNERS = 1000

RULE = N_("No row or figure is shown for fewer than %(k)d learners. When one is hidden, another may be "
          "hidden too, so that nobody can work out the hidden one by subtracting the shown rows from the "
          "organisation's total; a filtered view shows nothing when removing any of its filters (one or "
          "several) would bring in the records of fewer than %(k)d learners, and hides a row (a manager's,"
          " a team's, a month's) when it would bring in that row's records of fewer than %(k)d learners, "
          "so two filtered views cannot be subtracted either; and within a date range, a figure is hidden "
          "when one of its months rests on fewer than %(k)d learners, so two ranges cannot be.")


def min_learners_from(text: str) -> int:
    """The admin's setting from a form: a whole number, at least the floor."""
    value = whole_number(text)
    if value is None or not FLOOR_MIN_LEARNERS <= value <= MAX_MIN_LEARNERS:
        raise RuleViolation(N_("Smallest group shown"), N_("%(field)s must be a whole number from %(low)d to %(high)d"),
                            "min_learners", low=FLOOR_MIN_LEARNERS, high=MAX_MIN_LEARNERS)
    return value


def too_small(learners: int, k: int) -> bool:
    return 0 < learners < max(k, FLOOR_MIN_LEARNERS)


def hidden_rows(rows: Mapping[Hashable, frozenset[int]], population: frozenset[int], k: int,
                already: Iterable[Hashable] = ()) -> set[Hashable]:
    """The rows (each a set of the learners its figure rests on) that must not be shown,
    out of a ``population`` whose total is shown beside them. Rows may share learners (a
    learner with two managers, or with records in two months): the figures add up over
    records, so what a subtraction reveals rests on every learner of the rows subtracted."""
    # The rest of the organisation beside a row is everyone but the learners in that row
    # alone (counted once for thousands of rows, not by a union per row).
    rows_of = Counter(learner for learners in rows.values() for learner in learners)
    alone = {key: sum(1 for learner in learners if rows_of[learner] == 1) for key, learners in rows.items()}
    return hidden_counted({key: len(learners) for key, learners in rows.items()}, alone,
                          len(population | frozenset(rows_of)), k,
                          lambda keys: len(frozenset().union(*(rows[key] for key in keys))), already)


def hidden_counted(sizes: Mapping[Hashable, int], alone: Mapping[Hashable, int], everyone: int, k: int,
                   union: Callable[[set[Hashable]], int], already: Iterable[Hashable] = ()) -> set[Hashable]:
    """``hidden_rows`` from counts: each row's learners (``sizes``), those in no other row
    (``alone``), everyone beside them, and how many learners some rows have together
    (``union``, asked only about the hidden rows). ``already``: rows hidden for another reason."""
    k = max(k, FLOOR_MIN_LEARNERS)
    hidden = set(already) | {key for key, n in sizes.items()
                             if too_small(n, k) or (n and too_small(everyone - alone[key], k))}
    while too_small(union(hidden), k):
        # Hide the smallest shown row next, so the hidden rows together rest on k or more.
        candidates = sorted((key for key in sizes if key not in hidden and sizes[key]),
                            key=lambda key: (sizes[key], str(key)))
        if not candidates:
            break
        hidden.add(candidates[0])
    return hidden


def filter_hides_rows(shown: Mapping[Hashable, int], left_out: Iterable[Mapping[Hashable, int]],
                      k: int) -> set[Hashable]:
    """In a filtered view, the rows (``shown``: each one's learners) that one wider view's same
    row would give away by subtraction: those whose learners left out of it (``left_out``, one
    mapping per wider view) are 1 to k−1. An empty row gives nothing away."""
    return {g for wider in left_out for g, n in wider.items() if shown.get(g) and too_small(n, k)}


def filter_hides_view(filtered: int, left_out: Iterable[int], k: int) -> bool:
    """A filtered view is withheld when it is a small group, or when what it leaves out of
    any wider view (its filters with some removed: ``left_out``, in learners) is."""
    return too_small(filtered, k) or any(too_small(n, k) for n in left_out)
