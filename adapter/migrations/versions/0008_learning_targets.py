"""Learning targets per team and quarter; indexes the course-level reports read by

Revision ID: 0008
Revises: 0002 (the coaching tables the indexes are on; a dependency on 0002 from a branch
off 0001 would hide 0002 from the version table and break migrations_current)
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0002"
branch_labels = None
depends_on = None

COURSE_INDEXES = ("reflections", "conversations", "agreed_actions", "validation_requests")


def upgrade() -> None:
    op.create_table(
        "learning_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("measure", sa.String(length=40), nullable=False),
        sa.Column("target", sa.Integer(), nullable=False),
        sa.Column("set_by", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["manager_id"], ["people.id"], ondelete="CASCADE",
                                name=op.f("fk_learning_targets_manager_id_people")),
        sa.ForeignKeyConstraint(["set_by"], ["people.id"], ondelete="SET NULL",
                                name=op.f("fk_learning_targets_set_by_people")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_learning_targets")),
        sa.UniqueConstraint("manager_id", "quarter", "measure", name="uq_learning_targets_team_quarter_measure"),
    )
    for table in COURSE_INDEXES:
        op.create_index(f"ix_{table}_course", table, ["context_pk"])


def downgrade() -> None:
    for table in COURSE_INDEXES:
        op.drop_index(f"ix_{table}_course", table_name=table)
    op.drop_table("learning_targets")
