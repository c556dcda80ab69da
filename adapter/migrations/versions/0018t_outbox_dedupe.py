"""The outbox's duplicate check moves to ``outbox_keys``, a table settlements never update

A message is queued once per (channel, target, message_id). That was ``uq_outbox_message``
on the outbox row itself, which every settlement updates: on PostgreSQL each settling
UPDATE (not a heap-only one: ``status`` decides ``ix_outbox_pending``) added a new entry to
it and checked its uniqueness, about half of the UPDATE's cost. ``outbox_keys`` holds the
key, written once when the message is queued, and hands out the ids: the outbox row and its
payload take their key's id. Existing rows' keys are copied with their ids, so a message
queued before the upgrade is still refused a second time; the outbox's own id sequence is
dropped on PostgreSQL (an id from it could take a later key's).

Revision ID: 0018t
Revises: 0018a
"""
from alembic import op
import sqlalchemy as sa

revision = "0018t"
down_revision = "0018a"
branch_labels = None
depends_on = None

PENDING_ONLY = sa.text("status = 'pending'")
KEY = ["channel", "target", "message_id"]


def upgrade() -> None:
    op.create_table(
        "outbox_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("message_id", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_keys")),
        sa.UniqueConstraint(*KEY, name="uq_outbox_keys_message"),
    )
    op.execute("INSERT INTO outbox_keys (id, channel, target, message_id)"
                " SELECT id, channel, target, message_id FROM outbox")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT setval(pg_get_serial_sequence('outbox_keys', 'id'),"
                   " (SELECT coalesce(max(id), 0) + 1 FROM outbox_keys), false)")
        op.drop_constraint("uq_outbox_message", "outbox", type_="unique")
        op.execute("ALTER TABLE outbox ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP SEQUENCE outbox_id_seq")
    else:  # SQLite rebuilds the table (the new keys take max(id) + 1: no row is ever deleted)
        _rebuild_sqlite_outbox(lambda batch: batch.drop_constraint("uq_outbox_message", type_="unique"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE outbox_id_seq OWNED BY outbox.id")
        op.execute("SELECT setval('outbox_id_seq', (SELECT coalesce(max(id), 0) + 1 FROM outbox), false)")
        op.execute("ALTER TABLE outbox ALTER COLUMN id SET DEFAULT nextval('outbox_id_seq')")
        op.create_unique_constraint("uq_outbox_message", "outbox", KEY)
    else:
        _rebuild_sqlite_outbox(lambda batch: batch.create_unique_constraint("uq_outbox_message", KEY))
    op.drop_table("outbox_keys")


def _rebuild_sqlite_outbox(change) -> None:
    """SQLite's ALTER is a table rebuild; the partial index is dropped around it and made
    again as 0018a made it."""
    op.drop_index("ix_outbox_pending", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        change(batch)
    op.create_index("ix_outbox_pending", "outbox", ["channel", "target", "next_attempt_at", "id"],
                    sqlite_where=PENDING_ONLY)
