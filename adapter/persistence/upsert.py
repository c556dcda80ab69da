"""Insert-or-update that works the same on SQLite and PostgreSQL."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite


def upsert(conn: Connection, table: Table, keys: dict[str, Any], values: dict[str, Any],
           insert_only: dict[str, Any] | None = None) -> int:
    """Insert ``keys | values | insert_only`` or update ``values`` on the row with ``keys``;
    return its id."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**keys, **values, **(insert_only or {}))
    statement = statement.on_conflict_do_update(index_elements=list(keys), set_=values)
    return conn.execute(statement.returning(table.c.id)).scalar_one()
