"""Retention: each platform's limits applied once a day by the worker, or on demand.

Private notes are blanked N days after their conversation; withdrawn records are deleted N
days after their withdrawal; a person's records are deleted after N months in which they
neither launched the tool nor had a record change. A dry run lists exactly what a real run
at the same moment removes (one query, adapter/persistence/retention_store.past_limits).
Each removal is audited; copies of deleted records' statements kept in the outbox are
forgotten. Statements already in an LRS stay under the LRS's own retention (withdrawn
records' statements were voided when they were withdrawn).
"""
from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Callable, Mapping

from sqlalchemy import Engine

from adapter.domain.rules import FormChecks, RuleViolations, whole_number
from adapter.domain.translatable import N_
from adapter.persistence import outbox_store, report_summaries, retention_store as store
from adapter.persistence.coaching_store import audit
from adapter.persistence.retention_store import LIMITS, Expired

CHECK_EVERY = 600.0  # seconds between the worker's looks at the calendar


class RetentionSettingsError(RuleViolations):
    """Every limit typed wrong, each under its field's name (``LIMITS``)."""


# How the admin page and the CLI name each limit.
LIMIT_NAMES = {"private_notes_days": N_("Private notes days"), "withdrawn_days": N_("Withdrawn days"),
               "inactive_months": N_("Inactive months")}


def parse_limits(given: Mapping[str, str]) -> dict[str, int | None]:
    """Each limit (``LIMITS``, by name, as typed) a whole number of days or months (1 or
    more), or empty for "keep"."""
    limits: dict[str, int | None] = {}
    checks = FormChecks()
    for name in LIMITS:
        value = str(given.get(name) or "").strip()
        number = whole_number(value)
        if value and (number is None or not 0 < number <= 100000):
            checks.refuse(name, LIMIT_NAMES[name], N_("%(field)s must be a whole number from 1, or empty to keep"))
        limits[name] = number if value else None
    if checks.broken:
        raise RetentionSettingsError(checks.broken)
    return limits


def save_limits(engine: Engine, platform_id: int, limits: dict[str, int | None], actor_id: int | None,
                now: float) -> None:
    with engine.begin() as conn:
        store.save_settings(conn, platform_id, limits, now)
        audit(conn, at=now, actor_id=actor_id, platform_id=platform_id, action="retention.settings_changed",
              record_type="platform", record_id=platform_id, detail=dict(limits))


def limits_of(engine: Engine, platform_id: int) -> dict[str, int | None]:
    with engine.connect() as conn:
        found = store.settings_of(conn, platform_id)
    return {name: found[0][name] if found else None for name in LIMITS}


def dry_run(engine: Engine, now: float, platform_id: int | None = None) -> list[Expired]:
    """What a run at ``now`` would remove; nothing changes."""
    with engine.connect() as conn:
        return [e for limits in store.settings_of(conn, platform_id) for e in store.past_limits(conn, limits, now)]


def run(engine: Engine, now: float, platform_id: int | None = None, via: str = "command line") -> list[Expired]:
    """Remove what is past each platform's limits at ``now``, audited; what was removed."""
    removed: list[Expired] = []
    for limits in _settings(engine, platform_id):
        removed += _run_platform(engine, limits, now, via)
    return removed


def _settings(engine: Engine, platform_id: int | None) -> list[dict]:
    with engine.connect() as conn:
        return store.settings_of(conn, platform_id)


def _run_platform(engine: Engine, limits: dict, now: float, via: str) -> list[Expired]:
    with engine.begin() as conn:
        expired = store.past_limits(conn, limits, now)
        if not expired:
            return []
        deleted = [e for e in expired if e.what == "record"]
        outbox_store.forget(conn, [m.id for m in outbox_store.messages_from(conn, [e.source for e in deleted])])
        store.remove(conn, expired)
        report_summaries.refresh_learners(conn, {e.learner_id for e in expired})
        for e in expired:
            audit(conn, at=now, actor_id=None, platform_id=e.platform_id,
                  action="retention.private_notes_deleted" if e.what == "private notes" else "retention.record_deleted",
                  record_type=e.record_type, record_id=e.record_id,
                  detail={"via": via, "rule": e.rule, "limit": limits[e.rule]})
    return expired


class RetentionJob:
    """A worker job: each platform's retention once per UTC day (whichever worker claims
    the day runs it); between runs it only looks at the calendar every ``check_every`` s."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time, check_every: float = CHECK_EVERY):
        self.engine = engine
        self.clock = clock
        self.check_every = check_every
        self._next_check = 0.0

    def run_once(self) -> int:
        now = self.clock()
        if now < self._next_check:
            return 0
        self._next_check = now + self.check_every
        today = datetime.fromtimestamp(now, timezone.utc).date()
        removed = 0
        for limits in _settings(self.engine, None):
            with self.engine.begin() as conn:
                claimed = store.claim_daily_run(conn, limits["platform_id"], today)
            if claimed:
                removed += len(_run_platform(self.engine, limits, now, "worker"))
        return removed
