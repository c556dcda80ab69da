"""LMS services: service tokens shared by processes, AGS/NRPS endpoints per course,
roster status

Revision ID: 0004
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "service_tokens",
        sa.Column("cache_key", sa.String(64), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("cache_key", name=op.f("pk_service_tokens")),
    )
    op.create_table(
        "service_token_locks",
        sa.Column("cache_key", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(64), nullable=False),
        sa.Column("lease_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("cache_key", name=op.f("pk_service_token_locks")),
    )
    with op.batch_alter_table("contexts") as batch:
        batch.add_column(sa.Column("lineitems_url", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("memberships_url", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("roster_differences_url", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("roster_synced_at", sa.Float(), nullable=True))
    with op.batch_alter_table("memberships") as batch:
        batch.add_column(sa.Column("status", sa.String(20), nullable=False, server_default="Active"))


def downgrade() -> None:
    with op.batch_alter_table("memberships") as batch:
        batch.drop_column("status")
    with op.batch_alter_table("contexts") as batch:
        for column in ("roster_synced_at", "roster_differences_url", "memberships_url", "lineitems_url"):
            batch.drop_column(column)
    op.drop_table("service_token_locks")
    op.drop_table("service_tokens")
