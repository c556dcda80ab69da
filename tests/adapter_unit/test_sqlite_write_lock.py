"""SQLite writers queue on a lock (threads and processes) instead of sleeping in SQLite's busy handler."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from adapter.persistence.database import make_engine


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'locks.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def test_a_second_writer_waits_for_the_first_to_commit(engine):
    order = []
    first_writes = threading.Event()

    def second():
        first_writes.wait()
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
            order.append("second wrote")

    thread = threading.Thread(target=second)
    thread.start()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
        first_writes.set()
        time.sleep(0.2)
        order.append("first commits")
    thread.join(5)
    assert order == ["first commits", "second wrote"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 2


def test_rollback_and_reads_do_not_keep_the_lock(engine):
    with pytest.raises(RuntimeError):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            raise RuntimeError("abandon")
    with engine.connect() as conn:
        conn.execute(text("SELECT count(*) FROM t")).scalar()
    done = []
    thread = threading.Thread(target=lambda: done.append(_write(engine)))
    thread.start()
    thread.join(5)
    assert done == [True]


def _write(engine) -> bool:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (3)"))
    return True


def test_a_thread_writing_on_two_connections_gets_an_error_not_a_hang(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'nested.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    outer = engine.connect()
    outer.begin()
    outer.execute(text("INSERT INTO t VALUES (1)"))
    write_lock = type(outer.connection.dbapi_connection)._lock
    write_lock.timeout = 0.2
    with pytest.raises(OperationalError, match="database is locked"):
        with engine.begin() as inner:
            inner.execute(text("INSERT INTO t VALUES (2)"))
    outer.rollback()
    outer.close()
    engine.dispose()
