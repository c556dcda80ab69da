"""Platform registration details and admin sign-in links

Revision ID: 0003
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("platforms") as batch:
        batch.add_column(sa.Column("token_audience", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("product_family_code", sa.String(100), nullable=False, server_default=""))
        batch.add_column(sa.Column("registered_by", sa.String(20), nullable=False, server_default="manual"))
        batch.add_column(sa.Column("accept_new_deployments", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "admin_sign_in_links",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("used_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_admin_sign_in_links")),
    )


def downgrade() -> None:
    op.drop_table("admin_sign_in_links")
    with op.batch_alter_table("platforms") as batch:
        for column in ("accept_new_deployments", "registered_by", "product_family_code", "token_audience"):
            batch.drop_column(column)
