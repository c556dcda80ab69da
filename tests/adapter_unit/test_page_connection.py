"""app_components.page_connection: a request's page reads run on one connection, taken at its
first read and handed back when the request ends, as the pool takes one back — on a SQLite file
the connection handed back last (the session lookup too), on PostgreSQL one from the pool."""
from __future__ import annotations

import os
import threading

from sqlalchemy import event, text
from sqlalchemy.exc import SQLAlchemyError

from adapter.persistence.database import thread_connection
from adapter.web.app_components import page_connection

from .signed_in import signed_in_learner

HTTPS = "https://localhost"
_LOCALE = "INSERT INTO platform_locales (platform_id, default_locale, updated_at) VALUES (1, :locale, 0)"


def _checkouts(engine) -> list:
    taken: list = []
    event.listen(engine, "checkout", lambda *_: taken.append(threading.get_ident()))
    return taken


def _recording_route(client, write: bool = False) -> list:
    """A page that records the connections its reads get (and writes on it, then fails, if asked)."""
    used: list = []

    def page():
        with page_connection() as conn:
            used.append(conn)
            if write:
                conn.execute(text(_LOCALE), {"locale": "fr"})
                raise RuntimeError("the page fails after writing")
            with page_connection() as again:  # a nested read: the same connection
                used.append(again)
            return str(conn.execute(text("SELECT count(*) FROM people")).scalar())

    client.application.add_url_rule("/recorded", "recorded", page)
    return used


def _on_postgresql(engine) -> bool:
    return engine.dialect.name == "postgresql"


def test_a_page_with_a_session_takes_the_pool_once_on_postgresql_and_never_on_sqlite(tmp_path, database_url):
    engine, client = signed_in_learner(tmp_path, database_url)
    assert b"Your activity" in client.get("/learner/", base_url=HTTPS).data
    taken = _checkouts(engine)
    for _ in range(3):  # the session's lookup, who is asking, the page, its navigation and language
        assert b"Your activity" in client.get("/learner/", base_url=HTTPS).data
    # PostgreSQL: the session's lookup, then the page's reads on one connection
    assert len(taken) == (6 if _on_postgresql(engine) else 0)
    assert engine.pool.checkedout() == (0 if _on_postgresql(engine) else 1)  # SQLite: the thread keeps its own


def test_a_request_reads_on_one_connection_and_hands_it_back_at_its_end(tmp_path, database_url):
    engine, client = signed_in_learner(tmp_path, database_url)
    used = _recording_route(client)
    assert client.get("/recorded", base_url=HTTPS).data == b"1"
    assert used[0] is used[1]
    if _on_postgresql(engine):
        assert used[0].closed and engine.pool.checkedout() == 0
        return
    with thread_connection(engine) as again:  # back with the thread, nothing left open
        assert again is used[0] and not again.in_transaction()
        assert not again.connection.dbapi_connection.in_transaction
    client.get("/recorded", base_url=HTTPS)
    assert used[2] is used[0]


def test_each_read_sees_what_was_committed_before_it(tmp_path, database_url):
    engine, client = signed_in_learner(tmp_path, database_url)
    with client.application.test_request_context("/"):
        with page_connection() as conn:
            assert conn.execute(text("SELECT count(*) FROM platform_locales")).scalar() == 0
        assert _write_locale(engine) == 1
        with page_connection() as conn:
            assert conn.execute(text("SELECT count(*) FROM platform_locales")).scalar() == 1


def test_a_failed_request_is_rolled_back_and_leaves_nothing_held(tmp_path, database_url):
    engine, client = signed_in_learner(tmp_path, database_url)
    used = _recording_route(client, write=True)
    assert client.get("/recorded", base_url=HTTPS).status_code == 500
    if not _on_postgresql(engine):
        with thread_connection(engine) as again:
            assert again is used[0] and not again.connection.dbapi_connection.in_transaction
    written = []
    thread = threading.Thread(target=lambda: written.append(_write_locale(engine)))
    thread.start()
    thread.join(10)
    assert written == [1]  # the failed request's row is gone (and SQLite's write lock free)
    assert engine.pool.checkedout() == (0 if _on_postgresql(engine) else 1)


def _write_locale(engine) -> int:
    with engine.begin() as conn:
        conn.execute(text(_LOCALE), {"locale": "de"})
        return conn.execute(text("SELECT count(*) FROM platform_locales")).scalar()


def test_after_a_failed_read_the_request_reads_on_again(tmp_path, database_url):
    """An error page reads who is asking and their language after the read that failed."""
    engine, client = signed_in_learner(tmp_path, database_url)

    def page():
        try:
            with page_connection() as conn:
                conn.execute(text("SELECT * FROM no_such_table"))
        except SQLAlchemyError:
            pass
        with page_connection() as conn:
            return str(conn.execute(text("SELECT count(*) FROM people")).scalar())

    client.application.add_url_rule("/recovered", "recovered", page)
    assert client.get("/recovered", base_url=HTTPS).data == b"1"
    assert engine.pool.checkedout() == (0 if _on_postgresql(engine) else 1)


def test_the_next_request_reads_on_the_connection_handed_back_last_whichever_thread(tmp_path):
    engine, client = signed_in_learner(tmp_path)
    used = _recording_route(client)
    client.get("/recorded", base_url=HTTPS)
    thread = threading.Thread(target=lambda: client.get("/recorded", base_url=HTTPS))
    thread.start()
    thread.join(10)
    assert len(used) == 4 and used[2] is used[0]


def test_a_forked_worker_opens_its_own_connection(tmp_path):
    engine, client = signed_in_learner(tmp_path)
    used = _recording_route(client)
    client.get("/recorded", base_url=HTTPS)
    child = os.fork()
    if child == 0:  # the parent's connection is neither used nor closed here
        code = 1
        try:
            answer = client.get("/recorded", base_url=HTTPS)
            code = 0 if answer.data == b"1" and used[-1] is not used[0] else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert client.get("/recorded", base_url=HTTPS).data == b"1" and used[-1] is used[0]
