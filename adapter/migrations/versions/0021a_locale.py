"""Languages (issue 21): each person's chosen language and each platform's default

Revision ID: 0021a
Revises: 0001 (people, platforms)
"""
from alembic import op
import sqlalchemy as sa

revision = "0021a"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "locale_choices",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.Column("chosen_over", sa.String(length=35), nullable=False, server_default=""),
        sa.Column("chosen_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE",
                                name=op.f("fk_locale_choices_person_id_people")),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_locale_choices")),
    )
    op.create_table(
        "platform_locales",
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("default_locale", sa.String(length=35), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["platforms.id"], ondelete="CASCADE",
                                name=op.f("fk_platform_locales_platform_id_platforms")),
        sa.PrimaryKeyConstraint("platform_id", name=op.f("pk_platform_locales")),
    )


def downgrade() -> None:
    op.drop_table("platform_locales")
    op.drop_table("locale_choices")
