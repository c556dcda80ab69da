"""A fresh database seeded with the hand-worked organisation of seeded.py."""
from __future__ import annotations

import pytest

from adapter.persistence.database import make_engine, upgrade
from adapter.services import event_handlers, reports

from .seeded import seed


@pytest.fixture
def engine(database_url):
    """A migrated database whose records keep the admin summary, as the app's do
    (build_components registers the same handler)."""
    engine = make_engine(database_url)
    upgrade(engine)
    event_handlers.register(reports.keep_summaries)
    yield engine
    engine.dispose()


@pytest.fixture
def organisation(engine):
    return seed(engine)


@pytest.fixture(scope="session")
def ralph(tmp_path_factory):
    from tests.peers.ralph_lrs import RalphLrs

    with RalphLrs(tmp_path_factory.mktemp("ralph-reports")) as lrs:
        yield lrs


# The coaching tests' people and launches: new demo-LMS people per test.
from tests.coaching.conftest import launch, team  # noqa: E402,F401
