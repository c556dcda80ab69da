"""Reminders, mail and calendar: cadences, SMTP settings, preferences, personal links,
planned check-ins, activity URLs from launches, scheduler turns (issue 19).

Revision ID: 0019a
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0019a"
down_revision = "0002"
branch_labels = None
depends_on = None


def _person(name: str, **kw) -> sa.Column:
    return sa.Column(name, sa.Integer(), sa.ForeignKey("people.id", ondelete="CASCADE",
                                                       name=f"fk_{kw.pop('table')}_{name}_people"), **kw)


def upgrade() -> None:
    op.create_table(
        "check_in_cadences",
        _person("manager_id", table="check_in_cadences", primary_key=True),
        sa.Column("every_days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
    )
    op.create_table(
        "mail_settings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("security", sa.String(10), nullable=False),
        sa.Column("username", sa.String(255), nullable=False, server_default=""),
        sa.Column("password_sealed", sa.Text(), nullable=False, server_default=""),
        sa.Column("from_address", sa.String(255), nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=False),
        sa.Column("defaults", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
    )
    op.create_table(
        "mail_preferences",
        _person("person_id", table="mail_preferences", nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("wanted", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.UniqueConstraint("person_id", "kind", name="uq_mail_preferences_person_kind"),
    )
    op.create_table(
        "personal_links",
        _person("person_id", table="personal_links", primary_key=True),
        sa.Column("unsubscribe_token", sa.String(64), nullable=False),
        sa.Column("feed_token_hash", sa.String(64), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.UniqueConstraint("unsubscribe_token", name="uq_personal_links_unsubscribe_token"),
        sa.UniqueConstraint("feed_token_hash", name="uq_personal_links_feed_token_hash"),
    )
    op.create_table(
        "check_in_plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        _person("manager_id", table="check_in_plans", nullable=False),
        _person("learner_id", table="check_in_plans", nullable=False),
        sa.Column("conversation_id", sa.Integer(),
                  sa.ForeignKey("conversations.id", ondelete="CASCADE",
                                name="fk_check_in_plans_conversation_id_conversations"), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.UniqueConstraint("manager_id", "learner_id", name="uq_check_in_plans_pair"),
    )
    op.create_index("ix_check_in_plans_learner", "check_in_plans", ["learner_id"])
    op.create_table(
        "activity_urls",
        sa.Column("resource_link_pk", sa.Integer(),
                  sa.ForeignKey("resource_links.id", ondelete="CASCADE",
                                name="fk_activity_urls_resource_link_pk_resource_links"), primary_key=True),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
    )
    op.create_table(
        "scheduler_turns",
        sa.Column("job", sa.String(40), primary_key=True),
        sa.Column("next_run_at", sa.Float(), nullable=False),
        sa.Column("last_run_at", sa.Float(), nullable=True),
    )
    op.create_table(
        "mail_daily_counts",
        _person("person_id", table="mail_daily_counts", nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.UniqueConstraint("person_id", "day", name="uq_mail_daily_counts_person_day"),
    )
    # The reminder scan walks due dates by range, not the whole tables.
    op.create_index("ix_conversations_next_on", "conversations", ["next_on"])
    op.create_index("ix_agreed_actions_due_on", "agreed_actions", ["due_on"])


def downgrade() -> None:
    op.drop_index("ix_agreed_actions_due_on", table_name="agreed_actions")
    op.drop_index("ix_conversations_next_on", table_name="conversations")
    for table in ("mail_daily_counts", "scheduler_turns", "activity_urls", "check_in_plans", "personal_links",
                  "mail_preferences", "mail_settings", "check_in_cadences"):
        op.drop_table(table)
