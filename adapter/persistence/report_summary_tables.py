"""What the admin dashboard reads instead of every record: each course's dated facts.

``report_course_facts`` holds, per course, kind and bucket, the date-free counts of
adapter.reports.dated_facts.dated_facts, summed over learners; ``report_learner_facts`` holds
each learner's own share, so that a change to one learner's records replaces exactly that
share (adapter/persistence/report_summaries.py, run in the record's transaction). Its own
module and migration (0009); schema.py imports it so Alembic sees one metadata.
"""
from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, PrimaryKeyConstraint, String, Table, Text

from .tables import metadata

NO_COURSE = 0  # context_pk of records made outside any course (contexts.id starts at 1)

report_course_facts = Table(
    "report_course_facts", metadata,
    Column("kind", String(12), nullable=False),  # adapter.reports.dated_facts.DATED_KINDS
    Column("platform_id", Integer, nullable=False),
    Column("context_pk", Integer, nullable=False),  # NO_COURSE for records outside a course
    Column("bucket", Integer, nullable=False),  # a day number or whole hours, by kind
    Column("n", Integer, nullable=False),
    Column("a", Integer, nullable=False),
    Column("b", Integer, nullable=False),
    Column("c", Integer, nullable=False),
    Column("d", Integer, nullable=False),
    # Kind first: each of the admin page's queries reads one kind, in course order.
    PrimaryKeyConstraint("kind", "platform_id", "context_pk", "bucket", name="pk_report_course_facts"),
)

report_learner_facts = Table(
    "report_learner_facts", metadata,
    # No foreign key: people are not deleted by the tool; after a manual deletion run
    # `coachbridge report rebuild-summaries`.
    Column("learner_id", Integer, primary_key=True, autoincrement=False),
    # [[platform_id, context_pk, kind, bucket, n, a, b, c, d], ...]
    Column("facts", JSON, nullable=False),
)

# Each learner's share again, one row per record date and activity (migration 0020c): what
# the breakdowns by manager, team and period add up in SQL, filtered by date range and
# learning activity as well as platform and course. ``day`` is the day the record counts on
# (activity date, planned date, due date, day held, day decided), ``month`` its month
# (year × 12 + month − 1) and ``bucket`` as in report_course_facts.
report_learner_rows = Table(
    "report_learner_rows", metadata,
    Column("learner_id", Integer, nullable=False, index=True),
    Column("platform_id", Integer, nullable=False),
    Column("context_pk", Integer, nullable=False),  # NO_COURSE for records outside a course
    Column("activity", Text, nullable=False),  # the xAPI activity IRI, "link:<id>", or "" for none
    Column("kind", String(12), nullable=False),
    Column("day", Integer, nullable=False),
    Column("month", Integer, nullable=False),
    Column("bucket", Integer, nullable=False),
    Column("n", Integer, nullable=False),
    Column("a", Integer, nullable=False),
    Column("b", Integer, nullable=False),
    Column("c", Integer, nullable=False),
    Column("d", Integer, nullable=False),
    # Kind and learner first: each of the breakdowns' queries reads one kind, learner by
    # learner (on SQLite the rows are stored in this order).
    PrimaryKeyConstraint("kind", "learner_id", "platform_id", "context_pk", "activity", "day", "bucket",
                         name="pk_report_learner_rows"),
    sqlite_with_rowid=False,
)
# A filter by course or by months reads only its rows, kind by kind; by activity (migration
# 0020d), only that activity's rows, of one kind or of every kind.
Index("ix_report_learner_rows_course", report_learner_rows.c.kind, report_learner_rows.c.context_pk)
Index("ix_report_learner_rows_month", report_learner_rows.c.kind, report_learner_rows.c.month)
Index("ix_report_learner_rows_activity", report_learner_rows.c.activity, report_learner_rows.c.kind)
