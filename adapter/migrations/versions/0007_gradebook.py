"""Gradebook: each resource link's line item, and strictly increasing score timestamps

Revision ID: 0007
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resource_links") as batch:
        batch.add_column(sa.Column("lineitem_url", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("score_maximum", sa.Float(), nullable=True))
    op.create_table(
        "score_clock",
        sa.Column("resource_link_pk", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("last_timestamp_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["resource_link_pk"], ["resource_links.id"], ondelete="CASCADE",
                                name=op.f("fk_score_clock_resource_link_pk_resource_links")),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE",
                                name=op.f("fk_score_clock_person_id_people")),
        sa.PrimaryKeyConstraint("resource_link_pk", "person_id", name=op.f("pk_score_clock")),
    )


def downgrade() -> None:
    op.drop_table("score_clock")
    with op.batch_alter_table("resource_links") as batch:
        batch.drop_column("score_maximum")
        batch.drop_column("lineitem_url")
