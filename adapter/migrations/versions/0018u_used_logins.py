"""Logins used, one narrow table: since the login travels in its sealed state (lti/login_state.py),
a launch writes only its login's id and expiry. ``pending_logins`` kept the whole login in four
B-trees on SQLite (the rows, the state's key, the nonce's, the expiry's); ``used_logins`` is one
(keyed by the login id, no rowid, no other index: the purge scans it). A nonce is used when the
login it was derived from is, so the nonce needs no column of its own.

The logins already used are carried over, so a replay of one still reads as a replay.
Downgrading carries them back under their login id; their nonces are not known any more, so a
replayed nonce reads there as another login's, and is refused as such.

Revision ID: 0018u
Revises: 0001 (pending_logins)
"""
from alembic import op
import sqlalchemy as sa

revision = "0018u"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "used_logins",
        sa.Column("login_id", sa.String(length=100), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("login_id", name=op.f("pk_used_logins")),
        sqlite_with_rowid=False,
    )
    op.execute("INSERT INTO used_logins (login_id, expires_at)"
               " SELECT state, expires_at FROM pending_logins WHERE consumed_at IS NOT NULL")
    op.drop_index("ix_pending_logins_expires_at", table_name="pending_logins")
    op.drop_table("pending_logins")


def downgrade() -> None:
    op.create_table(
        "pending_logins",
        sa.Column("state", sa.String(length=100), nullable=False),
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("browser_binding", sa.String(length=100), nullable=False),
        sa.Column("target_link_uri", sa.Text(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("consumed_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_pending_logins")),
        sa.UniqueConstraint("nonce", name=op.f("uq_pending_logins_nonce")),
    )
    op.create_index("ix_pending_logins_expires_at", "pending_logins", ["expires_at"], unique=False)
    # The nonce column wants a unique value: the login id stands in for the nonce not kept.
    op.execute("INSERT INTO pending_logins (state, nonce, issuer, client_id, browser_binding, target_link_uri,"
               " expires_at, consumed_at) SELECT login_id, login_id, '', '', '', '', expires_at, expires_at"
               " FROM used_logins")
    op.drop_table("used_logins")
