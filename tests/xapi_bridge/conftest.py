"""Fixtures for the bridge tests: a fresh tool database per module (its own app) and a
world of people and links on it (the LRSs are tests/conftest.py's)."""
from __future__ import annotations

import pytest

from adapter.config import Settings
from adapter.web import create_app

from .world import new_world


@pytest.fixture(scope="module")
def tool(tmp_path_factory):
    """The app (migrated, its event handlers bound) on a database of this module's own."""
    instance = tmp_path_factory.mktemp("bridge-instance")
    return create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": str(instance)}))


@pytest.fixture(scope="module")
def engine(tool):
    return tool.extensions["coachbridge"].engine


@pytest.fixture
def world(engine):
    return new_world(engine)

