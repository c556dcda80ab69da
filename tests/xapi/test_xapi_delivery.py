"""The delivery loop against scripted answers of a real HTTP LRS stand-in: split on 413,
bisect on 409/400, back off on 429/5xx/timeouts, never lose a row."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from xapi.backoff import RetryPolicy
from xapi.delivery import Deliverer
from xapi.lrs_client import LrsClient, LrsConfig
from xapi.lrs_sender import LrsSender
from .xapi_fault_lrs import Fault, FaultLrs
from .xapi_memory_outbox import MemoryOutbox

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


LRS: FaultLrs  # the running test's LRS stand-in (set by the autouse fixture below)


@pytest.fixture(autouse=True)
def scripted_lrs(fault_lrs):
    global LRS
    LRS = fault_lrs
    return fault_lrs


def setup(count, batch_size=10, policy=None, read_timeout=30.0):
    outbox = MemoryOutbox()
    for index in range(count):
        statement_id = f"00000000-0000-0000-0000-{index:012d}"
        outbox.add("lrs", statement_id, {"id": statement_id, "n": index})
    clock = Clock()
    client = LrsClient(LrsConfig(name="lrs", endpoint=LRS.endpoint, batch_size=batch_size, read_timeout=read_timeout))
    deliverer = Deliverer(outbox, LrsSender(client), policy or RetryPolicy(base=1, cap=60), clock=clock, draw=lambda: 0.5)
    return outbox, deliverer, clock


def lrs(rule):
    """Script the statements resource: ``rule(ids)`` -> (status, headers, body); returns
    the ids of each POST, as they arrive."""
    return LRS.answer_with(rule)


def stored(ids):
    return 200, {}, json.dumps(ids)


def test_a_batch_is_delivered_in_one_request():
    outbox, deliverer, _ = setup(10)
    posted = lrs(stored)
    report = deliverer.deliver_batch()
    assert (report.claimed, report.delivered, report.requests) == (10, 10, 1)
    assert outbox.counts() == {"delivered": 10} and posted == [[row.statement_id for row in outbox.rows.values()]]


def test_duplicates_are_delivered_and_counted():
    outbox, deliverer, _ = setup(4)
    lrs(lambda ids: stored(ids[:1]))  # the LRS lists only the one it did not know
    report = deliverer.deliver_batch()
    assert report.delivered == 4 and report.duplicates == 3


def test_413_splits_down_and_later_batches_stay_small():
    outbox, deliverer, _ = setup(20, batch_size=16)
    posted = lrs(lambda ids: (413, {}, "too big") if len(ids) > 3 else stored(ids))
    while outbox.counts()["pending"]:
        deliverer.deliver_batch()
    assert outbox.counts() == {"delivered": 20}
    assert deliverer.batch_limit <= 3
    assert max(len(ids) for ids in posted[-2:]) <= 3


def test_a_single_statement_too_large_is_dead():
    outbox, deliverer, _ = setup(4)
    big = outbox.rows[3].statement_id
    lrs(lambda ids: (413, {}, "too big") if big in ids else stored(ids))
    deliverer.deliver_batch()
    assert outbox.counts() == {"delivered": 3, "dead": 1}
    assert outbox.rows[3].reason.startswith("413")


def test_409_bisects_and_dead_letters_only_the_conflicting_statement():
    outbox, deliverer, _ = setup(16, batch_size=16)
    bad = outbox.rows[11].statement_id
    posted = lrs(lambda ids: (409, {}, f"differs: {bad}") if bad in ids else stored(ids))
    report = deliverer.deliver_batch()
    assert outbox.counts() == {"delivered": 15, "dead": 1}
    assert outbox.rows[11].state == "dead" and f"409 conflict: differs: {bad}" == outbox.rows[11].reason
    assert report.requests == len(posted) <= 1 + 2 * 4  # bisection: two requests per level
    assert sum(len(ids) for ids in posted if bad not in ids) == 15  # each good one sent once after the first try


def test_400_bisects_and_keeps_the_lrs_message_for_each_bad_one():
    outbox, deliverer, _ = setup(10)
    bad = {outbox.rows[2].statement_id, outbox.rows[9].statement_id}
    lrs(lambda ids: (400, {}, "invalid: " + ",".join(sorted(bad & set(ids)))) if bad & set(ids) else stored(ids))
    deliverer.deliver_batch()
    assert outbox.counts() == {"delivered": 8, "dead": 2}
    for row in outbox.by_state("dead"):
        assert row.reason == f"400 rejected: invalid: {row.statement_id}"


def test_429_honours_retry_after_and_pauses_the_target():
    outbox, deliverer, clock = setup(25)
    posted = lrs(lambda ids: (429, {"Retry-After": "30"}, "slow down"))
    report = deliverer.deliver_batch()
    assert report.retried == 10 and report.paused_until == START + timedelta(seconds=30)
    assert deliverer.deliver_batch().claimed == 0  # paused: the other 15 due rows wait too
    assert len(posted) == 1
    retried = [row for row in outbox.rows.values() if row.attempts]
    assert len(retried) == 10 and all(row.next_attempt_at == START + timedelta(seconds=30) for row in retried)
    assert outbox.counts() == {"pending": 25} and outbox.held() == []


def test_5xx_backs_off_exponentially_with_jitter_capped_and_resets_on_success():
    outbox, deliverer, clock = setup(2, batch_size=1, policy=RetryPolicy(base=2, cap=10))
    answers = iter([503, 500, 502, 503, 504, 200, 503])
    lrs(lambda ids: stored(ids) if (status := next(answers)) == 200 else (status, {}, "down"))
    delays = []
    for _ in range(7):
        report = deliverer.deliver_batch()
        if report.paused_until:
            delays.append((report.paused_until - clock.now).total_seconds())
            clock.now = report.paused_until  # the rescheduled row is due again then
    # draw = 0.5: half of min(cap, base * 2**(failures - 1)); back to the start after a success
    assert delays == [1.0, 2.0, 4.0, 5.0, 5.0, 1.0]
    assert outbox.counts() == {"delivered": 1, "pending": 1}
    assert outbox.rows[1].attempts == 5 and outbox.rows[2].attempts == 1


@pytest.mark.parametrize("trouble, error", [("hang", "ReadTimeoutError"), ("down", "NewConnectionError")])
def test_timeouts_and_refusals_reschedule_everything(trouble, error):
    outbox, deliverer, _ = setup(10, read_timeout=0.2)
    lrs(stored)
    if trouble == "hang":
        LRS.inject(Fault(hang=0.6))
    else:
        LRS.go_down()
    report = deliverer.deliver_batch()
    assert report.retried == 10 and outbox.counts() == {"pending": 10} and outbox.held() == []
    assert all(row.attempts == 1 and row.reason.startswith(error) for row in outbox.rows.values())


def test_a_failure_mid_bisection_keeps_what_was_settled_and_reschedules_the_rest():
    outbox, deliverer, _ = setup(8)
    bad = outbox.rows[1].statement_id

    def rule(ids):  # the 6th request finds the LRS down
        if len(posted) >= 6:
            return 503, {}, "down"
        return (409, {}, "conflict") if bad in ids else stored(ids)

    posted = lrs(rule)
    report = deliverer.deliver_batch()
    # [1-8] 409, [1-4] 409, [1-2] 409, [1] 409 -> dead, [2] stored, [3-4] 503 -> 3..8 rescheduled
    assert [len(ids) for ids in posted] == [8, 4, 2, 1, 1, 2]
    assert (report.dead, report.delivered, report.retried) == (1, 1, 6)
    assert outbox.rows[1].state == "dead" and outbox.rows[2].state == "delivered"
    assert all(outbox.rows[n].state == "pending" and outbox.rows[n].attempts == 1 for n in range(3, 9))
    assert outbox.held() == []


def test_retry_policy():
    policy = RetryPolicy(base=1, cap=8, max_retry_after=100)
    assert [policy.delay(n, None, 0.999999) for n in (1, 2, 3, 4, 5, 50)] == pytest.approx([1, 2, 4, 8, 8, 8], rel=1e-5)
    assert policy.delay(3, None, 0.0) == 0.0
    assert policy.delay(1, 30, 0.5) == 30 and policy.delay(1, 1000, 0.5) == 100
    assert policy.delay(10_000, None, 0.5) == 4


class WatchedOutbox(MemoryOutbox):
    """Counts its claims (``claimed`` is notified on each)."""

    def __init__(self) -> None:
        super().__init__()
        self.claims = 0
        self.claimed = threading.Condition()

    def claim_due(self, target, limit, now, delivered=()):
        rows = super().claim_due(target, limit, now, delivered)
        with self.claimed:
            self.claims += 1
            self.claimed.notify_all()
        return rows


def pipelined(count, batch_size=10):
    outbox = WatchedOutbox()
    for index in range(count):
        statement_id = f"00000000-0000-0000-0000-{index:012d}"
        outbox.add("lrs", statement_id, {"id": statement_id, "n": index})
    client = LrsClient(LrsConfig(name="lrs", endpoint=LRS.endpoint, batch_size=batch_size))
    return outbox, Deliverer(outbox, LrsSender(client), RetryPolicy(base=1, cap=60), clock=Clock(), draw=lambda: 0.5)


def watched_lrs(outbox, rule, wait=2.0):
    """Like :func:`lrs`, and the n-th POST is answered only once claim n + 1 is made (or
    after ``wait`` seconds): ``overlapped`` says, for each, whether the next claim came
    while it was in flight."""
    overlapped = []

    def watched(ids):
        with outbox.claimed:
            overlapped.append(outbox.claimed.wait_for(lambda: outbox.claims > len(overlapped) + 1, wait))
        return rule(ids)

    return lrs(watched), overlapped


def test_deliver_claims_the_next_batch_while_the_lrs_takes_the_current_one():
    outbox, deliverer = pipelined(35)
    posted, overlapped = watched_lrs(outbox, stored)
    report = deliverer.deliver(max_batches=10)
    assert (report.claimed, report.delivered, report.requests) == (35, 35, 4)
    assert outbox.counts() == {"delivered": 35} and outbox.held() == []
    assert [ids for batch in posted for ids in batch] == [row.statement_id for row in outbox.rows.values()]
    # batches 2-4 and the last (empty) claim were made while the POST before was in flight
    assert outbox.claims == 5 and overlapped == [True] * 4


def test_a_stored_batch_is_marked_while_the_next_one_is_in_flight():
    outbox, deliverer = pipelined(30)
    posted = lrs(stored)
    next_batch_out = []  # for each mark: had the LRS received the next batch already?

    def mark_delivered(row_ids, _mark=outbox.mark_delivered):
        deadline = time.monotonic() + 0.5
        while len(posted) <= len(next_batch_out) + 1 and time.monotonic() < deadline:
            time.sleep(0.005)
        next_batch_out.append(len(posted) > len(next_batch_out) + 1)
        _mark(row_ids)

    outbox.mark_delivered = mark_delivered
    report = deliverer.deliver(max_batches=10)
    assert (report.claimed, report.delivered, report.requests) == (30, 30, 3)
    assert next_batch_out == [True, True, False]  # the last one has no next batch
    assert outbox.counts() == {"delivered": 30} and outbox.held() == []


def test_deliver_stops_after_max_batches_with_every_claimed_row_settled():
    outbox, deliverer = pipelined(50)
    posted, overlapped = watched_lrs(outbox, stored, wait=0.3)
    report = deliverer.deliver(max_batches=3)
    assert (report.claimed, report.delivered, report.requests) == (30, 30, 3)
    assert outbox.counts() == {"delivered": 30, "pending": 20} and outbox.held() == []
    assert overlapped == [True, True, False]  # nothing is claimed ahead of the last batch


def test_deliver_claims_no_batch_ahead_once_its_time_is_up():
    outbox, deliverer = pipelined(50)
    lrs(stored)
    report = deliverer.deliver(max_batches=10, max_seconds=0)
    assert (report.claimed, report.delivered) == (10, 10)
    assert outbox.counts() == {"delivered": 10, "pending": 40} and outbox.claims == 1


def test_a_failed_batch_releases_the_batch_claimed_ahead_untried():
    outbox, deliverer = pipelined(30)
    answers = iter([200, 503])
    posted, _ = watched_lrs(outbox, lambda ids: stored(ids) if next(answers) == 200 else (503, {"Retry-After": "30"}, "down"))
    report = deliverer.deliver(max_batches=10)
    assert len(posted) == 2  # the third batch, claimed while the second failed, is not sent
    assert (report.claimed, report.delivered, report.retried) == (30, 10, 20)
    assert report.paused_until == START + timedelta(seconds=30)
    assert outbox.counts() == {"delivered": 10, "pending": 20} and outbox.held() == []
    pending = [row for row in outbox.rows.values() if row.state == "pending"]
    assert all(row.next_attempt_at == START + timedelta(seconds=30) for row in pending)
    assert [row.attempts for row in pending] == [1] * 10 + [0] * 10  # tried once / never tried
    assert all(row.reason.startswith("not sent") for row in pending[10:])


def test_a_conflict_mid_pipeline_is_bisected_and_the_batch_claimed_ahead_goes_on():
    outbox, deliverer = pipelined(30)
    bad = outbox.rows[14].statement_id
    lrs(lambda ids: (409, {}, "differs") if bad in ids else stored(ids))
    report = deliverer.deliver(max_batches=10)
    assert outbox.counts() == {"delivered": 29, "dead": 1} and outbox.held() == []
    assert (report.claimed, report.delivered, report.dead) == (30, 29, 1)
    assert outbox.rows[14].state == "dead"


def test_a_database_error_while_claiming_ahead_waits_for_the_post_in_flight():
    outbox, deliverer = pipelined(20)
    calls = []

    def failing_claim(target, limit, now, delivered=(), _claim=outbox.claim_due):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("database gone")
        return _claim(target, limit, now, delivered)

    outbox.claim_due = failing_claim
    answered = threading.Event()

    def slow(ids):
        time.sleep(0.2)
        answered.set()
        return stored(ids)

    lrs(slow)
    with pytest.raises(RuntimeError, match="database gone"):
        deliverer.deliver(max_batches=10)
    assert answered.is_set()  # the POST finished before the error was raised: the session is free
    deliverer.close()


class LapsingOutbox(WatchedOutbox):
    """A lease shorter than a POST: every claim hands back the rows still in flight too."""

    def claim_due(self, target, limit, now, delivered=()):
        if delivered:
            self.mark_delivered(delivered)
        in_flight = [row for row in self.rows.values() if row.claimed and row.state == "pending"]
        return [*in_flight, *super().claim_due(target, limit, now)]


def test_a_lapsed_lease_never_sends_the_batch_in_flight_twice():
    outbox = LapsingOutbox()
    for index in range(25):
        statement_id = f"00000000-0000-0000-0000-{index:012d}"
        outbox.add("lrs", statement_id, {"id": statement_id, "n": index})
    client = LrsClient(LrsConfig(name="lrs", endpoint=LRS.endpoint, batch_size=10))
    deliverer = Deliverer(outbox, LrsSender(client), RetryPolicy(base=1, cap=60), clock=Clock(), draw=lambda: 0.5)
    posted = lrs(stored)
    report = deliverer.deliver(max_batches=10)
    sent = [statement_id for batch in posted for statement_id in batch]
    assert len(sent) == len(set(sent)) == 25
    assert report.delivered == 25 and outbox.counts() == {"delivered": 25}
