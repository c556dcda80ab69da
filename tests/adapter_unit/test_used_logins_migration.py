"""Revision 0018u: the logins used move from ``pending_logins`` to the narrow ``used_logins``;
a login used before the upgrade still reads as used (its launch, or its nonce, replayed)."""
from alembic import command
from sqlalchemy import inspect, text

from adapter.persistence.database import alembic_config, make_engine, upgrade
from adapter.persistence.lti_stores import SqlLoginStore
from lti.storage import PendingLogin

USED, NEVER_USED = "Ax8vR2pqLm0TzY5wK3bN1g", "Qe7uH4sdFj9CvX2nB6tM0a"


def _login(login_id: str) -> PendingLogin:
    return PendingLogin(state=f"sealed.{login_id}", login_id=login_id, nonce=f"{login_id}.tag", issuer="https://lms",
                        client_id="c1", browser_binding="b", expires_at=2_000_000_000.0)


def test_logins_used_before_the_upgrade_stay_used_and_come_back_on_downgrade(database_url):
    engine = make_engine(database_url)
    config = alembic_config(database_url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        # As the launch wrote it before 0018u (the login id in ``state``), and a row of the
        # older kind, a login started and never used: nothing to carry over.
        conn.execute(text(
            "INSERT INTO pending_logins (state, nonce, issuer, client_id, browser_binding, target_link_uri,"
            " expires_at, consumed_at) VALUES (:state, :nonce, 'https://lms', 'c1', 'b', '', 2000000000, :used)"),
            [{"state": USED, "nonce": f"{USED}.tag", "used": 1_999_999_000.0},
             {"state": NEVER_USED, "nonce": f"{NEVER_USED}.tag", "used": None}])
    upgrade(engine)

    assert "pending_logins" not in inspect(engine).get_table_names()
    logins = SqlLoginStore(engine)
    assert logins.login_used(USED) and logins.nonce_used(f"{USED}.tag")
    assert not logins.consume_login(_login(USED), 1_999_999_500.0)  # a replay: refused
    assert not logins.login_used(NEVER_USED) and not logins.nonce_used(f"{NEVER_USED}.tag")
    assert logins.consume_login(_login(NEVER_USED), 1_999_999_500.0)
    with engine.connect() as conn:
        rows = set(conn.execute(text("SELECT login_id, expires_at FROM used_logins")).all())
    assert rows == {(USED, 2_000_000_000.0), (NEVER_USED, 2_000_000_000.0)}

    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0018u@-1")
        back = set(conn.execute(text("SELECT state, expires_at FROM pending_logins WHERE consumed_at IS NOT NULL")))
    assert back == rows
    assert "used_logins" not in inspect(engine).get_table_names()


def test_on_sqlite_the_logins_used_are_one_b_tree(tmp_path):
    """No rowid and no index beside the key: each launch's INSERT changes one B-tree."""
    engine = make_engine(f"sqlite:///{tmp_path / 'one.db'}")
    upgrade(engine)
    with engine.connect() as conn:
        sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'used_logins'")).scalar_one()
        indexes = conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"
                                    " AND tbl_name = 'used_logins'")).all()
    assert sql.rstrip().endswith("WITHOUT ROWID") and indexes == []
