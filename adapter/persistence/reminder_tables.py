"""Tables of what keeps coaching on time: check-in cadences, mail settings and
preferences, per-person links (unsubscribe, calendar feed), planned check-ins as
calendar events, where each activity lives in the LMS, and the scheduler's turns.

On their own migration branch (0019a); tables.py imports this module so Alembic sees
one metadata. Timestamps are epoch seconds (Float), calendar dates Date.
"""
from __future__ import annotations

from sqlalchemy import (
    JSON, Boolean, Column, Date, Float, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint,
)

from .tables import metadata


def _person(name: str) -> Column:
    return Column(name, Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False)


check_in_cadences = Table(
    "check_in_cadences", metadata,
    # The manager's rhythm for their whole team: a check-in is due this many days after the last.
    Column("manager_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("every_days", Integer, nullable=False),
    Column("updated_at", Float, nullable=False),
)

mail_settings = Table(
    "mail_settings", metadata,
    Column("id", Integer, primary_key=True),  # one row (id 1)
    Column("host", String(255), nullable=False),
    Column("port", Integer, nullable=False),
    Column("security", String(10), nullable=False),  # none | starttls | tls
    Column("username", String(255), nullable=False, server_default=""),
    Column("password_sealed", Text, nullable=False, server_default=""),  # write-only, sealed with the key cipher
    Column("from_address", String(255), nullable=False),
    Column("daily_cap", Integer, nullable=False),
    Column("defaults", JSON, nullable=False),  # message kind -> on/off, the organisation's defaults
    Column("enabled", Boolean, nullable=False),
    Column("updated_at", Float, nullable=False),
)

mail_preferences = Table(
    "mail_preferences", metadata,
    _person("person_id"),
    Column("kind", String(40), nullable=False),
    Column("wanted", Boolean, nullable=False),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("person_id", "kind", name="uq_mail_preferences_person_kind"),
)

personal_links = Table(
    "personal_links", metadata,
    # Secrets that act without a session: a one-click unsubscribe (in every mail) and the
    # calendar feed (only its hash: the address is shown once, when made).
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("unsubscribe_token", String(64), nullable=False, unique=True),
    Column("feed_token_hash", String(64), nullable=True, unique=True),
    Column("created_at", Float, nullable=False),
)

check_in_plans = Table(
    "check_in_plans", metadata,
    # The next check-in a manager planned with a learner: one calendar event (stable UID)
    # whose SEQUENCE grows with each change.
    Column("id", Integer, primary_key=True),
    _person("manager_id"),
    _person("learner_id"),
    Column("conversation_id", Integer, ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
    Column("planned_on", Date, nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("status", String(12), nullable=False),  # planned | cancelled
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("manager_id", "learner_id", name="uq_check_in_plans_pair"),
)
Index("ix_check_in_plans_learner", check_in_plans.c.learner_id)

activity_urls = Table(
    "activity_urls", metadata,
    # Where the LMS says the activity lives (launch_presentation.return_url): mail links go there.
    Column("resource_link_pk", Integer, ForeignKey("resource_links.id", ondelete="CASCADE"), primary_key=True),
    Column("url", Text, nullable=False),
    Column("updated_at", Float, nullable=False),
)

scheduler_turns = Table(
    "scheduler_turns", metadata,
    # One row per periodic job: the worker that moves next_run_at forward runs it.
    Column("job", String(40), primary_key=True),
    Column("next_run_at", Float, nullable=False),
    Column("last_run_at", Float, nullable=True),
)

mail_daily_counts = Table(
    "mail_daily_counts", metadata,
    # How many mails each person was sent on a (UTC) day: the daily cap counts here.
    _person("person_id"),
    Column("day", Date, nullable=False),
    Column("sent", Integer, nullable=False),
    UniqueConstraint("person_id", "day", name="uq_mail_daily_counts_person_day"),
)
