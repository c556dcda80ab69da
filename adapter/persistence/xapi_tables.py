"""Tables of the xAPI bridge's settings: LRS endpoints and privacy choices, per platform.

Kept apart from tables.py like the coaching tables (own migration branch, 0006);
schema.py imports this module so Alembic sees one metadata. An endpoint's ``name`` is the
outbox ``target`` of its statements, so it never changes once rows may carry it.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Table, Text, false, true

from .tables import metadata

lrs_endpoints = Table(
    "lrs_endpoints", metadata,
    Column("id", Integer, primary_key=True),
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(200), nullable=False, unique=True),
    Column("endpoint", Text, nullable=False),  # the xAPI base URL ("…/xAPI/")
    Column("auth_kind", String(10), nullable=False, server_default="basic"),  # none | basic | oauth2
    Column("username", String(255), nullable=False, server_default=""),
    # The basic-auth password or the OAuth2 client secret; sealed with the key-encryption
    # key when one is configured (adapter/persistence/key_cipher.py).
    Column("secret", Text, nullable=False, server_default=""),
    Column("token_url", Text, nullable=False, server_default=""),
    Column("client_id", String(255), nullable=False, server_default=""),
    Column("scope", String(500), nullable=False, server_default=""),
    Column("xapi_version", String(10), nullable=False, server_default="1.0.3"),
    Column("batch_size", Integer, nullable=False, server_default="100"),
    Column("active", Boolean, nullable=False, server_default=true()),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    # Saved by the tool operator: its deliveries may reach a private address (see lrs_store).
    Column("set_by_operator", Boolean, nullable=False, server_default=false()),
)
Index("ix_lrs_endpoints_platform", lrs_endpoints.c.platform_id, lrs_endpoints.c.active)

xapi_privacy = Table(
    "xapi_privacy", metadata,
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), primary_key=True),
    Column("identity_format", String(20), nullable=False, server_default="account"),
    Column("share_free_text", Boolean, nullable=False, server_default=false()),
    Column("updated_at", Float, nullable=False),
)

# The statements each LRS holds for each record, with their event kind: a correction
# voids the ones of the kinds it corrects, a withdrawal voids them all; a new state adds
# one. Per target, because an endpoint added later never got the earlier versions.
xapi_live_statements = Table(
    "xapi_live_statements", metadata,
    Column("target", String(200), primary_key=True),
    Column("record_key", String(100), primary_key=True),  # e.g. "validation-12"
    Column("statement_id", String(36), primary_key=True),
    Column("kind", String(40), nullable=False),  # e.g. "validation_requested"
    Column("record_version", Integer, nullable=False),
)
