"""The reports' privacy setting per platform: the smallest group a breakdown shows
(adapter/domain/small_groups.py). Its own module and migration (0020a)."""
from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Integer, Table

from .tables import metadata

report_privacy = Table(
    "report_privacy", metadata,
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), primary_key=True,
           autoincrement=False),
    Column("min_learners", Integer, nullable=False),
    Column("updated_at", Float, nullable=False),
)
