"""``coachbridge outbox``: the delivery queues."""
from __future__ import annotations

import sys
import time

from sqlalchemy import Engine

from adapter.config import Settings
from adapter.persistence.outbox_store import queue_status, retry_dead
from adapter.worker import default_jobs, drain

from .common import app_parts, command_group


def add_commands(sub) -> None:
    outbox = command_group(sub, "outbox", "the delivery queues")
    outbox.add_parser("status", help="pending, delivered, dead and oldest pending age per channel and target"
                      ).set_defaults(func=status)
    retry = outbox.add_parser("retry-dead", help="requeue dead messages once their cause is fixed")
    retry.add_argument("--channel", help="xapi or ags (default: every channel)")
    retry.add_argument("--target", help="an LRS endpoint name or platform:<id> (default: every target)")
    retry.set_defaults(func=requeue_dead)
    outbox.add_parser("drain", help="deliver everything due now, then exit (1 if anything is left pending)"
                      ).set_defaults(func=deliver_due)


def print_queues(engine: Engine) -> int:
    """Print the queue table; how many messages are pending."""
    rows = queue_status(engine, time.time())
    print(f"{'channel':8} {'target':30} {'pending':>8} {'delivered':>10} {'dead':>6} {'oldest pending':>15}")
    for q in rows:
        age = f"{q.oldest_pending_age:.0f} s" if q.oldest_pending_age is not None else "-"
        print(f"{q.channel:8} {q.target:30} {q.pending:>8} {q.delivered:>10} {q.dead:>6} {age:>15}")
    return sum(q.pending for q in rows)


def status(args, settings: Settings) -> int:
    print_queues(app_parts(settings).engine)
    return 0


def requeue_dead(args, settings: Settings) -> int:
    count = retry_dead(app_parts(settings).engine, time.time(), channel=args.channel, target=args.target)
    print(f"{count} dead message(s) requeued")
    return 0


def deliver_due(args, settings: Settings) -> int:
    """Deliver everything due now, then exit; 1 if anything is left (a target down or backing off)."""
    parts = app_parts(settings)
    jobs = default_jobs(parts.engine, parts.cipher, allow_private_addresses=settings.allow_private_addresses)
    settled = drain(jobs)
    print(f"{settled} message(s) settled")
    pending = print_queues(parts.engine)
    if pending:
        print(f"{pending} message(s) still pending", file=sys.stderr)
    return 1 if pending else 0
