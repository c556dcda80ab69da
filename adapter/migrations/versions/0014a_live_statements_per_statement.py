"""The statements each LRS holds per record, one row per statement (not per event kind):
a new state is a new statement, so a record can hold two live statements of one kind
(a validation asked twice)

Revision ID: 0014a
Revises: 0006
"""
from alembic import op

revision = "0014a"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("xapi_live_statements", recreate="always") as batch:
        batch.drop_constraint("pk_xapi_live_statements", type_="primary")
        batch.create_primary_key("pk_xapi_live_statements", ["target", "record_key", "statement_id"])


def downgrade() -> None:
    # Keep the latest statement of each kind (what the one-per-kind key could hold).
    op.execute("DELETE FROM xapi_live_statements WHERE EXISTS (SELECT 1 FROM xapi_live_statements later"
               " WHERE later.target = xapi_live_statements.target"
               " AND later.record_key = xapi_live_statements.record_key"
               " AND later.kind = xapi_live_statements.kind"
               " AND later.record_version > xapi_live_statements.record_version)")
    with op.batch_alter_table("xapi_live_statements", recreate="always") as batch:
        batch.drop_constraint("pk_xapi_live_statements", type_="primary")
        batch.create_primary_key("pk_xapi_live_statements", ["target", "record_key", "kind"])
