"""Report summaries: each course's dated facts and each learner's share of them (filled from
the records already there by 0020c)

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_course_facts",
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("context_pk", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in "nabcd"),
        sa.PrimaryKeyConstraint("kind", "platform_id", "context_pk", "bucket", name="pk_report_course_facts"),
    )
    op.create_table(
        "report_learner_facts",
        sa.Column("learner_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("learner_id", name=op.f("pk_report_learner_facts")),
    )
    # Existing records are added up by 0020c's rebuild (as `coachbridge report
    # rebuild-summaries`), once its own table is there too (the project upgrades to every head).


def downgrade() -> None:
    op.drop_table("report_learner_facts")
    op.drop_table("report_course_facts")
