"""Fixed SQL run on the DBAPI cursor, for statements run on every launch or every batch.

SQLAlchemy's ``Connection.execute`` costs ~35–40 µs of CPU per statement on top of the
driver's own ~10 µs (parameter processing, result wrapping, events); a launch runs about
ten statements and a delivery worker several per batch, so those statements are written
here as SQL text and go to the driver as they are, in the caller's transaction. They are
written with ``:name`` parameters; :func:`for_dialect` gives PostgreSQL's ``%(name)s``.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import Connection, Dialect
from sqlalchemy.exc import DBAPIError

_NAMED = re.compile(r"(?<![:\w]):(\w+)")


def for_dialect(sql: str, dialect_name: str) -> str:
    """``sql`` in the parameter style of the DBAPI driver of ``dialect_name``."""
    return _NAMED.sub(r"%(\1)s", sql) if dialect_name == "postgresql" else sql


def both(sql: str) -> dict[str, str]:
    """The same statement for SQLite and PostgreSQL, keyed by dialect name."""
    return {"sqlite": sql, "postgresql": for_dialect(sql, "postgresql")}


def pg_int_array(ids: Iterable[int]) -> str:
    """An ``INTEGER[]`` parameter as PostgreSQL's text form (``{1,2,3}``), for statements that
    cast it (``CAST(:ids AS INTEGER[])``): psycopg dumps a list of ints element by element in
    Python (~1 µs an id, a regex search each), a batch's hundred ids a tenth of a millisecond."""
    return "{" + ",".join(map(str, map(int, ids))) + "}"


def run(conn: Connection, sql: str | dict[str, str], params: dict[str, Any] | None = None) -> list[Any]:
    """Execute in ``conn``'s transaction; the rows (tuples), if it returns any.
    ``sql`` is one statement, or one per dialect name."""
    return _execute(conn, sql, params or {}, lambda cursor: cursor.fetchall() if cursor.description else [])


def run_count(conn: Connection, sql: str | dict[str, str], params: dict[str, Any]) -> int:
    """Execute a write in ``conn``'s transaction; the number of rows it changed."""
    return _execute(conn, sql, params, lambda cursor: cursor.rowcount)


def run_many(conn: Connection, sql: str | dict[str, str], rows: Sequence[dict[str, Any]]) -> None:
    """Execute once per row (executemany) in ``conn``'s transaction."""
    _execute(conn, sql, rows, lambda cursor: None, many=True)


def as_sqlalchemy_error(dialect: Dialect, statement: str, params: Any, error: Exception) -> DBAPIError:
    """A driver error as SQLAlchemy raises it (``sqlalchemy.exc.OperationalError``,
    ``IntegrityError``…), so that callers of SQL run on the driver's own connections and
    cursors catch the same exceptions as for SQL run through SQLAlchemy."""
    return DBAPIError.instance(statement, params, error, dialect.loaded_dbapi.Error)


def _execute(conn: Connection, sql: str | dict[str, str], params: Any, result: Callable[[Any], Any],
             many: bool = False) -> Any:
    """A driver error is raised as SQLAlchemy would raise it (:func:`as_sqlalchemy_error`)."""
    if isinstance(sql, dict):
        sql = sql[conn.dialect.name]
    cursor = conn.connection.cursor()
    try:
        (cursor.executemany if many else cursor.execute)(sql, params)
        return result(cursor)
    except conn.dialect.loaded_dbapi.Error as error:
        raise as_sqlalchemy_error(conn.dialect, sql, params, error) from error
    finally:
        cursor.close()
