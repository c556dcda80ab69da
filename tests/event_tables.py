"""Changing, for one test, who hears the coaching events saved on an engine (the table
adapter/bootstrap.py binds), and putting the application's table back afterwards."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from sqlalchemy import Engine

from adapter.services import event_handlers
from adapter.services.event_handlers import EventHandler

Handlers = tuple[EventHandler, ...]


@contextmanager
def handlers_changed(engine: Engine, change: Callable[[Handlers], Handlers]) -> Iterator[None]:
    table = event_handlers.table_of(engine)
    event_handlers.bind(engine, {kind: change(handlers) for kind, handlers in table.items()})
    try:
        yield
    finally:
        event_handlers.bind(engine, table)


def also_heard_by(engine: Engine, listener: EventHandler):
    """Every event also goes to ``listener``, after the application's handlers."""
    return handlers_changed(engine, lambda handlers: (*handlers, listener))


def not_heard_by(engine: Engine, handler: EventHandler):
    return handlers_changed(engine, lambda handlers: tuple(h for h in handlers if h != handler))
