"""``coachbridge serve``: the tool under gunicorn (production)."""
from __future__ import annotations

import os
import shutil
import sys

from adapter.config import Settings
from adapter.worker import DELIVERY_THREAD

from .keys import key_store


def add_commands(sub) -> None:
    serve = sub.add_parser("serve", help="run the tool under gunicorn (production)")
    serve.add_argument("--bind", default="127.0.0.1:8000")
    serve.add_argument("--workers", type=int, default=2)
    serve.add_argument("--threads", type=int, default=4)
    serve.add_argument("--no-worker", action="store_true", help="do not deliver outboxes here (run `worker`)")
    serve.set_defaults(func=run_gunicorn)


def run_gunicorn(args, settings: Settings) -> int:
    """Production: gunicorn with the app factory; migrations run once, before forking.
    Each gunicorn worker also delivers the outboxes in a thread unless ``--no-worker``."""
    settings.check()
    key_store(settings).seal_plaintext_keys()
    os.environ[DELIVERY_THREAD] = "0" if args.no_worker else "1"
    # Each gunicorn worker counts its own metrics; this folder lets /metrics add them up.
    metrics_dir = settings.instance_path / "prometheus"
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    # No gunicorn access log: the app logs each request as JSON, with secrets scrubbed
    # (a sign-in link's token is in its path).
    argv = ["gunicorn", "--bind", args.bind, "--workers", str(args.workers), "--threads", str(args.threads),
            "adapter.wsgi:app"]
    os.execvp(sys.executable, [sys.executable, "-m", *argv])
    return 0  # not reached
