"""The migrations build exactly the schema the code declares (tables.py and its
feature modules): a column added in one place but not the other fails here."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from adapter.persistence.database import make_engine, migrations_current, upgrade
from adapter.persistence.schema import metadata


def test_migrated_schema_equals_declared_schema(database_url):
    engine = make_engine(database_url)
    upgrade(engine)
    assert migrations_current(engine)
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []
