"""Retention settings per platform (issue 22: personal data under control)

Revision ID: 0022a
Revises: 0001 (platforms)
"""
from alembic import op
import sqlalchemy as sa

revision = "0022a"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "retention_settings",
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("private_notes_days", sa.Integer(), nullable=True),
        sa.Column("withdrawn_days", sa.Integer(), nullable=True),
        sa.Column("inactive_months", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("last_run_on", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"], ondelete="CASCADE",
                                name=op.f("fk_retention_settings_platform_id_platforms")),
        sa.PrimaryKeyConstraint("platform_id", name=op.f("pk_retention_settings")),
    )


def downgrade() -> None:
    op.drop_table("retention_settings")
