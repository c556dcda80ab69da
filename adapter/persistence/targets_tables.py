"""Quarterly learning targets per team (a manager's current mentees).

Its own module and migration branch (0008), like the coaching tables; schema.py imports
it so Alembic sees one metadata.
"""
from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Integer, String, Table, UniqueConstraint

from .tables import metadata

learning_targets = Table(
    "learning_targets", metadata,
    Column("id", Integer, primary_key=True),
    Column("manager_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("quarter", String(7), nullable=False),  # 2026-Q4
    Column("measure", String(40), nullable=False),  # adapter.domain.targets.TARGET_MEASURES
    Column("target", Integer, nullable=False),
    # An admin signed in from the CLI link is nobody in people: then set_by is empty.
    Column("set_by", Integer, ForeignKey("people.id", ondelete="SET NULL"), nullable=True),
    Column("set_at", Float, nullable=False),
    UniqueConstraint("manager_id", "quarter", "measure", name="uq_learning_targets_team_quarter_measure"),
)
