"""The reports' privacy setting per platform: the smallest group a breakdown shows
(adapter/domain/small_groups.py), and the reports API's tokens. Migrations 0020a and 0020b."""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, String, Table, false

from .tables import metadata

report_privacy = Table(
    "report_privacy", metadata,
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), primary_key=True,
           autoincrement=False),
    Column("min_learners", Integer, nullable=False),
    # Whether the platform's managers may open the recognition list (an admin's choice).
    Column("managers_see_recognition", Boolean, nullable=False, server_default=false()),
    Column("updated_at", Float, nullable=False),
)

# Read-only tokens for BI tools (the reports' JSON API): hashes only, scoped to the
# creating admin's platform (None: a tool operator's, every platform). Migration 0020b.
report_api_tokens = Table(
    "report_api_tokens", metadata,
    Column("id", Integer, primary_key=True),
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), nullable=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex
    Column("created_at", Float, nullable=False),
    Column("last_used_at", Float, nullable=True),
    Column("revoked_at", Float, nullable=True),
)
