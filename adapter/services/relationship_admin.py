"""The relationships admin page: who manages whom on a platform, from which sources,
since when; removing a pair (audited; the learner's records stay); a CSV export."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine

from adapter.domain.authorization import NotFound
from adapter.domain.relationships import PRECEDENCE
from adapter.domain.withdrawal import Withdrawal, require_withdrawal
from adapter.persistence import relationships_store as links
from adapter.persistence.coaching_store import audit
from adapter.reports.dashboards import spreadsheet_cell


def pairs(engine: Engine, platform_id: int, person: str = "") -> list[dict[str, Any]]:
    """One row per current learner → manager pair: its sources strongest first (the first
    is the one that counts, see PRECEDENCE) and the date of its oldest current link."""
    with engine.connect() as conn:
        rows = links.current_pairs(conn, platform_id, person)
    merged: dict[tuple[int, int], dict[str, Any]] = {}
    for row in rows:
        pair = merged.setdefault((row["learner_id"], row["manager_id"]), {
            "learner_id": row["learner_id"], "manager_id": row["manager_id"],
            "learner": _name(row, "learner"), "manager": _name(row, "manager"),
            "learner_email": row["learner_email"], "manager_email": row["manager_email"],
            # Known from an import, provisioning or a nomination, matched at their first launch.
            "learner_expected": row["learner_launched"] is None, "manager_expected": row["manager_launched"] is None,
            "sources": [], "since": row["created_at"]})
        pair["sources"].append(row["source"])
        pair["since"] = min(pair["since"], row["created_at"])
    for pair in merged.values():
        pair["sources"].sort(key=lambda source: PRECEDENCE.index(source) if source in PRECEDENCE else len(PRECEDENCE))
        pair["since_date"] = datetime.fromtimestamp(pair["since"], tz=timezone.utc).date()
    return list(merged.values())


def _name(row: dict[str, Any], side: str) -> str:
    return row[f"{side}_name"] or row[f"{side}_email"] or row[f"{side}_sub"]


def remove_pair(engine: Engine, platform_id: int, learner_id: int, manager_id: int, admin_id: int | None,
                now: float) -> list[str]:
    """End the pair for every source; its history and the learner's records stay."""
    with engine.begin() as conn:
        if {links.platform_of_person(conn, learner_id), links.platform_of_person(conn, manager_id)} != {platform_id}:
            raise NotFound("no such pair on this platform")
        sources = links.end_pair(conn, learner_id, manager_id, now)
        if not sources:
            raise NotFound("no such current pair")
        audit(conn, at=now, actor_id=admin_id, platform_id=platform_id, action="relationship.removed",
              record_type="manager_link", record_id=learner_id, detail={"manager_id": manager_id, "sources": sources})
    return sources


def _removal(conn, platform_id: int, learner_id: int, manager_id: int) -> Withdrawal | None:
    if {links.platform_of_person(conn, learner_id), links.platform_of_person(conn, manager_id)} != {platform_id}:
        return None
    removed = links.removed_pair(conn, learner_id, manager_id)
    return Withdrawal("manager_link", learner_id, removed[1], removed[0]) if removed else None


def may_undo_removal(engine: Engine, platform_id: int, learner_id: int, manager_id: int, admin_id: int | None,
                     now: float) -> bool:
    with engine.connect() as conn:
        removal = _removal(conn, platform_id, learner_id, manager_id)
    return removal is not None and removal.may_be_undone_by(admin_id, now)


def undo_removal(engine: Engine, platform_id: int, learner_id: int, manager_id: int, admin_id: int | None,
                 now: float) -> list[str]:
    """The admin who removed a pair takes it back, for a short time (adapter/domain/
    withdrawal.py): its links from every source it had are current again."""
    with engine.begin() as conn:
        removal = require_withdrawal(_removal(conn, platform_id, learner_id, manager_id))
        removal.require_undoable_by(admin_id, now)
        sources = links.restore_pair(conn, learner_id, manager_id, removal.withdrawn_at)
        audit(conn, at=now, actor_id=admin_id, platform_id=platform_id, action="relationship.restored",
              record_type="manager_link", record_id=learner_id, detail={"manager_id": manager_id, "sources": sources})
    return sources


def pairs_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["learner", "learner_email", "manager", "manager_email", "source", "all_sources", "since"])
    for row in rows:
        writer.writerow([*map(spreadsheet_cell, (row["learner"], row["learner_email"], row["manager"],
                                                 row["manager_email"])),
                         row["sources"][0], " ".join(row["sources"]), row["since_date"].isoformat()])
    return out.getvalue()
