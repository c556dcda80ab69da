"""The expected people's email index on lower(email), as the launch looks it up

A launch asks whether someone waits for its email with ``lower(email) = :email``; the index on
``email`` served only its platform prefix, so every launch read all the platform's waiting rows.

Revision ID: 0018x
Revises: 0016a (expected_people)
"""
from alembic import op
import sqlalchemy as sa

revision = "0018x"
down_revision = "0016a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_expected_people_email", table_name="expected_people")
    op.create_index("ix_expected_people_lower_email", "expected_people", ["platform_id", sa.text("lower(email)")])


def downgrade() -> None:
    op.drop_index("ix_expected_people_lower_email", table_name="expected_people")
    op.create_index("ix_expected_people_email", "expected_people", ["platform_id", "email"])
