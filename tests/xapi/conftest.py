"""Fixtures for the xAPI tests: the mapping and build settings (the LRSs, real and
fault-injecting, are tests/conftest.py's)."""

from __future__ import annotations

import pytest

from xapi.mapping import load_mapping
from xapi.statements import BuildSettings

from .xapi_samples import SAMPLE_ACTIVITY_BASE


@pytest.fixture(scope="session")
def mapping():
    return load_mapping()


@pytest.fixture
def settings():
    return BuildSettings(activity_iri_base=SAMPLE_ACTIVITY_BASE)

