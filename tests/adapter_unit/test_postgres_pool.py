"""PostgreSQL's pool: a connection that died while idle is replaced before use (pinged
when idle longer than PING_IDLE_AFTER), and one that died unseen fails one request only."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from adapter.persistence import database, driver_sql
from adapter.persistence.database import make_engine


@pytest.fixture
def engine(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's pool (COACHBRIDGE_TEST_DATABASE=postgresql)")
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def backend(engine) -> int:
    with engine.connect() as conn:
        return driver_sql.run(conn, "SELECT pg_backend_pid()")[0][0]


def end_backend(database_url, pid: int) -> None:
    """What a server restart, an idle timeout or an administrator does to a pooled connection."""
    other = make_engine(database_url)
    with other.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar() is True
    other.dispose()


def test_a_connection_ended_while_idle_is_replaced_before_use(engine, database_url, monkeypatch):
    pid = backend(engine)
    end_backend(database_url, pid)
    monkeypatch.setattr(database, "PING_IDLE_AFTER", 0.0)  # it has been idle "long enough"
    assert backend(engine) != pid


def test_a_connection_reused_at_once_is_not_pinged(engine, database_url, monkeypatch):
    pid = backend(engine)
    end_backend(database_url, pid)
    monkeypatch.setattr(database, "PING_IDLE_AFTER", 3600.0)  # "a moment ago", however slow this machine is
    # Back in the pool a moment ago: used without a ping, so its first statement fails…
    with pytest.raises(DBAPIError):
        backend(engine)
    # …and it is not handed out again.
    assert backend(engine) != pid
