"""The bridge tests' engine and world (the LRSs are tests/conftest.py's), on a tool database
of this module's own that is PostgreSQL under COACHBRIDGE_TEST_DATABASE=postgresql (an
erasure is checked in both databases)."""
from __future__ import annotations

import pytest

from adapter.config import Settings
from adapter.web import create_app
from tests.xapi_bridge.conftest import engine, world  # noqa: F401


@pytest.fixture(scope="module")
def database_url(postgres, tmp_path_factory):
    return postgres.new_database() if postgres else f"sqlite:///{tmp_path_factory.mktemp('people') / 'tool.db'}"


@pytest.fixture(scope="module")
def tool(database_url, tmp_path_factory):
    """The app (migrated, event handlers installed) on this module's database."""
    return create_app(Settings.from_env({"DATABASE_URL": database_url,
                                         "COACHBRIDGE_INSTANCE": str(tmp_path_factory.mktemp("instance"))}))
