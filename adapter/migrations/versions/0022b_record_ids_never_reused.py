"""Record ids are never reused on SQLite (AUTOINCREMENT), now that records can be deleted

A record's statement ids derive from its id: if SQLite gave a deleted record's id to a new
record (it reuses the highest id once that row is gone), the new record's statements would
carry the ids of statements an LRS already holds (voided), and be refused. PostgreSQL's
sequences never go back, so there is nothing to do there.

Revision ID: 0022b
Revises: 0002 (the coaching record tables)
"""
from alembic import op

revision = "0022b"
down_revision = "0002"
branch_labels = None
depends_on = None

# Parents before children would be wrong: rebuilding a table drops the old one, and with
# foreign keys on, SQLite's DROP deletes its rows first, cascading into the children. The
# children's rows are set aside and put back after the rebuild.
TABLES = ("reflections", "conversations", "agreed_actions", "validation_requests")
CHILDREN = ("agreed_actions", "validation_decisions")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for child in CHILDREN:
        op.execute(f"CREATE TEMP TABLE kept_{child} AS SELECT * FROM {child}")
    for table in TABLES:
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
            pass
    for child in CHILDREN:
        op.execute(f"DELETE FROM {child}")
        op.execute(f"INSERT INTO {child} SELECT * FROM temp.kept_{child}")
        op.execute(f"DROP TABLE temp.kept_{child}")


def upgrade() -> None:
    _rebuild(True)


def downgrade() -> None:
    _rebuild(False)
