"""Saving quarterly targets and counting what each team did against them."""
from __future__ import annotations

from datetime import datetime, time, timezone
from typing import Any

from sqlalchemy import Connection, and_, func, select

from adapter.domain.admin_scope import AdminScope
from adapter.domain.targets import Quarter, Target

from .coaching_tables import conversations, validation_decisions, validation_requests
from .database import conflict_insert
from .scoping import within
from .tables import manager_links, people
from .targets_tables import learning_targets


def save_target(conn: Connection, target: Target, set_by: int | None, now: float) -> None:
    """One target per team, quarter and measure: setting it again replaces it."""
    values = {"target": target.target, "set_by": set_by, "set_at": now}
    conn.execute(conflict_insert(conn, learning_targets).values(
        manager_id=target.manager_id, quarter=str(target.quarter), measure=target.measure, **values)
        .on_conflict_do_update(index_elements=["manager_id", "quarter", "measure"], set_=values))


def targets_of(conn: Connection, quarter: Quarter, scope: AdminScope,
               manager_id: int | None = None) -> list[dict[str, Any]]:
    """The quarter's targets (one team's, or every team's in ``scope``) with the manager's name."""
    query = (select(learning_targets.c.manager_id, learning_targets.c.measure, learning_targets.c.target,
                    func.coalesce(func.nullif(people.c.name, ""), func.nullif(people.c.email, ""), people.c.sub)
                    .label("manager"))
             .join(people, people.c.id == learning_targets.c.manager_id)
             .where(learning_targets.c.quarter == str(quarter), within(scope, people.c.platform_id)))
    if manager_id is not None:
        query = query.where(learning_targets.c.manager_id == manager_id)
    return [dict(row) for row in conn.execute(query.order_by("manager", learning_targets.c.measure)).mappings()]


def _epoch(day) -> float:
    return datetime.combine(day, time(), tzinfo=timezone.utc).timestamp()


def team_actuals(conn: Connection, quarter: Quarter, scope: AdminScope,
                 manager_id: int | None = None) -> dict[tuple[int, str], int]:
    """Per (manager, measure): validated applications of their current mentees decided in
    the quarter, and the conversations they held with them in it; for one manager, or for
    every manager in ``scope`` with a target in the quarter."""
    managers = ([manager_id] if manager_id is not None else
                select(learning_targets.c.manager_id).join(people, people.c.id == learning_targets.c.manager_id)
                .where(learning_targets.c.quarter == str(quarter), within(scope, people.c.platform_id)))
    team = (select(manager_links.c.manager_id, manager_links.c.learner_id)
            .where(manager_links.c.ended_at.is_(None), manager_links.c.manager_id.in_(managers))
            .distinct().subquery())
    v, d, c = validation_requests, validation_decisions, conversations
    validated = (select(team.c.manager_id, func.count(d.c.id))
                 .select_from(team.join(v, v.c.learner_id == team.c.learner_id).join(d, d.c.request_id == v.c.id))
                 .where(v.c.withdrawn_at.is_(None), d.c.outcome == "validated",
                        d.c.decided_at >= _epoch(quarter.starts_on), d.c.decided_at < _epoch(quarter.ends_before))
                 .group_by(team.c.manager_id))
    held = (select(team.c.manager_id, func.count(c.c.id))
            .select_from(team.join(c, and_(c.c.learner_id == team.c.learner_id, c.c.manager_id == team.c.manager_id)))
            .where(c.c.withdrawn_at.is_(None), c.c.held_on >= quarter.starts_on, c.c.held_on < quarter.ends_before)
            .group_by(team.c.manager_id))
    actuals = {(manager, "validated_applications"): n for manager, n in conn.execute(validated)}
    actuals.update({(manager, "conversations_held"): n for manager, n in conn.execute(held)})
    return actuals
