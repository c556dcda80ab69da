"""The WSGI entry point gunicorn loads (``coachbridge serve``); migrations ran already.

``coachbridge serve`` sets ``COACHBRIDGE_DELIVERY_THREAD=1`` unless ``--no-worker``: each
gunicorn worker process then delivers the outboxes and applies retention daily in a
background thread (claims are leases, so several of them never send a message twice at
once; one of them claims each day's retention run).
"""
import gc
import os

from adapter import server_date, server_errors, server_headers, server_peers, server_settings
from adapter.logging_setup import configure_logging
from adapter.web import create_app
from adapter.worker import DELIVERY_THREAD, Worker, background_jobs

configure_logging(os.environ.get("COACHBRIDGE_LOG_LEVEL", "INFO"))
server_date.install()
server_peers.install()
server_headers.install()
server_settings.install()
server_errors.install()
app = create_app(migrate=False)
# What startup built (modules, the app, SQLAlchemy's tables, Babel's data: ~170,000 objects)
# lives as long as the worker; frozen, the collector's full passes skip it. Unfrozen, each
# full pass walked all of it: 75-90 ms holding the GIL, about every 15 s per worker at
# 100 launches/s (bench/launch/HISTORY.md, issue 18's fourth session).
gc.freeze()

if os.environ.get(DELIVERY_THREAD) == "1":
    _parts = app.extensions["coachbridge"]
    Worker(background_jobs(_parts.engine, _parts.cipher, public_url=_parts.settings.public_url,
                           allow_private_addresses=_parts.settings.allow_private_addresses)).start()
