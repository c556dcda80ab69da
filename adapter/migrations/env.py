"""Alembic environment: runs on the connection handed in by adapter.persistence.database."""
from alembic import context
from sqlalchemy import create_engine

from adapter.persistence.schema import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    context.run_migrations()
