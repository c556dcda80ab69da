"""Reports by date range and learning activity (issue 20): each learner's share of the
report summary per record date and activity, filled from the records already there

Revision ID: 0020c
Revises: 0009 (the report summaries)
"""
from alembic import op
import sqlalchemy as sa

revision = "0020c"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_learner_rows",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("context_pk", sa.Integer(), nullable=False),
        sa.Column("activity", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("month", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in "nabcd"),
        sa.PrimaryKeyConstraint("kind", "learner_id", "platform_id", "context_pk", "activity", "day", "bucket",
                                name="pk_report_learner_rows"),
        sqlite_with_rowid=False,
    )
    op.create_index(op.f("ix_report_learner_rows_learner_id"), "report_learner_rows", ["learner_id"])
    op.create_index("ix_report_learner_rows_course", "report_learner_rows", ["kind", "context_pk"])
    op.create_index("ix_report_learner_rows_month", "report_learner_rows", ["kind", "month"])
    # Existing records: the same computation as `coachbridge report rebuild-summaries`.
    from adapter.persistence.report_summaries import rebuild
    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_report_learner_rows_month", table_name="report_learner_rows")
    op.drop_index("ix_report_learner_rows_course", table_name="report_learner_rows")
    op.drop_index(op.f("ix_report_learner_rows_learner_id"), table_name="report_learner_rows")
    op.drop_table("report_learner_rows")
