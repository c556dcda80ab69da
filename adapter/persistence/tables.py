"""The database schema, as SQLAlchemy Core tables.

Core rather than the ORM on purpose: the launch path runs a handful of statements per
request and every one of them is visible here; the domain model stays plain Python.
Alembic migrations in ``adapter/migrations`` create exactly these tables.
"""
from __future__ import annotations

from sqlalchemy import (
    JSON, BigInteger, Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text,
    UniqueConstraint, false, text,
)

metadata = MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

platforms = Table(
    "platforms", metadata,
    Column("id", Integer, primary_key=True),
    Column("issuer", String(255), nullable=False),
    Column("client_id", String(255), nullable=False),
    Column("name", String(255), nullable=False, default=""),
    Column("auth_login_url", Text, nullable=False),
    Column("auth_token_url", Text, nullable=False, default=""),
    Column("key_set_url", Text, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", Float, nullable=False),
    # The aud of client assertions when it is not the token URL (Brightspace).
    Column("token_audience", Text, nullable=False, server_default=""),
    Column("product_family_code", String(100), nullable=False, server_default=""),
    Column("registered_by", String(20), nullable=False, server_default="manual"),
    # A dynamic registration that named no deployment (Canvas) learns its deployments
    # from validly signed launches.
    Column("accept_new_deployments", Boolean, nullable=False, server_default=false()),
    # Registered openly (no invitation): inactive until a tool operator approves it.
    Column("pending", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("issuer", "client_id", name="uq_platforms_issuer_client"),
)

# One-time links a tool operator gives an LMS admin for Dynamic Registration; only the
# token's hash is stored, and the link is spent by the registration it allowed.
registration_invitations = Table(
    "registration_invitations", metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("note", String(200), nullable=False, server_default=""),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float, nullable=True),
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="SET NULL"), nullable=True),
)

deployments = Table(
    "deployments", metadata,
    Column("id", Integer, primary_key=True),
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), nullable=False),
    Column("deployment_id", String(255), nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("platform_id", "deployment_id", name="uq_deployments_platform_deployment"),
)

tool_keys = Table(
    "tool_keys", metadata,
    Column("id", Integer, primary_key=True),
    Column("kid", String(100), nullable=False, unique=True),
    Column("private_pem", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    # The newest un-retired key signs; retired keys stay published until published_until.
    Column("retired_at", Float, nullable=True),
    Column("published_until", Float, nullable=True),
)

# A login used by its launch, under its login id (lti/login_state.py: the login itself
# travels in its state), kept until an hour after it expired so a replay reads as one.
# One B-tree on SQLite (no rowid, no other index): each launch inserts here, and a purge
# scanning it costs less than keeping an index of expiries would.
used_logins = Table(
    "used_logins", metadata,
    Column("login_id", String(100), primary_key=True),
    Column("expires_at", Float, nullable=False),
    sqlite_with_rowid=False,
)

key_set_cache = Table(
    "key_set_cache", metadata,
    Column("url", String(1000), primary_key=True),
    Column("keys", JSON, nullable=False),
    Column("fetched_at", Float, nullable=False),
    Column("fresh_until", Float, nullable=False),
)

people = Table(
    "people", metadata,
    Column("id", Integer, primary_key=True),
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), nullable=False),
    Column("sub", String(255), nullable=False),
    Column("name", String(255), nullable=False, default=""),
    Column("given_name", String(255), nullable=False, default=""),
    Column("family_name", String(255), nullable=False, default=""),
    Column("email", String(255), nullable=False, default=""),
    Column("last_launch_at", Float, nullable=True),
    Column("created_at", Float, nullable=False),
    # Team or department, for the reports' by-team view: from the CSV import (issue 20);
    # SCIM's enterprise "department" is the other source meant to fill it.
    Column("team", String(255), nullable=False, server_default=""),
    UniqueConstraint("platform_id", "sub", name="uq_people_platform_sub"),
)

contexts = Table(
    "contexts", metadata,
    Column("id", Integer, primary_key=True),
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), nullable=False),
    Column("deployment_id", String(255), nullable=False),
    Column("context_id", String(255), nullable=False),
    Column("title", String(500), nullable=False, default=""),
    Column("label", String(255), nullable=False, default=""),
    # Service endpoints from the latest launch's AGS and NRPS claims.
    Column("lineitems_url", Text, nullable=False, server_default=""),
    Column("memberships_url", Text, nullable=False, server_default=""),
    # NRPS "differences" link from the last roster sync: the next sync asks only for changes.
    Column("roster_differences_url", Text, nullable=False, server_default=""),
    Column("roster_synced_at", Float, nullable=True),
    UniqueConstraint("platform_id", "deployment_id", "context_id", name="uq_contexts_platform_context"),
)

resource_links = Table(
    "resource_links", metadata,
    Column("id", Integer, primary_key=True),
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), nullable=False),
    Column("deployment_id", String(255), nullable=False),
    Column("resource_link_id", String(255), nullable=False),
    Column("context_pk", Integer, ForeignKey("contexts.id", ondelete="SET NULL"), nullable=True),
    Column("title", String(500), nullable=False, default=""),
    Column("custom", JSON, nullable=False, default=dict),
    # The gradebook column validations go to: from the launch's AGS claim, or found/created.
    Column("lineitem_url", Text, nullable=False, server_default=""),
    Column("score_maximum", Float, nullable=True),
    UniqueConstraint("platform_id", "deployment_id", "resource_link_id", name="uq_resource_links_platform_link"),
)

memberships = Table(
    "memberships", metadata,
    Column("id", Integer, primary_key=True),
    Column("context_pk", Integer, ForeignKey("contexts.id", ondelete="CASCADE"), nullable=False),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("app_roles", JSON, nullable=False),
    Column("lti_roles", JSON, nullable=False),
    Column("updated_at", Float, nullable=False),
    # Active | Inactive | Deleted, as the LMS roster says; a launch means Active.
    Column("status", String(20), nullable=False, server_default="Active"),
    UniqueConstraint("context_pk", "person_id", name="uq_memberships_context_person"),
)

manager_links = Table(
    "manager_links", metadata,
    Column("id", Integer, primary_key=True),
    Column("learner_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("manager_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    # mentor_claim | import | nomination
    Column("source", String(30), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("ended_at", Float, nullable=True),
    UniqueConstraint("learner_id", "manager_id", "source", name="uq_manager_links_pair_source"),
)
Index("ix_manager_links_manager", manager_links.c.manager_id, manager_links.c.ended_at)

service_tokens = Table(
    "service_tokens", metadata,
    # issuer, client id and sorted scopes: one token per scope set per registration.
    Column("cache_key", String(64), primary_key=True),
    Column("access_token", Text, nullable=False),
    Column("expires_at", Float, nullable=False),
)

service_token_locks = Table(
    "service_token_locks", metadata,
    Column("cache_key", String(64), primary_key=True),
    Column("holder", String(64), nullable=False),
    Column("lease_until", Float, nullable=False),
)

score_clock = Table(
    "score_clock", metadata,
    # AGS: a score counts only if its timestamp is after the last one for that user and
    # line item, so the tool hands out strictly increasing ones.
    Column("resource_link_pk", Integer, ForeignKey("resource_links.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("last_timestamp_ms", BigInteger, nullable=False),
)

# Each message's key, written once when it is queued and never updated: the duplicate
# check (a message is queued once per channel and target) and the outbox row's id. It
# lives apart from the outbox row so that settling a row adds no entry to a unique index
# (migration 0018t says what that cost on PostgreSQL).
outbox_keys = Table(
    "outbox_keys", metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(10), nullable=False),
    Column("target", String(200), nullable=False),
    Column("message_id", String(100), nullable=False),
    UniqueConstraint("channel", "target", "message_id", name="uq_outbox_keys_message"),
)

outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # = outbox_keys.id
    # xapi: a statement for the LRS named by target; ags: a score for the platform target.
    Column("channel", String(10), nullable=False),
    Column("target", String(200), nullable=False),
    Column("message_id", String(100), nullable=False),
    Column("source", String(100), nullable=False, server_default=""),  # e.g. validation 12 v3
    Column("status", String(10), nullable=False, server_default="pending"),  # pending|delivered|dead|cancelled
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", Float, nullable=False),
    # A worker's claim is a lease: if it dies, the rows are due again when it lapses.
    Column("claimed_until", Float, nullable=True),
    Column("claimed_by", String(64), nullable=True),
    Column("last_error", Text, nullable=False, server_default=""),
    Column("created_at", Float, nullable=False),
    Column("delivered_at", Float, nullable=True),
)
# Only pending rows, the longest due first: a claim walks it from the oldest due row and
# stops after a batch (rows waiting for a retry are not visited); settled rows leave it.
# (Queries must say status = 'pending' literally to use it.) Migration 0018a says why
# not (channel, target, id).
Index("ix_outbox_pending", outbox.c.channel, outbox.c.target, outbox.c.next_attempt_at, outbox.c.id,
      sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'"))

# The message itself, apart from the row that claims and settlements update: SQLite
# rewrites a whole row on UPDATE, so a ~1.3 KB statement beside the status would be
# copied by every claim and mark. Written once with its outbox row (same id), read when
# claimed. No foreign key: outbox rows are never deleted, and SQLite's table rebuilds
# (Alembic batch migrations) would cascade a DROP of the old outbox into the payloads.
outbox_payloads = Table(
    "outbox_payloads", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # = outbox.id
    Column("payload", Text, nullable=False),
)

admin_sign_in_links = Table(
    "admin_sign_in_links", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("used_at", Float, nullable=True),
)

web_sessions = Table(
    "web_sessions", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=True),
    Column("platform_id", Integer, ForeignKey("platforms.id", ondelete="CASCADE"), nullable=True),
    Column("context_pk", Integer, ForeignKey("contexts.id", ondelete="SET NULL"), nullable=True),
    Column("resource_link_pk", Integer, ForeignKey("resource_links.id", ondelete="SET NULL"), nullable=True),
    Column("app_role", String(20), nullable=False),
    Column("app_roles", JSON, nullable=False),
    Column("launch", JSON, nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
)
