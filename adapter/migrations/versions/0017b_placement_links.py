"""A placed activity remembers the resource link its first launch brought in

The course page matched placements to launched links by title, so two activities with the
same title (or a title changed in the LMS) were confused; the placement's id now travels in
its custom parameters and its first launch stores the link's id here. Placements made before
this revision are matched by title once, as the page did.

Revision ID: 0017b
Revises: 0017a (the placements table)
"""
from alembic import op
import sqlalchemy as sa

revision = "0017b"
down_revision = "0017a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("placements") as batch:
        batch.add_column(sa.Column("resource_link_pk", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_placements_resource_link_pk_resource_links", "resource_links",
                                 ["resource_link_pk"], ["id"], ondelete="SET NULL")
    op.execute("UPDATE placements SET resource_link_pk = (SELECT MIN(resource_links.id) FROM resource_links "
               "WHERE resource_links.context_pk = placements.context_pk AND resource_links.title = placements.title)")


def downgrade() -> None:
    with op.batch_alter_table("placements") as batch:
        batch.drop_constraint("fk_placements_resource_link_pk_resource_links", type_="foreignkey")
        batch.drop_column("resource_link_pk")
