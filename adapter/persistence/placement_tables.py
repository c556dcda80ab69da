"""Activities an instructor placed in a course through Deep Linking.

The LMS names the new resource link only at its first launch; until then the course page
knows the activity from here, so a newly added activity shows as "not opened yet" instead
of missing; the first launch stores the link it brought in (``resource_link_pk``, 0017b).
Its own migration branch (0017a); tables.py imports it so Alembic sees one metadata.
"""
from __future__ import annotations

from sqlalchemy import JSON, Column, Float, ForeignKey, Index, Integer, String, Table

from .tables import metadata

placements = Table(
    "placements", metadata,
    Column("id", Integer, primary_key=True),
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), nullable=False),
    Column("context_pk", Integer, ForeignKey("contexts.id", ondelete="CASCADE"), nullable=True),
    Column("title", String(500), nullable=False),
    Column("custom", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("resource_link_pk", Integer, ForeignKey("resource_links.id", ondelete="SET NULL"), nullable=True),
)
Index("ix_placements_context", placements.c.context_pk)
