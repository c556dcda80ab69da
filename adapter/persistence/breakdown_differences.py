"""What subtracting one row of a filtered view from the same row of a wider view reveals:
per group (a manager's team, a team, a month or quarter), how many learners have records
in the wider view (the filtered view with some of its filters removed) that the filtered
view leaves out. Beside breakdown_sums.left_out, which counts the same for the whole view.
"""
from __future__ import annotations

from itertools import combinations
from typing import Any, Iterable

from sqlalchemy import Connection, and_, func, not_, select

from adapter.domain.admin_scope import AdminScope
from adapter.domain.report_filters import Filters
from adapter.reports.dated_facts import DATED_KINDS

from .breakdown_sums import _grouped_keys, _with_group, filter_conditions, kept
from .report_summary_tables import report_learner_rows as r
from .scoping import within


def left_out_per_group(conn: Connection, scope: AdminScope, filters: Filters, grouping: str,
                       always: Iterable[str] = ()) -> list[dict[Any, int]]:
    """For each wider view — some of the filters removed (one or several, down to none; a date
    range is one filter; the filters named in ``always`` are never removed) — each group's
    learners with a record that wider view keeps and this one leaves out. One grouped count
    per wider view: 1 to 3 statements for one or two filters."""
    active = filter_conditions(filters)
    removable = [name for name in active if name not in always]
    where = kept(scope, filters)
    found = []
    for size in range(len(removable)):
        for still in combinations(removable, size):  # the removable filters the wider view keeps
            names = [*still, *(name for name in active if name in always)]
            # As in left_out: naming the kinds lets a range of months use the (kind, month) index.
            wider = [within(scope, r.c.platform_id), *([r.c.kind.in_(DATED_KINDS)] if names else []),
                     *(c for name in names for c in active[name])]
            keys = _grouped_keys(grouping)
            outside = select(*keys).where(*wider, not_(and_(*where))).group_by(*keys).subquery()
            g, source = _with_group(scope, outside, grouping)
            found.append(dict(conn.execute(select(g.label("g"), func.count()).select_from(source).group_by(g)).all()))
    return found
