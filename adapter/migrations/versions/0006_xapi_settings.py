"""xAPI settings: LRS endpoints and privacy per platform; the statements each LRS holds per record

Revision ID: 0006
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lrs_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("auth_kind", sa.String(10), nullable=False, server_default="basic"),
        sa.Column("username", sa.String(255), nullable=False, server_default=""),
        sa.Column("secret", sa.Text(), nullable=False, server_default=""),
        sa.Column("token_url", sa.Text(), nullable=False, server_default=""),
        sa.Column("client_id", sa.String(255), nullable=False, server_default=""),
        sa.Column("scope", sa.String(500), nullable=False, server_default=""),
        sa.Column("xapi_version", sa.String(10), nullable=False, server_default="1.0.3"),
        sa.Column("batch_size", sa.Integer(), nullable=False, server_default="100"),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                name=op.f("fk_lrs_endpoints_platform_id_platforms"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lrs_endpoints")),
        sa.UniqueConstraint("name", name=op.f("uq_lrs_endpoints_name")),
    )
    op.create_index("ix_lrs_endpoints_platform", "lrs_endpoints", ["platform_id", "active"])
    op.create_table(
        "xapi_privacy",
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("identity_format", sa.String(20), nullable=False, server_default="account"),
        sa.Column("share_free_text", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"],
                                name=op.f("fk_xapi_privacy_platform_id_platforms"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("platform_id", name=op.f("pk_xapi_privacy")),
    )
    op.create_table(
        "xapi_live_statements",
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("record_key", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("record_version", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.PrimaryKeyConstraint("target", "record_key", "kind", name=op.f("pk_xapi_live_statements")),
    )


def downgrade() -> None:
    op.drop_table("xapi_live_statements")
    op.drop_table("xapi_privacy")
    op.drop_index("ix_lrs_endpoints_platform", table_name="lrs_endpoints")
    op.drop_table("lrs_endpoints")
