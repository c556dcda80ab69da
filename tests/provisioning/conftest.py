"""A real ``coachbridge serve`` for the SCIM peers, one for the whole folder (starting one
costs seconds), on SQLite or PostgreSQL; each test reads counts before and after."""
from __future__ import annotations

import pytest
from httpx2 import Client
from scim2_client.engines.httpx2 import SyncSCIMClient
from sqlalchemy import create_engine

from tests.peers.scim_server import start_scim_server


@pytest.fixture(scope="package")
def scim_server(tmp_path_factory, postgres):
    instance = tmp_path_factory.mktemp("scim-instance")
    url = postgres.new_database() if postgres else f"sqlite:///{instance / 'scim.db'}"
    server = start_scim_server(instance, url)
    yield server
    server.stop()


@pytest.fixture(scope="package")
def scim_db(scim_server):
    engine = create_engine(scim_server.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def scim_client(scim_server):
    """scim2-client over HTTP, configured from the server's own discovery documents."""
    http = Client(base_url=scim_server.base_url, headers={"Authorization": f"Bearer {scim_server.token}"},
                  timeout=30)
    client = SyncSCIMClient(http)
    client.discover()
    yield client
    http.close()
