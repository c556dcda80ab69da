"""Read-only API tokens for the reports (issue 20)

Revision ID: 0020b
Revises: 0001 (platforms)
"""
from alembic import op
import sqlalchemy as sa

revision = "0020b"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_used_at", sa.Float(), nullable=True),
        sa.Column("revoked_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"], ondelete="CASCADE",
                                name=op.f("fk_report_api_tokens_platform_id_platforms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_report_api_tokens_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("report_api_tokens")
