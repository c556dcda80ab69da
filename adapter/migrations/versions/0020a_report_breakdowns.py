"""Reports by team and manager (issue 20): people's team, the smallest group shown

Revision ID: 0020a
Revises: 0001 (people, platforms)
"""
from alembic import op
import sqlalchemy as sa

revision = "0020a"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("team", sa.String(length=255), nullable=False, server_default=""))
    op.create_table(
        "report_privacy",
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("min_learners", sa.Integer(), nullable=False),
        sa.Column("managers_see_recognition", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"], ondelete="CASCADE",
                                name=op.f("fk_report_privacy_platform_id_platforms")),
        sa.PrimaryKeyConstraint("platform_id", name=op.f("pk_report_privacy")),
    )


def downgrade() -> None:
    op.drop_table("report_privacy")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("team")
