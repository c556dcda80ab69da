"""Fixtures for the xAPI tests: the mapping, build settings, the real ralph LRS (one per
session, fresh data directory) and the fault-injecting stand-in (one per test)."""

from __future__ import annotations

import pytest

from tests.peers.ralph_lrs import RalphLrs
from xapi.mapping import load_mapping
from xapi.statements import BuildSettings
from xapi_fault_lrs import FaultLrs
from xapi_samples import SAMPLE_ACTIVITY_BASE


@pytest.fixture(scope="session")
def mapping():
    return load_mapping()


@pytest.fixture
def settings():
    return BuildSettings(activity_iri_base=SAMPLE_ACTIVITY_BASE)


@pytest.fixture(scope="session")
def ralph(tmp_path_factory):
    with RalphLrs(tmp_path_factory.mktemp("ralph")) as lrs:
        yield lrs


@pytest.fixture
def fault_lrs():
    lrs = FaultLrs().start()
    yield lrs
    lrs.stop()
