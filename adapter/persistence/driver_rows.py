"""Rows of SQL text run on the driver (driver_sql.py) made what SQLAlchemy's column types make
of them, so store functions build the same domain values from either.

On SQLite the driver hands back a Date column as its text, a JSON column as its text and a
Boolean as 0/1: SQLAlchemy parses them (``date.fromisoformat``, ``json.loads``, ``bool``).
On PostgreSQL psycopg already hands back dates, decoded JSON and booleans (SQLAlchemy's
psycopg dialect leaves all three to it), so rows are taken as they come.
"""
from __future__ import annotations

import json
from datetime import date
from typing import Any, Callable, Iterable, Sequence, TypeVar

from sqlalchemy import JSON, BigInteger, Boolean, Connection, Date, Float, Integer, String, Table

from . import driver_sql

V = TypeVar("V")  # a value read for an id
# Column types whose values the SQLite driver returns as SQLAlchemy would, or the parse that
# makes them so; any other type is refused when the columns are named, not misread later.
_AS_IS = (Integer, BigInteger, Float, String)
_SQLITE_PARSE: tuple[tuple[type, Callable[[Any], Any]], ...] = (
    (Date, date.fromisoformat), (JSON, json.loads), (Boolean, bool))


class Columns:
    """Columns of one table (all, or ``names``), read as SQL text: ``sql`` is their select list
    (qualified by the table's name or ``alias``), :meth:`rows` makes each driver row column
    name (or its ``labels`` entry) → value. ``a + b``: a's columns, then b's."""

    def __init__(self, table: Table, names: Iterable[str] | None = None, alias: str | None = None,
                 labels: dict[str, str] | None = None):
        columns = [table.c[name] for name in names] if names is not None else list(table.columns)
        labels = labels or {}
        self.names = tuple(labels.get(column.name, column.name) for column in columns)
        self.sql = ", ".join(f"{alias or table.name}.{column.name}" for column in columns)
        parses = [_sqlite_parse(column) for column in columns]
        self._sqlite_parses = tuple((at, parse) for at, parse in enumerate(parses) if parse is not None)

    def __add__(self, other: Columns) -> Columns:
        both = object.__new__(Columns)
        both.names, both.sql = self.names + other.names, f"{self.sql}, {other.sql}"
        both._sqlite_parses = self._sqlite_parses + tuple((at + len(self), parse) for at, parse in other._sqlite_parses)
        return both

    def __len__(self) -> int:
        return len(self.names)

    def rows(self, conn: Connection, values: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
        """Each row's first ``len(self)`` values as column name → value."""
        names, count = self.names, len(self.names)
        if conn.dialect.name != "sqlite" or not self._sqlite_parses:
            return [dict(zip(names, row[:count])) for row in values]
        built = []
        for row in values:
            row = list(row[:count])
            for at, parse in self._sqlite_parses:
                if row[at] is not None:
                    row[at] = parse(row[at])
            built.append(dict(zip(names, row)))
        return built

    def read(self, conn: Connection, sql: str | dict[str, str], params: dict[str, Any]) -> list[dict[str, Any]]:
        """Run ``sql`` (which selects these columns first) in ``conn``'s transaction: its rows."""
        return self.rows(conn, driver_sql.run(conn, sql, params))


def _sqlite_parse(column) -> Callable[[Any], Any] | None:
    for kind, parse in _SQLITE_PARSE:
        if isinstance(column.type, kind):
            return parse
    if isinstance(column.type, _AS_IS):
        return None
    raise TypeError(f"{column.table.name}.{column.name}: {column.type!r} is not read on the driver here")


# ``column = ANY(…)`` / ``column IN (…)`` over a set of ids given as one parameter, ``:ids``
# (:func:`ids`): the statement stays the same whatever the number of ids (the outbox's too).
IN_IDS = {"sqlite": "IN (SELECT value FROM json_each(:ids))", "postgresql": "= ANY(CAST(:ids AS INTEGER[]))"}


def with_ids(sql: str | dict[str, str]) -> dict[str, str]:
    """``sql`` (one statement, or one per dialect name) per dialect name, its ``:name``
    parameters in each driver's style and ``{in_ids}``, if it has one, where a column is
    compared with the ``ids`` parameter (:func:`ids`)."""
    return {name: driver_sql.for_dialect((sql if isinstance(sql, str) else sql[name]).replace("{in_ids}", in_ids), name)
            for name, in_ids in IN_IDS.items()}


def one_and_each(sql: str | dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """``sql`` (as :func:`with_ids` takes it) for one id, ``{in_ids}`` read as ``= :id``, and
    for a set of ``ids``: a page's read of one learner's rows and of a whole team's."""
    one = {name: (sql if isinstance(sql, str) else sql[name]).replace("{in_ids}", "= :id") for name in IN_IDS}
    return with_ids(one), with_ids(sql)


def ids(conn: Connection, values: Iterable[int]) -> str:
    """The ``ids`` parameter of a statement made by :func:`with_ids`."""
    if conn.dialect.name == "postgresql":
        return driver_sql.pg_int_array(values)
    return json.dumps([int(value) for value in values])


def grouped_by_id(conn: Connection, wanted: Iterable[int], read: Callable[[str], Iterable[tuple[int, V]]],
                  collect: type[list] | type[set] = list) -> dict[int, Any]:
    """Values read for several ids at once (a team's records by learner), by id: ``read`` runs
    its statement with the ``ids`` parameter (:func:`ids`) and gives (id, value) pairs, each
    id's collected in a list (in ``read``'s order) or a set. Every id has its collection,
    empty when nothing was read for it; no ids, no statement."""
    each = {key: collect() for key in wanted}
    if each:
        add = list.append if collect is list else set.add
        for key, value in read(ids(conn, each)):
            add(each[key], value)
    return each
