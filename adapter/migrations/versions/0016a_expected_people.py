"""People expected before their first launch (import, provisioning), matched once at launch

Revision ID: 0016a
Revises: 0001 (people and platforms)
"""
from alembic import op
import sqlalchemy as sa

revision = "0016a"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "expected_people",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), server_default="", nullable=False),
        sa.Column("user_id", sa.String(length=255), server_default="", nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("matched_at", sa.Float(), nullable=True),
        sa.Column("matched_by", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE",
                                name=op.f("fk_expected_people_person_id_people")),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"], ondelete="CASCADE",
                                name=op.f("fk_expected_people_platform_id_platforms")),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_expected_people")),
    )
    op.create_index("ix_expected_people_email", "expected_people", ["platform_id", "email"])


def downgrade() -> None:
    op.drop_index("ix_expected_people_email", table_name="expected_people")
    op.drop_table("expected_people")
