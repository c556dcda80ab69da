"""database.thread_connection: on a SQLite file each thread keeps one connection from one use to
the next, and hands it back as the pool takes a connection back (nothing left open, the write
lock free); PostgreSQL keeps the pool."""
from __future__ import annotations

import threading

from sqlalchemy import create_engine, text

from adapter.persistence.database import thread_connection
from tests.adapter_unit.test_sqlite_write_lock import engine  # noqa: F401 (a fixture: table t (n INTEGER))


def _in_other_thread(work):
    done = []
    thread = threading.Thread(target=lambda: done.append(work()))
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    return done[0]


def test_a_thread_gets_its_own_connection_again_and_another_while_using_it(engine):
    with thread_connection(engine) as first:
        with thread_connection(engine) as nested:
            assert nested is not first
    with thread_connection(engine) as again:
        assert again is first
    assert _in_other_thread(lambda: _same_connection(engine, first)) is False


def _same_connection(engine, conn) -> bool:
    with thread_connection(engine) as used:
        return used is conn


def test_an_ended_thread_gives_its_connection_back_to_the_pool(engine):
    idle = engine.pool.checkedin()
    _in_other_thread(lambda: _same_connection(engine, None))
    assert (engine.pool.checkedout(), engine.pool.checkedin()) == (0, idle)  # closed, in the pool again


def test_an_uncommitted_transaction_is_rolled_back_when_handed_back(engine):
    with thread_connection(engine) as conn:
        conn.begin()
        conn.execute(text("INSERT INTO t (n) VALUES (1)"))
    with thread_connection(engine) as conn:
        assert not conn.in_transaction()
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0
    assert _in_other_thread(lambda: _written(engine, 2)) is True  # the write lock is free


def test_a_connection_given_other_options_goes_back_to_the_pool(engine):
    with thread_connection(engine) as first:
        first.execution_options(isolation_level="SERIALIZABLE")
    assert first.closed
    with thread_connection(engine) as again:
        assert again is not first and again.get_execution_options() == engine.get_execution_options()


def test_an_invalidated_connection_is_not_handed_out_again(engine):
    with thread_connection(engine) as first:
        first.invalidate()
    with thread_connection(engine) as again:
        assert again is not first and again.execute(text("SELECT count(*) FROM t")).scalar() == 0


def _written(engine, n: int) -> bool:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO t (n) VALUES (:n)"), {"n": n})
    return True


def test_an_engine_not_made_here_uses_the_pool(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'plain.db'}")
    with thread_connection(engine) as first:
        pass
    assert first.closed
    engine.dispose()
