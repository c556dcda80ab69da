"""The delivery loop: from an outbox to one LRS, at least once, losing nothing.

One :class:`Deliverer` per LRS (target). Each batch ends with every claimed row settled:

- stored (2xx, including identical duplicates) -> delivered;
- 413 -> split in halves down to one statement, and later batches stay at the size
  that was asked for; a single statement too large -> dead;
- 409 or 400/422 -> bisect to find the statement(s) at fault, dead-letter those with
  the LRS's message and deliver the rest;
- 429, 5xx, timeout, refused connection, auth trouble -> every row not yet settled is
  rescheduled, and the whole target pauses, with exponential backoff and full jitter
  honouring ``Retry-After`` (a down LRS is not hammered by the rows behind the batch).

:meth:`Deliverer.deliver` runs several batches as a pipeline: while the LRS is taking
one batch (its POST goes out from the deliverer's own thread), the batch before it is
marked delivered and the next one is claimed, so the database's time overlaps the LRS's.
A batch is marked before the one after the next is sent, so a worker killed at any
moment leaves at most two batches stored but not marked (sent again once their lease
lapses; the LRS keeps one copy per id). A batch claimed ahead and not sent because the
LRS failed is released with the failed rows.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from concurrent.futures import Future
from itertools import groupby
from operator import attrgetter
from queue import SimpleQueue
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable, Sequence

from xapi.backoff import RetryPolicy
from xapi.lrs_client import LrsClient, serialize_batch
from xapi.outbox import Outbox, OutboxRow
from xapi.outcomes import Conflict, PostOutcome, Rejected, Retryable, Stored, TooLarge


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class BatchReport:
    """What one :meth:`Deliverer.deliver_batch` did (for logs and metrics)."""

    claimed: int = 0
    delivered: int = 0
    duplicates: int = 0  # delivered rows the LRS said it already had
    dead: int = 0
    retried: int = 0
    requests: int = 0
    paused_until: datetime | None = None


class Deliverer:
    """Delivers one target's outbox rows through one :class:`LrsClient`."""

    def __init__(
        self,
        outbox: Outbox,
        client: LrsClient,
        policy: RetryPolicy | None = None,
        clock: Callable[[], datetime] = utc_now,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self.outbox = outbox
        self.client = client
        self.target = client.config.name
        self.policy = policy or RetryPolicy()
        self._clock = clock
        self._draw = draw
        self.batch_limit = client.config.batch_size
        self.paused_until: datetime | None = None
        self._failures = 0  # consecutive retryable failures of this target
        self._courier = _Courier(f"lrs-post-{self.target}")

    def deliver_batch(self) -> BatchReport:
        """Claim one batch of due rows and settle each of them."""
        return self.deliver(max_batches=1)

    def deliver(self, max_batches: int = 1, max_seconds: float = math.inf) -> BatchReport:
        """Claim and settle up to ``max_batches`` batches of due rows, claiming each batch
        while the one before is in flight, and no batch more once ``max_seconds`` have
        passed; returns with every claimed row settled."""
        deadline = time.monotonic() + max_seconds
        now = self._clock()
        if self.paused_until is not None and now < self.paused_until:
            return BatchReport(paused_until=self.paused_until)
        report = BatchReport()
        rows = self.outbox.claim_due(self.target, self.batch_limit, now)
        stored: tuple[Sequence[OutboxRow], Stored] | None = None  # to mark while the next batch is out
        batches = 0
        while rows:
            batches += 1
            report.claimed += len(rows)
            body = serialize_batch([row.statement for row in rows])
            ahead: Sequence[OutboxRow] = ()
            if batches < max_batches or stored is not None:
                in_flight = self._courier.submit(self.client.post_body, body)
                try:
                    marking = [row.id for row in stored[0]] if stored is not None else []
                    if batches < max_batches and time.monotonic() < deadline:
                        # one transaction: the batch before is marked, the next one claimed
                        ahead = self.outbox.claim_due(self.target, self.batch_limit, self._clock(), marking)
                    elif marking:
                        self.outbox.mark_delivered(marking)
                    if stored is not None:
                        self._count_stored(*stored, report)
                        stored = None
                finally:
                    _wait(in_flight)  # never two requests on the session at once
                # A lease shorter than this batch's wait lets the claim take the batch in
                # flight again; it is settled by its own outcome, never sent twice from here.
                sending = {row.id for row in rows}
                ahead = [row for row in ahead if row.id not in sending]
                outcome = in_flight.result()
            else:
                outcome = self.client.post_body(body)
            if isinstance(outcome, Stored) and ahead:
                report.requests += 1
                stored = (rows, outcome)  # marked while ``ahead`` is in flight
            elif self._settle(rows, outcome, report) and ahead:
                self._release(ahead, report)
                ahead = ()
            rows = ahead
        return report

    def _mark_stored(self, rows: Sequence[OutboxRow], outcome: Stored, report: BatchReport) -> None:
        self.outbox.mark_delivered([row.id for row in rows])
        self._count_stored(rows, outcome, report)

    def _count_stored(self, rows: Sequence[OutboxRow], outcome: Stored, report: BatchReport) -> None:
        self._failures = 0
        report.delivered += len(rows)
        report.duplicates += _already_stored(rows, outcome)

    def close(self) -> None:
        """Stop the sending thread and close the LRS session."""
        self._courier.close()
        self.client.close()

    def _settle(self, rows: Sequence[OutboxRow], outcome: PostOutcome, report: BatchReport) -> bool:
        """Settle ``rows`` given the LRS's answer to them (splitting and bisecting with
        further requests as needed); True if the target is now paused."""
        pending: deque[list[OutboxRow]] = deque([list(rows)])
        answer: PostOutcome | None = outcome
        while pending:
            chunk = pending.popleft()
            report.requests += 1
            if answer is None:
                answer = self.client.post_statements([row.statement for row in chunk])
            outcome, answer = answer, None
            if isinstance(outcome, Stored):
                self._mark_stored(chunk, outcome, report)
            elif isinstance(outcome, Retryable):
                unsettled = chunk + [row for rest in pending for row in rest]
                self._retry_later(unsettled, outcome, report)
                return True
            else:
                reason = _reason(outcome)
                if len(chunk) == 1:
                    self.outbox.mark_dead(chunk[0].id, reason)
                    report.dead += 1
                    continue
                if isinstance(outcome, TooLarge):
                    self.batch_limit = min(self.batch_limit, max(1, len(chunk) // 2))
                half = len(chunk) // 2
                pending.extendleft([chunk[half:], chunk[:half]])
        return False

    def _release(self, rows: Sequence[OutboxRow], report: BatchReport) -> None:
        """Rows claimed ahead and never sent: due again when the target's pause ends,
        their attempts unchanged (they were not tried)."""
        assert self.paused_until is not None
        for attempts, group in groupby(sorted(rows, key=attrgetter("attempts")), key=attrgetter("attempts")):
            self.outbox.schedule_retry([row.id for row in group], self.paused_until, attempts,
                                       "not sent: the LRS failed the batch before")
        report.claimed += len(rows)
        report.retried += len(rows)

    def _retry_later(self, rows: Sequence[OutboxRow], outcome: Retryable, report: BatchReport) -> None:
        self._failures += 1
        attempts = max(row.attempts for row in rows) + 1
        delay = self.policy.delay(self._failures, outcome.retry_after, self._draw())
        at = self._clock() + timedelta(seconds=delay)
        self.outbox.schedule_retry([row.id for row in rows], at, attempts, outcome.reason)
        self.paused_until = at
        report.retried += len(rows)
        report.paused_until = at


def _already_stored(chunk: Sequence[OutboxRow], outcome: Stored) -> int:
    """How many statements of the chunk the LRS reported as already stored: all of them
    on 204 (no body), those missing from its id list on 200."""
    if outcome.status == 204:
        return len(chunk)
    if not outcome.returned_ids:
        return 0
    returned = set(outcome.returned_ids)
    return sum(1 for row in chunk if row.statement_id not in returned)


def _reason(outcome: Conflict | Rejected | TooLarge) -> str:
    if isinstance(outcome, Conflict):
        return f"409 conflict: {outcome.message}"
    if isinstance(outcome, Rejected):
        return f"{outcome.status} rejected: {outcome.message}"
    return f"413 too large even alone: {outcome.message}"


class _Courier:
    """One daemon thread running a deliverer's POSTs in turn, started when first needed
    (again after a fork), so the caller's thread does the database work meanwhile."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._queue: SimpleQueue = SimpleQueue()
        self._thread: threading.Thread | None = None

    def submit(self, function: Callable, *args) -> Future:
        if self._thread is None or not self._thread.is_alive():
            self._queue = SimpleQueue()
            self._thread = threading.Thread(target=self._serve, args=(self._queue,), name=self.name, daemon=True)
            self._thread.start()
        future: Future = Future()
        self._queue.put((future, function, args))
        return future

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread = None

    @staticmethod
    def _serve(queue: SimpleQueue) -> None:
        while (job := queue.get()) is not None:
            future, function, args = job
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(function(*args))
                except BaseException as error:  # handed to the caller, which re-raises it
                    future.set_exception(error)


def _wait(future: Future) -> None:
    """Wait until ``future`` is done, whatever its outcome."""
    try:
        future.exception()
    except BaseException:
        pass
