import pytest

from tests.peers.lti_platform import start_peers


@pytest.fixture(scope="session")
def peers(tmp_path_factory):
    running = start_peers(tmp_path_factory.mktemp("tool-instance"))
    yield running
    running.stop()
