"""Fixtures for the bridge tests: a fresh tool database per module (its own app, so the
bridge handler is installed), a real ralph LRS per module (its file store slows down as it
grows), and the fault-injecting LRS stand-in of tests/xapi."""
from __future__ import annotations

import pytest

from adapter.config import Settings
from adapter.web import create_app
from tests.peers.ralph_lrs import RalphLrs
from tests.xapi.xapi_fault_lrs import FaultLrs

from .world import new_world


@pytest.fixture(scope="module")
def tool(tmp_path_factory):
    """The app (migrated, bridge installed) on a database of this module's own."""
    instance = tmp_path_factory.mktemp("bridge-instance")
    return create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(instance)}))


@pytest.fixture(scope="module")
def engine(tool):
    return tool.extensions["coachbridge"].engine


@pytest.fixture
def world(engine):
    return new_world(engine)


@pytest.fixture(scope="module")
def ralph(tmp_path_factory):
    with RalphLrs(tmp_path_factory.mktemp("ralph")) as lrs:
        yield lrs


@pytest.fixture
def fault_lrs():
    lrs = FaultLrs().start()
    yield lrs
    lrs.stop()
