"""A fresh database seeded with the hand-worked organisation of seeded.py."""
from __future__ import annotations

import pytest

from adapter.bootstrap import bootstrap
from adapter.config import Settings

from .seeded import seed


@pytest.fixture
def engine(database_url, tmp_path):
    """A migrated database whose records keep the admin summary, as the app's do."""
    settings = Settings.from_env({"DATABASE_URL": database_url, "COACHBRIDGE_INSTANCE": str(tmp_path)})
    engine = bootstrap(settings).engine
    yield engine
    engine.dispose()


@pytest.fixture
def organisation(engine):
    return seed(engine)



# The coaching tests' people and launches: new demo-LMS people per test.
from tests.coaching.conftest import launch, other_team, team  # noqa: E402,F401
