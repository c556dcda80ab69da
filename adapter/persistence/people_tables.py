"""People known before their first launch (an import or provisioning named them).

Its own module and migration branch (0016a), like the coaching tables; tables.py imports
it so Alembic sees one metadata.
"""
from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table

from .tables import metadata

# An expected person has a people row from the start, so relationships can point at it;
# known only by email, its sub is a placeholder until their first launch tells us theirs.
expected_people = Table(
    "expected_people", metadata,
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), nullable=False),
    Column("email", String(255), nullable=False, server_default=""),  # lower case
    Column("user_id", String(255), nullable=False, server_default=""),  # the LMS user id, when known
    Column("source", String(30), nullable=False),  # import | provisioning
    Column("created_at", Float, nullable=False),
    Column("matched_at", Float, nullable=True),
    Column("matched_by", String(10), nullable=True),  # sub | email
)
Index("ix_expected_people_email", expected_people.c.platform_id, expected_people.c.email)
