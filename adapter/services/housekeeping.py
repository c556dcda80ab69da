"""Forgetting what has expired, so the tables behind sign-in do not grow forever: a job
the worker runs beside the deliveries (``adapter.worker.default_jobs``)."""
from __future__ import annotations

import logging
import time
from typing import Callable

from sqlalchemy import Engine

from adapter.persistence.lti_stores import SqlLoginStore
from adapter.persistence.session_store import purge_expired_sessions

log = logging.getLogger("coachbridge.housekeeping")
PURGE_EVERY = 300.0  # seconds; several workers purging at once only repeat a delete


class PurgeExpired:
    """Deletes expired web sessions and logins used at most every ``interval`` seconds."""

    def __init__(self, engine: Engine, interval: float = PURGE_EVERY, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.logins = SqlLoginStore(engine)
        self.interval = interval
        self.clock = clock
        self._last: float | None = None

    def run_once(self) -> int:
        """Purge when due; 0 always, as it delivers no message (the worker then waits)."""
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            return 0
        self._last = now
        sessions, logins = purge_expired_sessions(self.engine, now), self.logins.purge_expired(now)
        if sessions or logins:
            log.info("forgot %d expired session(s) and %d expired pending login(s)", sessions, logins)
        return 0
