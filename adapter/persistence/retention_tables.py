"""Each platform's retention settings: how long coachbridge keeps personal data.

Its own module and migration branch (0022a), like the coaching tables; tables.py imports
it so Alembic sees one metadata. A limit left empty means "keep": nothing is deleted by
age until an admin sets it.
"""
from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Integer, String, Table

from .tables import metadata

retention_settings = Table(
    "retention_settings", metadata,
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), primary_key=True),
    # Private notes are blanked this many days after the conversation was held.
    Column("private_notes_days", Integer, nullable=True),
    # Withdrawn records are deleted this many days after their withdrawal.
    Column("withdrawn_days", Integer, nullable=True),
    # A person's records are deleted after this many months without a launch.
    Column("inactive_months", Integer, nullable=True),
    Column("updated_at", Float, nullable=False),
    # The UTC day (YYYY-MM-DD) of the last daily run: the worker that moves it runs it.
    Column("last_run_on", String(10), nullable=True),
)
