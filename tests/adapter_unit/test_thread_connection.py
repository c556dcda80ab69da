"""database.thread_connection: on a SQLite file the process keeps its connections from one use to
the next, hands out the one handed back last (whichever thread asks), never one in use, and takes
it back as the pool takes a connection back (nothing left open, the write lock free); PostgreSQL
keeps the pool."""
from __future__ import annotations

import sys
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


def test_the_connection_handed_back_last_is_handed_out_next_whichever_thread_asks(engine):
    with thread_connection(engine) as first:
        with thread_connection(engine) as nested:
            assert nested is not first  # one in use is never handed out
    with thread_connection(engine) as again:
        assert again is first  # handed back after nested
    assert _in_other_thread(lambda: _same_connection(engine, first)) is True
    with thread_connection(engine) as other:
        with thread_connection(engine) as last:
            pass
        assert (other, last) == (first, nested)
    with thread_connection(engine) as again:
        assert again is first


def _same_connection(engine, conn) -> bool:
    with thread_connection(engine) as used:
        return used is conn


def test_no_more_connections_are_kept_than_were_in_use_at_once(engine):
    in_use = threading.Barrier(3)

    def use_at_once():
        with thread_connection(engine):
            in_use.wait(10)

    threads = [threading.Thread(target=use_at_once) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    idle = engine.pool.checkedin()
    assert engine.pool.checkedout() == 3
    for _ in range(5):  # one after another, from threads that come and go
        _in_other_thread(lambda: _same_connection(engine, None))
    assert engine.pool.checkedout() == 3
    kept, engine.kept_connections = engine.kept_connections, None
    del kept  # the engine's kept connections go back to the pool with it
    assert (engine.pool.checkedout(), engine.pool.checkedin()) == (0, idle + 3)


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


def test_threads_taking_at_once_never_share_a_connection(engine):
    """Many threads at once, one kept connection to start with: each gets one of its own (the
    kept one, taken once, or a new one), and uses it alone."""
    with thread_connection(engine):
        pass
    starts = threading.Barrier(8)
    held: list = []
    errors: list = []

    def take_and_hold():
        try:
            starts.wait(10)
            for _ in range(50):
                with thread_connection(engine) as conn:
                    held.append(conn)
                    assert held.count(conn) == 1
                    held.remove(conn)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch between any two bytecodes, as under load
    try:
        threads = [threading.Thread(target=take_and_hold) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        sys.setswitchinterval(switching)
    assert errors == [] and held == []


def test_a_connection_handed_back_twice_is_kept_once(engine):
    lease = thread_connection(engine)
    conn = lease.__enter__()
    lease.__exit__(None, None, None)
    lease.__exit__(None, None, None)  # e.g. a request's end and its app context's end
    with thread_connection(engine) as first:
        with thread_connection(engine) as second:
            assert first is conn and second is not conn
