"""Registration by invitation: one-time invitation links, and platforms pending approval

Revision ID: 0013a
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa

revision = "0013a"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("platforms") as batch:
        batch.add_column(sa.Column("pending", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "registration_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("note", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("used_at", sa.Float(), nullable=True),
        sa.Column("platform_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"], ondelete="SET NULL",
                                name=op.f("fk_registration_invitations_platform_id_platforms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_registration_invitations_token_hash")),
    )


def downgrade() -> None:
    op.drop_table("registration_invitations")
    with op.batch_alter_table("platforms") as batch:
        batch.drop_column("pending")
