"""Prometheus metrics: launches by outcome, deliveries by result, LRS and LMS latency,
and the outbox's depth and oldest age per target (read from the database at scrape time,
so every process reports the same queue).

Under gunicorn every worker counts in its own process; ``PROMETHEUS_MULTIPROC_DIR``
(set by ``coachbridge serve``) makes /metrics add them up across workers.
"""
from __future__ import annotations

import os
import time
from typing import Callable, Iterator

import requests
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import Engine

from xapi.delivery import BatchReport

LAUNCHES = Counter("coachbridge_launches_total", "LTI launches, by outcome (ok or the rejection code)",
                   ["outcome"])
DELIVERIES = Counter("coachbridge_deliveries_total", "Outbox messages settled, by channel and result",
                     ["channel", "target", "result"])
PEER_LATENCY = Histogram("coachbridge_peer_request_seconds", "Time of HTTP calls to LRSs and LMSs", ["peer"],
                         buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


# Each outcome's counter (``labels`` checks and looks up its label values on every call);
# outcomes are "ok" and the validator's fixed rejection codes, so this stays small.
_LAUNCH_COUNTERS: dict[str, Counter] = {}


def record_launch(outcome: str) -> None:
    counter = _LAUNCH_COUNTERS.get(outcome)
    if counter is None:
        counter = _LAUNCH_COUNTERS[outcome] = LAUNCHES.labels(outcome=outcome)
    counter.inc()


def record_delivery(channel: str, target: str, result: str, count: int = 1) -> None:
    if count:
        DELIVERIES.labels(channel=channel, target=target, result=result).inc(count)


def record_report(channel: str, target: str, report: BatchReport) -> None:
    """What one turn of the delivery loop settled for ``target``."""
    record_delivery(channel, target, "delivered", report.delivered)
    record_delivery(channel, target, "dead", report.dead)
    record_delivery(channel, target, "retry", report.retried)


def peer_latency(peer: str) -> Callable[[float], None]:
    """What records one request's duration in seconds to ``peer`` ("lrs" or "lms"), for
    clients that do not go through a requests session (statement batches)."""
    return PEER_LATENCY.labels(peer=peer).observe


def time_peer_requests(session: requests.Session, peer: str) -> requests.Session:
    """Observe every response's elapsed time on ``session`` (peer: "lrs" or "lms")."""
    def observe(response: requests.Response, *args, **kwargs) -> None:
        PEER_LATENCY.labels(peer=peer).observe(response.elapsed.total_seconds())

    session.hooks["response"].append(observe)
    return session


class OutboxCollector:
    """Queue depth per channel and target, straight from the outbox table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from adapter.persistence.outbox_store import queue_status

        pending = GaugeMetricFamily("coachbridge_outbox_pending", "Messages waiting for delivery",
                                    labels=["channel", "target"])
        dead = GaugeMetricFamily("coachbridge_outbox_dead", "Messages the far end refused for good",
                                 labels=["channel", "target"])
        oldest = GaugeMetricFamily("coachbridge_outbox_oldest_pending_seconds",
                                   "Age of the oldest waiting message", labels=["channel", "target"])
        for status in queue_status(self.engine, time.time()):
            labels = [status.channel, status.target]
            pending.add_metric(labels, status.pending)
            dead.add_metric(labels, status.dead)
            oldest.add_metric(labels, status.oldest_pending_age or 0.0)
        yield from (pending, dead, oldest)


def metrics_page(engine: Engine) -> tuple[bytes, str]:
    """The exposition text: this process's (or all workers') counters, plus the outbox."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (LAUNCHES, DELIVERIES, PEER_LATENCY):
            registry.register(collector)
    registry.register(OutboxCollector(engine))
    return generate_latest(registry), CONTENT_TYPE_LATEST
