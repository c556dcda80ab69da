"""The delivery worker: drains the outboxes (and runs the reminder scan) until told to stop.

Work comes as *delivery jobs*, anything with ``run_once() -> int`` that delivers what is
due now and says how many messages it settled (delivered or dead-lettered; 0 means idle
or backing off, so the worker waits ``idle_wait`` before asking again). Each job runs in
its own thread, so a slow LMS never holds up the LRSs or the other way round. To add a
job, pass it in ``jobs`` (``default_jobs`` lists the ones ``coachbridge worker``,
``serve`` and ``demo`` run).

Several workers may run at once (threads, processes, machines): each message is held by
one worker at a time, and one killed mid-batch only delays its claimed messages until the
lease lapses (on PostgreSQL, xAPI statements are held by the claim's open transaction
instead, free as soon as the killed worker's connections close); the reminder scan runs
in whichever worker takes its turn in the database (adapter/services/reminders.py).
"""
from __future__ import annotations

import logging
import threading
from typing import Protocol, Sequence

import requests
from sqlalchemy import Engine

from adapter.metrics import peer_latency, record_report, time_peer_requests

from adapter.persistence import lrs_store
from adapter.persistence.key_cipher import KeyCipher, KeyEncryptionError
from adapter.persistence.key_store import ToolKeyStore
from adapter.persistence.outbox_store import CLAIM_LEASE_SECONDS, SqlOutbox
from adapter.services.gradebook import ScoreDeliveryJob
from adapter.services.housekeeping import PurgeExpired
from adapter.services.lms_services import LmsAccess
from adapter.services.lrs_settings import lrs_client
from adapter.services.mail_delivery import MailDelivery
from adapter.services.reminders import ReminderScan
from adapter.services.retention import RetentionJob
from adapter.services.xapi_bridge import CHANNEL as XAPI
from xapi.backoff import RetryPolicy
from xapi.delivery import Deliverer
from xapi.lrs_sender import LrsSender

log = logging.getLogger("coachbridge.worker")
DELIVERY_THREAD = "COACHBRIDGE_DELIVERY_THREAD"  # "1": each `coachbridge serve` process delivers too


class DeliveryJob(Protocol):
    def run_once(self) -> int:
        """Deliver what is due now; how many messages were settled."""


class XapiDelivery:
    """One :class:`Deliverer` per active LRS endpoint over the ``xapi`` outbox channel.

    The endpoints are re-read every ``refresh`` seconds: an endpoint added, changed
    (e.g. a new password) or disabled on the settings page is picked up without a restart.
    The LRSs are served in turn, each for up to ``turn_seconds`` (or ``batches_per_turn``
    batches, whichever ends first), pipelined: the next batch is claimed, and the one
    before marked, while the LRS takes the current one. A turn starts and ends the pipeline,
    so turns are long enough for a busy outbox to stream (in the benchmark, turns of 10
    batches drained ~15 % slower than turns of 50); a hanging LRS holds the others up for
    at most its read timeout, after which it backs off. Each LRS is reached only where its
    endpoint may reach (``allow_private_addresses``: see adapter/services/lrs_settings.py);
    a refused connection backs off like any other failure.
    """

    def __init__(self, engine: Engine, cipher: KeyCipher | None, lease: float = CLAIM_LEASE_SECONDS,
                 policy: RetryPolicy | None = None, refresh: float = 2.0, batches_per_turn: int = 1000,
                 turn_seconds: float = 0.5, allow_private_addresses: bool = False) -> None:
        self.engine = engine
        self.cipher = cipher
        self.allow_private_addresses = allow_private_addresses
        self.outbox = SqlOutbox(engine, XAPI, lease=lease, hold_claims=True)
        self.policy = policy or RetryPolicy()
        self.refresh = refresh
        self.batches_per_turn = batches_per_turn
        self.turn_seconds = turn_seconds
        self._deliverers: dict[str, tuple[lrs_store.LrsEndpoint, Deliverer]] = {}
        self._read_at: float | None = None

    def deliverers(self) -> list[Deliverer]:
        now = self.outbox.clock()
        if self._read_at is None or now - self._read_at >= self.refresh:
            self._read_at = now
            with self.engine.connect() as conn:
                self._update(lrs_store.endpoints(conn, active_only=True))
        return [deliverer for _, deliverer in self._deliverers.values()]

    def _update(self, active: list[lrs_store.LrsEndpoint]) -> None:
        current: dict[str, tuple[lrs_store.LrsEndpoint, Deliverer]] = {}
        for endpoint in active:
            known = self._deliverers.pop(endpoint.name, None)
            if known is not None and known[0] == endpoint:
                current[endpoint.name] = known
                continue
            if known is not None:
                known[1].close()
            try:
                client = lrs_client(endpoint, self.cipher, self.allow_private_addresses,
                                    session=time_peer_requests(requests.Session(), "lrs"), observe=peer_latency("lrs"))
            except KeyEncryptionError as error:
                log.error("LRS %s: cannot read its secret: %s", endpoint.name, error)
                continue
            except ValueError as error:  # e.g. a proxy URL in the environment it cannot use
                log.error("LRS %s: cannot connect as configured: %s", endpoint.name, error)
                continue
            current[endpoint.name] = (endpoint, Deliverer(self.outbox, LrsSender(client), self.policy))
        for _, gone in self._deliverers.values():
            gone.close()
        self._deliverers = current

    def run_once(self) -> int:
        settled = 0
        for deliverer in self.deliverers():
            report = deliverer.deliver(self.batches_per_turn, self.turn_seconds)
            record_report(XAPI, deliverer.target, report)
            settled += report.delivered + report.dead
            if report.dead:
                log.warning("LRS %s: %d statement(s) dead-lettered", deliverer.target, report.dead)
        return settled


def default_jobs(engine: Engine, cipher: KeyCipher | None, lease: float = CLAIM_LEASE_SECONDS,
                 allow_private_addresses: bool = False) -> list[DeliveryJob]:
    """xAPI statements to the LRSs, AGS scores to the LMSs' gradebooks, mail, and forgetting
    expired sessions and the logins used."""
    access = LmsAccess(engine, ToolKeyStore(engine, cipher), cipher, allow_private_addresses)
    return [XapiDelivery(engine, cipher, lease=lease, allow_private_addresses=allow_private_addresses),
            ScoreDeliveryJob(access, lease=lease),
            MailDelivery(engine, cipher, lease=lease), PurgeExpired(engine)]


def background_jobs(engine: Engine, cipher: KeyCipher | None, lease: float = CLAIM_LEASE_SECONDS,
                    public_url: str = "", allow_private_addresses: bool = False) -> list[DeliveryJob]:
    """What a long-running worker does: the deliveries, the reminder scan (``public_url``:
    where the unsubscribe links in reminders point), and each platform's retention once a day."""
    return [*default_jobs(engine, cipher, lease, allow_private_addresses), ReminderScan(engine, public_url),
            RetentionJob(engine)]


def drain(jobs: Sequence[DeliveryJob]) -> int:
    """Run each job until it has nothing due (or backs off); how many were settled."""
    total = 0
    for job in jobs:
        while settled := job.run_once():
            total += settled
    return total


class Worker:
    def __init__(self, jobs: Sequence[DeliveryJob], idle_wait: float = 1.0) -> None:
        self.jobs = list(jobs)
        self.idle_wait = idle_wait
        self.stop_event = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> "Worker":
        """Run every job in a daemon thread and return (``serve`` and ``demo``)."""
        self._threads = [threading.Thread(target=self._loop, args=(job,), daemon=True,
                                          name=f"delivery-{type(job).__name__}") for job in self.jobs]
        for thread in self._threads:
            thread.start()
        return self

    def run(self) -> None:
        """Run in the foreground until :meth:`stop` (``coachbridge worker``; signals call it)."""
        self.start()
        while not self.stop_event.wait(0.5):
            pass
        self.join()

    def stop(self) -> None:
        self.stop_event.set()

    def join(self, timeout: float | None = None) -> None:
        for thread in self._threads:
            thread.join(timeout)

    def _loop(self, job: DeliveryJob) -> None:
        while not self.stop_event.is_set():
            try:
                settled = job.run_once()
            except Exception:  # a bug or a database hiccup must not end deliveries for good
                log.exception("delivery job %s failed; retrying", type(job).__name__)
                settled = 0
            if not settled:
                self.stop_event.wait(self.idle_wait)
