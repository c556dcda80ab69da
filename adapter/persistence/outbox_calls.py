"""A delivery worker that finds a backlog calls the others in (PostgreSQL's LISTEN/NOTIFY).

An idle worker polls its outbox every ``idle_wait``. With several workers, a burst (an LRS
back after an outage, a bulk import) was taken up by the first whose poll came round, and
the others joined one by one as theirs did, up to ``idle_wait`` later (bench/scale: 0.1–0.3
s of a 0.5 s drain at 4 workers). A worker whose first claim after idling comes back full
says so on a channel every worker listens to, and the idle ones take their turn at once.
A call missed (a listener reconnecting) only means waiting for the next poll, as before.
SQLite has no such channel: nothing is sent or heard, the workers poll.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

CHANNEL = "coachbridge_outbox"  # the payload says which outbox channel ("xapi")
LISTEN_SLICE = 1.0  # seconds: how long a listener waits for a call before looking whether to stop
RECONNECT_WAIT = 5.0  # seconds before a listener whose connection failed connects again

log = logging.getLogger("coachbridge.worker")


class BacklogCalls:
    """Calls for one outbox channel: :meth:`call` the other workers, :meth:`listen` for calls."""

    def __init__(self, engine: Engine, channel: str) -> None:
        self.engine = engine
        self.channel = channel
        self.enabled = engine.dialect.name == "postgresql"

    def call(self) -> None:
        """Tell every listening worker (this one's too) that this channel has a backlog."""
        if not self.enabled:
            return
        try:
            with self.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "SELECT pg_notify(%s, %s)", (CHANNEL, self.channel))
        except SQLAlchemyError as error:  # the others then join at their next poll, as without calls
            log.warning("outbox %s: could not call the other workers in (%s)", self.channel, error)

    def listen(self, heard: threading.Event, stop: threading.Event) -> threading.Thread | None:
        """A daemon thread setting ``heard`` at each call for this channel until ``stop`` is
        set (None on SQLite); its connection is its own, outside the engine's pool."""
        if not self.enabled:
            return None
        thread = threading.Thread(target=self._listen, args=(heard, stop), daemon=True,
                                  name=f"backlog-calls-{self.channel}")
        thread.start()
        return thread

    def _listen(self, heard: threading.Event, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                conn = self._connection()
                try:
                    while not stop.is_set():
                        for call in conn.notifies(timeout=LISTEN_SLICE):
                            if call.payload == self.channel:
                                heard.set()
                finally:
                    conn.close()
            except Exception as error:  # the server restarted, the network dropped: poll meanwhile
                log.warning("outbox %s: not hearing backlog calls (%s); polling until reconnected",
                            self.channel, error)
                stop.wait(RECONNECT_WAIT)

    def _connection(self) -> Any:
        proxied = self.engine.raw_connection()
        proxied.detach()  # its own: it stays in LISTEN for the worker's life
        conn = proxied.dbapi_connection
        conn.autocommit = True
        conn.execute("LISTEN " + CHANNEL)
        return conn
