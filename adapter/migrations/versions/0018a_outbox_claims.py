"""Outbox claims walk only due rows; on PostgreSQL a claim is a HOT update

``ix_outbox_pending`` becomes (channel, target, next_attempt_at, id) over pending rows,
and claims take the batch due longest (``ORDER BY next_attempt_at, id``: queue order for
rows never retried). Only this index gives that order, so PostgreSQL's planner can no
longer pick the primary key for ``ORDER BY id`` — which it did whenever its statistics
dated from a full queue, filtering every delivered row on every claim (a drain grew
quadratic: ~40 µs of server CPU per statement over 20,000). A range on
``next_attempt_at`` also skips the rows waiting for a retry.

PostgreSQL: the outbox's pages keep 30 % free. A claim writes the lease
(``claimed_until``, ``claimed_by``, in no index) on every row of its batch; with room in
the page the new row version goes beside the old one and no index is touched (a
heap-only tuple). Rows written before the upgrade keep their packed pages.

Revision ID: 0018a
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = "0018a"
down_revision = "0010"
branch_labels = None
depends_on = None

PENDING_ONLY = sa.text("status = 'pending'")


def upgrade() -> None:
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.create_index("ix_outbox_pending", "outbox", ["channel", "target", "next_attempt_at", "id"],
                    sqlite_where=PENDING_ONLY, postgresql_where=PENDING_ONLY)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE outbox SET (fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE outbox RESET (fillfactor)")
    op.drop_index("ix_outbox_pending", table_name="outbox")
    op.create_index("ix_outbox_pending", "outbox", ["channel", "target", "id"],
                    sqlite_where=PENDING_ONLY, postgresql_where=PENDING_ONLY)
