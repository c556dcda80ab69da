"""Reports filtered by learning activity (issue 20): an index on the report rows' activity,
so such a view reads that activity's rows, not every learner's

Revision ID: 0020d
Revises: 0020c (report_learner_rows)
"""
from alembic import op

revision = "0020d"
down_revision = "0020c"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_report_learner_rows_activity", "report_learner_rows", ["activity", "kind"])


def downgrade() -> None:
    op.drop_index("ix_report_learner_rows_activity", table_name="report_learner_rows")
