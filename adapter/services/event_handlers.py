"""Who hears about coaching records: handlers run inside the record's own transaction.

The table of event → handlers is built once, by ``adapter.bootstrap.bootstrap``, and bound
to the application's engine; :func:`publish` hands each event to its handlers on the
record's connection, so their outbox rows commit with the record or not at all. A
connection whose engine was never bootstrapped is refused loudly: saving records there
would queue no statement and no score.

    def handler(conn: Connection, events: Sequence[RecordEvent]) -> None: ...
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine

from adapter.domain.events import RecordEvent

EventHandler = Callable[[Connection, Sequence[RecordEvent]], None]
HandlerTable = Mapping[str, tuple[EventHandler, ...]]  # by event kind (xapi.events.EventKind)

_tables: WeakKeyDictionary[Engine, HandlerTable] = WeakKeyDictionary()


class NotBootstrapped(RuntimeError):
    """Records were saved on a database the application's parts were not built for."""


def bind(engine: Engine, table: HandlerTable) -> None:
    """Records saved on ``engine`` from now on go to the handlers of ``table``."""
    _tables[engine] = table


def table_of(engine: Engine) -> HandlerTable:
    table = _tables.get(engine)
    if table is None:
        raise NotBootstrapped("this database has no event handlers: build the application's parts with "
                              "adapter.bootstrap.bootstrap() before saving records, or they would queue nothing")
    return table


def publish(conn: Connection, events: Sequence[RecordEvent]) -> None:
    """Hand ``events`` to their handlers on ``conn``, each handler once with the events it
    takes (in order); an exception rolls the record back."""
    if not events:
        return
    table = table_of(conn.engine)
    batches: dict[EventHandler, list[RecordEvent]] = {}
    for event in events:
        for handler in table[event.kind]:
            batches.setdefault(handler, []).append(event)
    for handler, batch in batches.items():
        handler(conn, batch)
