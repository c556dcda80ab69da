"""Activities placed through Deep Linking, known before their first launch

Revision ID: 0017a
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0017a"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "placements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("context_pk", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("custom", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"], name=op.f("fk_placements_platform_id_platforms"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["context_pk"], ["contexts.id"], name=op.f("fk_placements_context_pk_contexts"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
    )
    op.create_index("ix_placements_context", "placements", ["context_pk"])


def downgrade() -> None:
    op.drop_index("ix_placements_context", table_name="placements")
    op.drop_table("placements")
