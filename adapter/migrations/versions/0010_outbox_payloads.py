"""Outbox payloads in their own table; a partial index of the pending rows in queue order

Claims and settlements update the outbox row; with the ~1.3 KB statement beside the
status, SQLite rewrote it on every claim and mark. The payload moves to
``outbox_payloads`` (same id), existing rows included. ``ix_outbox_due`` (which made a
claim sort every due row to take the oldest batch) becomes ``ix_outbox_pending``:
(channel, target, id) over pending rows only.

Revision ID: 0010
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0005"
branch_labels = None
depends_on = None

PENDING_ONLY = sa.text("status = 'pending'")


def upgrade() -> None:
    op.create_table(
        "outbox_payloads",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_payloads")),
    )
    op.execute("INSERT INTO outbox_payloads (id, payload) SELECT id, payload FROM outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("payload")
    op.create_index("ix_outbox_pending", "outbox", ["channel", "target", "id"],
                    sqlite_where=PENDING_ONLY, postgresql_where=PENDING_ONLY)


def downgrade() -> None:
    op.drop_index("ix_outbox_pending", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("payload", sa.Text(), nullable=False, server_default=""))
    op.execute("UPDATE outbox SET payload = (SELECT p.payload FROM outbox_payloads p WHERE p.id = outbox.id)")
    op.drop_table("outbox_payloads")
    op.create_index("ix_outbox_due", "outbox", ["channel", "target", "status", "next_attempt_at"])
