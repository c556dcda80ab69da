"""The bridge tests' fixtures (a tool database per module with its event handlers, a
real ralph LRS, the fault LRS stand-in) serve the personal-data tests too."""
from tests.xapi_bridge.conftest import engine, fault_lrs, ralph, tool, world  # noqa: F401
