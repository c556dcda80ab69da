"""Session-wide peers: the tool and the demo LMS over HTTP, on SQLite or on PostgreSQL.

``COACHBRIDGE_TEST_DATABASE=postgresql`` runs the suite against a throwaway PostgreSQL
cluster (tests/run.sh does both runs); otherwise every database is a fresh SQLite file.
"""
import os

import pytest

from tests.peers.lti_platform import start_peers


@pytest.fixture(scope="session")
def postgres():
    if os.environ.get("COACHBRIDGE_TEST_DATABASE") != "postgresql":
        yield None
        return
    from tests.peers.postgres import PostgresCluster

    cluster = PostgresCluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def database_url(postgres, tmp_path):
    """A fresh, empty database for one test."""
    return postgres.new_database() if postgres else f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(scope="session")
def peers(tmp_path_factory, postgres):
    running = start_peers(tmp_path_factory.mktemp("tool-instance"),
                          database_url=postgres.new_database() if postgres else None)
    yield running
    running.stop()
