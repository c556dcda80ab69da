"""People known before their first launch (an import or provisioning named them), and the
SCIM resources and tokens of provisioning.

Its own module and migration branches (0016a, 0016b), like the coaching tables; tables.py imports
it so Alembic sees one metadata.
"""
from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, UniqueConstraint, func

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
# A launch looks its email up here (expected_people_store.WAITING_BY_EMAIL), as lower(email).
Index("ix_expected_people_lower_email", expected_people.c.platform_id, func.lower(expected_people.c.email))

# SCIM provisioning (0016b): bearer tokens per platform, stored as hashes only.
scim_tokens = Table(
    "scim_tokens", metadata,
    Column("id", Integer, primary_key=True),
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex
    Column("created_at", Float, nullable=False),
    Column("last_used_at", Float, nullable=True),
    Column("revoked_at", Float, nullable=True),
)

# The identity provider's users: its resource as last written, and the person it is.
scim_users = Table(
    "scim_users", metadata,
    Column("id", String(36), primary_key=True),  # the SCIM id we hand out (a UUID)
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("user_name_key", String(255), nullable=False),  # userName, case-folded: unique per platform
    Column("external_id", String(255), nullable=True),
    Column("active", Boolean, nullable=False),
    Column("manager_id", String(36), nullable=True),  # another scim_users.id of the platform
    Column("resource", JSON, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("version", Integer, nullable=False),
    UniqueConstraint("platform_id", "user_name_key", name="uq_scim_users_platform_user_name"),
)
Index("ix_scim_users_manager", scim_users.c.platform_id, scim_users.c.manager_id)
Index("ix_scim_users_external_id", scim_users.c.platform_id, scim_users.c.external_id)
