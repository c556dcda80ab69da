"""The delivery loop: from an outbox to one target, at least once, losing nothing.

One loop for every channel (statements to an LRS, scores to an LMS's gradebook): a
:class:`Deliverer` claims a batch of due rows for its target, hands it to its
:class:`Sender`, and records what the sender made of each row:

- delivered -> marked delivered;
- refused for good (the peer will never take it as it is) -> dead, with the peer's reason;
- the target failed (429, 5xx, timeout, refused connection, auth trouble) -> every row not
  yet settled is rescheduled, and the whole target pauses, with exponential backoff and
  full jitter honouring ``Retry-After`` (a down peer is not hammered by the rows behind).

What a failure is, and how a batch is split to find the rows at fault, is the sender's
business (:class:`xapi.lrs_sender.LrsSender`; the gradebook's in
``adapter/services/gradebook.py``).

:meth:`Deliverer.deliver` runs several batches as a pipeline: while the peer is taking
one batch (sent from the deliverer's own thread), the batch before it is marked
delivered and the next one is claimed, so the database's time overlaps the peer's.
A batch is marked before the one after the next is sent, so a worker killed at any
moment leaves at most two batches sent but not marked (sent again once their claim
ends: a lease lapses, or on PostgreSQL the killed worker's transactions end with its
connections; the LRS keeps one copy per id). A batch claimed ahead and not sent because the
target failed is released with the failed rows.
"""

from __future__ import annotations

import math
import random
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from itertools import groupby
from operator import attrgetter
from queue import SimpleQueue
from typing import Callable, Protocol, Sequence

from xapi.backoff import RetryPolicy
from xapi.outbox import Outbox, OutboxRow
from xapi.outcomes import Retryable


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Settlement:
    """What a sender made of one batch: each row delivered, dead, or left unsettled."""

    delivered: list[OutboxRow] = field(default_factory=list)
    dead: list[tuple[OutboxRow, str]] = field(default_factory=list)  # with the peer's reason
    unsettled: list[OutboxRow] = field(default_factory=list)  # the target failed before settling these
    failure: Retryable | None = None  # why the target failed (with its Retry-After), when it did
    duplicates: int = 0  # delivered rows the peer said it already had
    requests: int = 0

    @property
    def all_delivered(self) -> bool:
        return not self.dead and not self.unsettled


class Sender(Protocol):
    """Sends one batch of rows to one target (an LRS, an LMS's gradebook)."""

    target: str
    batch_limit: int  # how many rows a batch holds; a sender may lower it (an LRS's 413)

    def send(self, rows: Sequence[OutboxRow]) -> Settlement: ...

    def close(self) -> None: ...


@dataclass
class BatchReport:
    """What one :meth:`Deliverer.deliver` did (for logs and metrics)."""

    claimed: int = 0
    delivered: int = 0
    duplicates: int = 0  # delivered rows the peer said it already had
    dead: int = 0
    retried: int = 0
    requests: int = 0
    paused_until: datetime | None = None


class Deliverer:
    """Delivers one target's outbox rows through one :class:`Sender`."""

    def __init__(
        self,
        outbox: Outbox,
        sender: Sender,
        policy: RetryPolicy | None = None,
        clock: Callable[[], datetime] = utc_now,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self.outbox = outbox
        self.sender = sender
        self.target = sender.target
        self.policy = policy or RetryPolicy()
        self._clock = clock
        self._draw = draw
        self.paused_until: datetime | None = None
        self._failures = 0  # consecutive failures of this target
        self._courier = _Courier(f"deliver-{self.target}")

    @property
    def batch_limit(self) -> int:
        return self.sender.batch_limit

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
        stored: Settlement | None = None  # every row delivered: marked while the next batch is out
        batches = 0
        while rows:
            batches += 1
            report.claimed += len(rows)
            ahead: Sequence[OutboxRow] = ()
            if batches < max_batches or stored is not None:
                in_flight = self._courier.submit(self.sender.send, rows)
                try:
                    marking = [row.id for row in stored.delivered] if stored is not None else []
                    if batches < max_batches and time.monotonic() < deadline:
                        # one transaction: the batch before is marked, the next one claimed
                        ahead = self.outbox.claim_due(self.target, self.batch_limit, self._clock(), marking)
                    elif marking:
                        self.outbox.mark_delivered(marking)
                    if stored is not None:
                        self._count_delivered(stored, report)
                        stored = None
                finally:
                    _wait(in_flight)  # never two batches on the way at once
                # A lease shorter than this batch's wait lets the claim take the batch in
                # flight again; it is settled by its own outcome, never sent twice from here.
                sending = {row.id for row in rows}
                ahead = [row for row in ahead if row.id not in sending]
                settlement = in_flight.result()
            else:
                settlement = self.sender.send(rows)
            if settlement.all_delivered and ahead:
                stored = settlement  # marked while ``ahead`` is in flight
            elif self._record(settlement, report) and ahead:
                self._release(ahead, report)
                ahead = ()
            rows = ahead
        return report

    def close(self) -> None:
        """Stop the sending thread and the sender."""
        self._courier.close()
        self.sender.close()

    def _record(self, settlement: Settlement, report: BatchReport) -> bool:
        """Write down what the sender made of a batch; True if the target is now paused."""
        if settlement.delivered:
            self.outbox.mark_delivered([row.id for row in settlement.delivered])
        self._count_delivered(settlement, report)
        for row, reason in settlement.dead:
            self.outbox.mark_dead(row.id, reason)
        report.dead += len(settlement.dead)
        if settlement.unsettled:
            assert settlement.failure is not None, "a sender leaving rows unsettled says why"
            self._retry_later(settlement.unsettled, settlement.failure, report)
            return True
        return False

    def _count_delivered(self, settlement: Settlement, report: BatchReport) -> None:
        if settlement.delivered:
            self._failures = 0
        report.delivered += len(settlement.delivered)
        report.duplicates += settlement.duplicates
        report.requests += settlement.requests

    def _release(self, rows: Sequence[OutboxRow], report: BatchReport) -> None:
        """Rows claimed ahead and never sent: due again when the target's pause ends,
        their attempts unchanged (they were not tried)."""
        assert self.paused_until is not None
        for attempts, group in groupby(sorted(rows, key=attrgetter("attempts")), key=attrgetter("attempts")):
            self.outbox.schedule_retry([row.id for row in group], self.paused_until, attempts,
                                       "not sent: the target failed the batch before")
        report.claimed += len(rows)
        report.retried += len(rows)

    def _retry_later(self, rows: Sequence[OutboxRow], failure: Retryable, report: BatchReport) -> None:
        self._failures += 1
        attempts = max(row.attempts for row in rows) + 1
        delay = self.policy.delay(self._failures, failure.retry_after, self._draw())
        at = self._clock() + timedelta(seconds=delay)
        self.outbox.schedule_retry([row.id for row in rows], at, attempts, failure.reason)
        self.paused_until = at
        report.retried += len(rows)
        report.paused_until = at


class _Courier:
    """One daemon thread running a deliverer's batches in turn, started when first needed
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
