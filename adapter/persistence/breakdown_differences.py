"""What subtracting one row of a filtered view from the same row of a wider view reveals:
per group (a manager's team, a team, a month or quarter), how many learners have records
in the wider view (the filtered view with some of its filters removed) that the filtered
view leaves out. Beside breakdown_sums.left_out, which counts the same for the whole view.
"""
from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import Connection, and_, func, not_, select

from adapter.domain.admin_scope import AdminScope
from adapter.domain.report_filters import Filters

from .breakdown_sums import grouped_keys, with_group, kept, wider_views


def left_out_per_group(conn: Connection, scope: AdminScope, filters: Filters, grouping: str,
                       always: Iterable[str] = ()) -> list[dict[Any, int]]:
    """For each wider view — some of the filters removed (one or several, down to none; a date
    range is one filter; the filters named in ``always`` are never removed) — each group's
    learners with a record that wider view keeps and this one leaves out. One grouped count
    per wider view: 1 to 3 statements for one or two filters."""
    where = kept(scope, filters)
    keys = grouped_keys(grouping)
    found = []
    for wider in wider_views(scope, filters, always):
        outside = select(*keys).where(*wider, not_(and_(*where))).group_by(*keys).subquery()
        g, source = with_group(scope, outside, grouping)
        found.append(dict(conn.execute(select(g.label("g"), func.count()).select_from(source).group_by(g)).all()))
    return found
