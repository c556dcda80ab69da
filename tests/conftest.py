"""The peers every folder shares: the tool and the demo LMS over HTTP (one per session),
on SQLite or on PostgreSQL; a real ralph LRS (one per test module: its file store slows
down as it grows) and the fault-injecting LRS stand-in of tests/xapi (one per test).

``COACHBRIDGE_TEST_DATABASE=postgresql`` runs the suite against a throwaway PostgreSQL
cluster (tests/run.sh does both runs); otherwise every database is a fresh SQLite file.
"""
import os

import pytest

from tests.peers.lti_platform import start_peers
from tests.peers.ralph_lrs import RalphLrs
from tests.xapi.xapi_fault_lrs import FaultLrs


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


@pytest.fixture(scope="module")
def ralph(tmp_path_factory):
    with RalphLrs(tmp_path_factory.mktemp("ralph")) as lrs:
        yield lrs


@pytest.fixture
def fault_lrs():
    lrs = FaultLrs().start()
    yield lrs
    lrs.stop()
