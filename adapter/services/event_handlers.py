"""Who hears about coaching records: handlers run inside the record's own transaction.

The xAPI outbox and AGS score posts register here at start-up; a handler writes its
outbox rows on the connection it is given, so they commit with the record or not at
all. With no handler registered, publishing does nothing.

    def handler(conn: Connection, events: Sequence[RecordEvent]) -> None: ...
    event_handlers.register(handler)
"""
from __future__ import annotations

from typing import Callable, Sequence

from sqlalchemy import Connection

from adapter.domain.events import RecordEvent

EventHandler = Callable[[Connection, Sequence[RecordEvent]], None]

_handlers: list[EventHandler] = []


def register(handler: EventHandler) -> EventHandler:
    """Add ``handler`` (once); returns it, so it also works as a decorator."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def unregister(handler: EventHandler) -> None:
    if handler in _handlers:
        _handlers.remove(handler)


def publish(conn: Connection, events: Sequence[RecordEvent]) -> None:
    """Hand ``events`` to every handler on ``conn``; an exception rolls the record back."""
    if not events:
        return
    for handler in list(_handlers):
        handler(conn, events)
