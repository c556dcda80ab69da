"""``coachbridge worker``: deliver statements and scores in the foreground."""
from __future__ import annotations

import logging
import signal
import threading

from adapter.config import Settings
from adapter.worker import Worker, background_jobs

from .common import app_parts


def add_commands(sub) -> None:
    worker = sub.add_parser("worker", help="deliver statements, scores and mail, send reminders, and apply "
                                           "retention daily (foreground)")
    worker.add_argument("--lease", type=float, default=120.0,
                        help="seconds a claimed batch stays with this worker if it dies (default 120)")
    worker.add_argument("--idle-wait", type=float, default=1.0, help="seconds between polls when idle")
    worker.set_defaults(func=deliver)


def deliver(args, settings: Settings) -> int:
    """Deliver the outboxes (and scan for reminders) in the foreground until SIGTERM or SIGINT."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # Heard from the start: a stop asked while the worker migrates and connects ends it as cleanly
    # as one asked later (a process manager's SIGTERM then killed it by the signal).
    stop_asked = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop_asked.set())
    parts = app_parts(settings)
    jobs = background_jobs(parts.engine, parts.cipher, lease=args.lease, public_url=parts.settings.public_url,
                           allow_private_addresses=settings.allow_private_addresses)
    worker = Worker(jobs, idle_wait=args.idle_wait)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: worker.stop())
    if stop_asked.is_set():
        worker.stop()
    print("coachbridge worker: delivering; SIGTERM or Ctrl+C stops it", flush=True)
    worker.run()
    print("coachbridge worker: stopped", flush=True)
    return 0
