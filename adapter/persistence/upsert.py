"""Insert-or-update that works the same on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, Connection, Table

from adapter.domain.kept_answers import KeptAnswers

from . import driver_sql

# Every launch runs several upserts, so each shape (dialect, table, columns) is written
# once as SQL text and goes to the driver as it is (driver_sql.py); JSON columns are
# serialised here, as SQLAlchemy's JSON type would.
_BUILT: dict[tuple, tuple[str, tuple[str, ...], dict[str, Any]]] = {}


def upsert(conn: Connection, table: Table, keys: dict[str, Any], values: dict[str, Any],
           insert_only: dict[str, Any] | None = None, returning_id: bool = True) -> int | None:
    """Insert ``keys | values | insert_only`` or update ``values`` on the row with ``keys``;
    return its id (``returning_id=False`` for a table with no ``id`` column: None)."""
    insert_only = insert_only or {}
    shape = (conn.dialect.name, table, tuple(keys), tuple(values), tuple(insert_only), returning_id)
    built = _BUILT.get(shape)
    if built is None:
        built = _BUILT[shape] = _build(conn.dialect.name, table, list(keys), list(values), list(insert_only),
                                       returning_id)
    sql, json_columns, defaults = built
    params = {**{name: default(None) if callable(default) else default for name, default in defaults.items()},
              **keys, **values, **insert_only}
    for name in json_columns:
        params[name] = json.dumps(params[name])
    rows = driver_sql.run(conn, sql, params)
    return rows[0][0] if returning_id else None


_READS: dict[tuple, str] = {}
# ``stored`` not given: upsert_if_changed reads the row itself.
READ = object()


def upsert_if_changed(conn: Connection, table: Table, keys: dict[str, Any], values: dict[str, Any],
                      ignored: tuple[str, ...] = (), lagging: dict[str, float] | None = None,
                      insert_only: dict[str, Any] | None = None, stored: Any = READ) -> int:
    """:func:`upsert`, unless the row with ``keys`` already holds ``values`` (the ``ignored``
    columns, such as ``updated_at``, aside; a ``lagging`` column counts as holding its value
    when the stored one is set and at most that much below it); its id either way.
    ``stored``: the row as the caller read it in this transaction (column → value, ``id``
    included; None: there is none), else it is read here.

    Most launches repeat what the tool knows about the course, the link and the membership:
    a read then, not a write (no row lock held to the commit, no new row version on
    PostgreSQL, no page for SQLite's log). Two launches racing past the read both upsert.
    """
    lagging = lagging or {}
    compared = [name for name in values if name not in ignored]
    if stored is READ:
        stored = _read(conn, table, keys, compared)
    if stored is not None and _all_hold(table, stored, values, compared, lagging):
        return stored["id"]
    return upsert(conn, table, keys, values, insert_only)


def _read(conn: Connection, table: Table, keys: dict[str, Any], compared: list[str]) -> dict[str, Any] | None:
    shape = (conn.dialect.name, table, tuple(keys), tuple(compared))
    sql = _READS.get(shape)
    if sql is None:
        sql = _READS[shape] = driver_sql.for_dialect(
            f"SELECT id, {', '.join(compared)} FROM {table.name} WHERE "
            + " AND ".join(f"{name} = :{name}" for name in keys), conn.dialect.name)
    rows = driver_sql.run(conn, sql, keys)
    return dict(zip(["id", *compared], rows[0])) if rows else None


# Each table's JSON columns, found once: a launch compares ~15 stored values, and looking a
# column up in ``table.c`` runs SQLAlchemy's Python for each.
_JSON_COLUMNS: dict[Table, frozenset[str]] = {}
# Stored JSON texts as parsed, by text: a repeated launch compares the same few (its link's
# custom parameters, its membership's roles), and parsing them cost ~8 µs a launch in place.
# Only compared, never handed out: nobody can change a kept value. Texts up to JSON_TEXT_KEPT
# characters, at most JSON_TEXTS_KEPT of them (all forgotten when full).
JSON_TEXT_KEPT = 2048
JSON_TEXTS_KEPT = 512
_PARSED = KeptAnswers(JSON_TEXTS_KEPT)


def _parsed(text: str) -> Any:
    """``json.loads(text)``, kept for a short text."""
    value = _PARSED.get(text, _PARSED)
    if value is _PARSED:
        value = json.loads(text)
        if len(text) <= JSON_TEXT_KEPT:
            _PARSED.keep(text, value)
    return value


def _all_hold(table: Table, stored: dict[str, Any], values: dict[str, Any], compared: list[str],
              lagging: dict[str, float]) -> bool:
    """Whether each ``compared`` column stores its wanted value (see upsert_if_changed)."""
    json_columns = _JSON_COLUMNS.get(table)
    if json_columns is None:
        json_columns = _JSON_COLUMNS[table] = frozenset(c.name for c in table.columns if isinstance(c.type, JSON))
    for name in compared:
        value, wanted, lag = stored[name], values[name], lagging.get(name)
        if lag is not None:
            if value is None or not 0 <= wanted - value <= lag:
                return False
        elif (_parsed(value) if name in json_columns and isinstance(value, str) else value) != wanted:
            # A value as read from the driver, JSON columns parsed (SQLite's driver hands back text).
            return False
    return True


def _build(dialect_name: str, table: Table, keys: list[str], values: list[str],
           insert_only: list[str], returning_id: bool) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """The statement, its JSON columns, and the Python-side defaults (``Column(default=…)``)
    of the columns not given, which SQLAlchemy's insert would have filled in."""
    defaults = {column.name: column.default.arg for column in table.columns
                if column.default is not None and column.name not in (*keys, *values, *insert_only)}
    columns = keys + values + insert_only + list(defaults)
    updates = ", ".join(f"{name} = excluded.{name}" for name in values)
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
           f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}" + (" RETURNING id" if returning_id else ""))
    json_columns = tuple(c for c in columns if isinstance(table.c[c].type, JSON))
    return driver_sql.for_dialect(sql, dialect_name), json_columns, defaults
