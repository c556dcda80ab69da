"""LRS endpoints remember whether the tool operator saved them: the worker then may reach
the endpoint at a private, loopback or link-local address (a self-hosted LRS beside the
tool); any other endpoint only at a public one, checked on every new connection.

Endpoints saved before are not marked: one on the tool's own network, or reached through a
proxy, waits (its statements kept, /admin/lrs saying why) until the operator saves it again,
vouches for it (``coachbridge lrs trust``) or sets COACHBRIDGE_ALLOW_PRIVATE_ADDRESSES=1.

Revision ID: 0018s
Revises: 0006 (lrs_endpoints)
"""
from alembic import op
import sqlalchemy as sa

revision = "0018s"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lrs_endpoints") as batch:
        batch.add_column(sa.Column("set_by_operator", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("lrs_endpoints") as batch:
        batch.drop_column("set_by_operator")
