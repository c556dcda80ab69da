"""What the database is asked during a block: every statement on SQLite, every round trip on
PostgreSQL."""
from __future__ import annotations

import re
import tempfile
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import Engine, event

_SENT = re.compile(r'^F\t\d+\t(?:Query|Parse)\t (?:"" )?"(.*)')


@contextmanager
def traced(engine: Engine) -> Iterator[list[str]]:
    """SQLite: each statement as sqlite3's trace callback sees it (BEGIN and COMMIT included).
    PostgreSQL: each round trip (libpq's trace, one per ReadyForQuery), named by the first
    statement it sent. Connections checked out inside the block are traced from after the
    pool's own checkout work (the ping of an idle connection) to their checkin; on a SQLite file
    the kept connections (database.thread_connection) too, from the block's start to its end."""
    seen: list[str] = []
    postgresql = engine.dialect.name == "postgresql"
    trace_file = tempfile.TemporaryFile("w+") if postgresql else None
    kept = getattr(engine, "kept_connections", None)
    kept_traced = [conn.connection.dbapi_connection for conn in kept.idle] if kept is not None else []
    for dbapi_connection in kept_traced:
        dbapi_connection.set_trace_callback(seen.append)

    def checkout(dbapi_connection, record, proxy):
        if postgresql:
            from psycopg.pq import Trace

            dbapi_connection.pgconn.trace(trace_file.fileno())
            dbapi_connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS)
        else:
            dbapi_connection.set_trace_callback(seen.append)
            kept_traced.append(dbapi_connection)  # kept after the block, perhaps

    def checkin(dbapi_connection, record):
        if postgresql:
            dbapi_connection.pgconn.untrace()
        else:
            dbapi_connection.set_trace_callback(None)
    event.listen(engine, "checkout", checkout)
    event.listen(engine, "checkin", checkin)
    try:
        yield seen
    finally:
        event.remove(engine, "checkout", checkout)
        event.remove(engine, "checkin", checkin)
        for dbapi_connection in kept_traced:
            dbapi_connection.set_trace_callback(None)
    if postgresql:
        trace_file.seek(0)
        first = None
        for line in trace_file:
            sent = _SENT.match(line)
            if sent and first is None:
                first = sent.group(1)
            elif "\tReadyForQuery\t" in line:
                seen.append(first or "")
                first = None
        trace_file.close()
