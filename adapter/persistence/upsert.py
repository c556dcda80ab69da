"""Insert-or-update that works the same on SQLite and PostgreSQL."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table

from .database import conflict_insert

# Every launch runs several upserts; building an INSERT … ON CONFLICT statement costs
# several times more than executing it, so each shape (dialect, table, columns) is built
# once and executed with its values as parameters.
_BUILT: dict[tuple, Any] = {}


def upsert(conn: Connection, table: Table, keys: dict[str, Any], values: dict[str, Any],
           insert_only: dict[str, Any] | None = None) -> int:
    """Insert ``keys | values | insert_only`` or update ``values`` on the row with ``keys``;
    return its id."""
    insert_only = insert_only or {}
    shape = (conn.dialect.name, table, tuple(keys), tuple(values), tuple(insert_only))
    statement = _BUILT.get(shape)
    if statement is None:
        statement = conflict_insert(conn, table)
        statement = statement.on_conflict_do_update(
            index_elements=list(keys), set_={name: statement.excluded[name] for name in values},
        ).returning(table.c.id)
        _BUILT[shape] = statement
    return conn.execute(statement, {**keys, **values, **insert_only}).scalar_one()
