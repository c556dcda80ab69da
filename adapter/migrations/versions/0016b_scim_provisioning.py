"""SCIM provisioning: bearer tokens per platform (hashed) and the identity provider's users

Revision ID: 0016b
Revises: 0016a (provisioned people are expected people; a branch of its own off it)
"""
from alembic import op
import sqlalchemy as sa

revision = "0016b"
down_revision = "0016a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scim_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("last_used_at", sa.Float(), nullable=True),
        sa.Column("revoked_at", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"], ondelete="CASCADE",
                                name=op.f("fk_scim_tokens_platform_id_platforms")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scim_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_scim_tokens_token_hash")),
    )
    op.create_table(
        "scim_users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("user_name_key", sa.String(length=255), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("manager_id", sa.String(length=36), nullable=True),
        sa.Column("resource", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"], ondelete="CASCADE",
                                name=op.f("fk_scim_users_platform_id_platforms")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE",
                                name=op.f("fk_scim_users_person_id_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scim_users")),
        sa.UniqueConstraint("platform_id", "user_name_key", name="uq_scim_users_platform_user_name"),
    )
    op.create_index("ix_scim_users_manager", "scim_users", ["platform_id", "manager_id"])
    op.create_index("ix_scim_users_external_id", "scim_users", ["platform_id", "external_id"])


def downgrade() -> None:
    op.drop_index("ix_scim_users_external_id", table_name="scim_users")
    op.drop_index("ix_scim_users_manager", table_name="scim_users")
    op.drop_table("scim_users")
    op.drop_table("scim_tokens")
