"""An in-memory outbox implementing :class:`xapi.outbox.Outbox` for tests and the bench.

Strict on purpose: marking a row the caller did not claim, or settling it twice, raises,
so the tests catch a delivery loop that loses track of a row.
"""

from __future__ import annotations

import copy
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Sequence

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass
class MemoryRow:
    id: int
    target: str
    statement_id: str
    statement: Any
    attempts: int = 0
    next_attempt_at: datetime = EPOCH
    state: str = "pending"  # pending | delivered | dead
    claimed: bool = False
    reason: str | None = None


class MemoryOutbox:
    def __init__(self) -> None:
        self.rows: dict[int, MemoryRow] = {}
        self._pending: dict[int, MemoryRow] = {}  # insertion-ordered: oldest first
        self._lock = threading.Lock()

    def add(self, target: str, statement_id: str, statement: Any) -> int:
        with self._lock:
            row_id = len(self.rows) + 1
            self.rows[row_id] = self._pending[row_id] = MemoryRow(row_id, target, statement_id, statement)
            return row_id

    def claim_due(self, target: str, limit: int, now: datetime, delivered: Sequence[int] = ()) -> Sequence[MemoryRow]:
        if delivered:
            self.mark_delivered(delivered)
        with self._lock:
            due = []
            for row in self._pending.values():
                if len(due) == limit:
                    break
                if row.target == target and not row.claimed and row.next_attempt_at <= now:
                    due.append(row)
            for row in due:
                row.claimed = True
            return [copy.copy(row) for row in due]  # a snapshot, as a database row would be

    def mark_delivered(self, row_ids: Sequence[int]) -> None:
        with self._lock:
            for row in self._held(row_ids):
                row.state, row.claimed = "delivered", False
                del self._pending[row.id]

    def schedule_retry(self, row_ids: Sequence[int], at: datetime, attempts: int, reason: str) -> None:
        with self._lock:
            for row in self._held(row_ids):
                row.claimed, row.next_attempt_at, row.attempts, row.reason = False, at, attempts, reason

    def mark_dead(self, row_id: int, reason: str) -> None:
        with self._lock:
            for row in self._held([row_id]):
                row.state, row.claimed, row.reason = "dead", False, reason
                del self._pending[row.id]

    def _held(self, row_ids: Sequence[int]) -> list[MemoryRow]:
        rows = [self.rows[row_id] for row_id in row_ids]
        for row in rows:
            if not row.claimed or row.state != "pending":
                raise AssertionError(f"row {row.id} settled without being held (state {row.state})")
        return rows

    def counts(self) -> Counter:
        with self._lock:
            return Counter(row.state for row in self.rows.values())

    def held(self) -> list[int]:
        with self._lock:
            return [row.id for row in self.rows.values() if row.claimed]

    def by_state(self, state: str) -> list[MemoryRow]:
        with self._lock:
            return [row for row in self.rows.values() if row.state == state]
