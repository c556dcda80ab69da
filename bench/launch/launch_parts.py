"""Where the launch POST's own CPU goes, measured in place: ``profile_launch.py``'s launches
with CPU accumulators (``time.process_time``) around the launch's parts, no profiler.

    .venv/bin/python bench/launch/launch_parts.py [LAUNCHES] [--outer]
    cd <tree of the old commit> && <this tree>/.venv/bin/python <this tree>/bench/launch/launch_parts.py

A part's cost in a real launch is several times what a hot loop of it says (the page render,
the test client and SQLite evict the caches between two launches), so levers are measured here
as well as alone. Prints µs per launch (each accumulator's total over every launch run, warm-ups
included); a part called by another is indented under it. Each wrapper adds ~0.5 µs.
Run the old and the new tree alternately. Beside each mean, the median call after the warm-ups:
the mean carries each process's one-time work (templates compiled on the first render, ~0.2–0.3 s
spread over the launches), the median does not. ``--outer``: the parts that nothing else measured
contains only (a wrapper's own ``process_time`` calls, ~1 µs, count in the part around it:
``validate`` holds 28 wrappers otherwise).
"""
from __future__ import annotations

import cProfile
import functools
import runpy
import sys
import time
from pathlib import Path

TREE = Path.cwd()  # the tree measured: run from its root
sys.path.insert(0, str(TREE))
OUTER = "--outer" in sys.argv[1:]
LAUNCHES = next((int(arg) for arg in sys.argv[1:] if arg.isdigit()), 600)
WARM_UPS = 20  # profile_launch.py's

import adapter.metrics  # noqa: E402,F401
import adapter.persistence.launch_reads as launch_reads  # noqa: E402
import adapter.persistence.lti_stores as lti_stores  # noqa: E402
import lti.login_state as login_state  # noqa: E402
import adapter.persistence.people_store as people_store  # noqa: E402
import adapter.services.launches as launches  # noqa: E402
import adapter.web.learner as learner  # noqa: E402
import adapter.web.lti_endpoints as endpoints  # noqa: E402
import lti.launch_validation as validation  # noqa: E402
from sqlalchemy.engine import base  # noqa: E402

spent: dict[str, float] = {}
calls: dict[str, list[float]] = {}  # each call's CPU, for the median after the warm-ups


def measure(owner, name: str, label: str) -> None:
    function = getattr(owner, name)

    @functools.wraps(function)
    def measured(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            took = time.process_time() - started
            spent[label] = spent.get(label, 0.0) + took
            calls.setdefault(label, []).append(took)

    setattr(owner, name, measured)


for owner, name, label in [
    (base.Engine, "connect", "Engine.connect"), (base.Connection, "begin", "Connection.begin"),
    (base.Transaction, "__exit__", "Transaction.__exit__ (commit)"), (base.Connection, "__exit__", "Connection.__exit__"),
    (validation.LaunchValidator, "validate", "validate"),
    (login_state.LoginStates, "open", "  LoginStates.open"),
    (validation.LaunchValidator, "check_signature", "  check_signature"),
    (validation, "signature_verifies", "    signature_verifies"),
    (endpoints, "open_session", "open_session"),
    (launch_reads, "known_for_launch", "  known_for_launch"),
    (people_store, "save_context", "  save_context"), (people_store, "save_resource_link", "  save_resource_link"),
    (people_store, "save_person", "  save_person"), (people_store, "save_membership", "  save_membership"),
    (launches, "start_session", "  start_session"),
    (validation.LaunchValidator, "consume", "consume"), (lti_stores.SqlLoginStore, "consume_login", "  consume_login"),
    (endpoints, "record_launch", "record_launch"),
    (endpoints, "landing", "landing"), (endpoints, "make_response", "make_response (the page)"),
    (endpoints, "set_cookie", "set_cookie"),
    # The learner landing page's view (learner.home): its reads and its render.
    (learner, "_page", "learner page"), (learner, "learner_page", "  learner_page (reads)"),
    (learner, "withdrawn_undo", "  withdrawn_undo"), (learner, "render_template", "  render_template"),
    (learner, "render_page", "  render_page"),
]:
    if (not OUTER or not label.startswith(" ")) and hasattr(owner, name):  # render_page: newer trees
        measure(owner, name, label)
# Each named check, in its list.
for checks in () if OUTER else ("REQUEST_CHECKS", "LOGIN_CHECKS", "AUDIENCE_CHECKS", "TIME_CHECKS", "MESSAGE_CHECKS"):
    holder = type("Checks", (), {})
    for check in getattr(validation, checks):
        setattr(holder, check.__name__, staticmethod(check))
        measure(holder, check.__name__, "  " + check.__name__)
    setattr(validation, checks, tuple(getattr(holder, check.__name__) for check in getattr(validation, checks)))


class _NoProfiler:
    """profile_launch.py's second loop then runs unprofiled too (its table: one empty row,
    as pstats refuses no rows)."""
    stats = {("~", 0, "unprofiled"): (0, 0, 0.0, 0.0, {})}

    def enable(self) -> None: ...
    def disable(self) -> None: ...
    def create_stats(self) -> None: ...


cProfile.Profile = _NoProfiler  # type: ignore[misc,assignment]
sys.argv = ["profile_launch.py", "--launches", str(LAUNCHES), "--limit", "0"]
try:
    runpy.run_path(str(TREE / "bench" / "launch" / "profile_launch.py"), run_name="__main__")
except SystemExit:
    pass
print(f"{'':36s} {'per launch':>11s} {'median call':>12s} {'calls/launch':>12s}")
for label, seconds in spent.items():
    launches = 2 * LAUNCHES + WARM_UPS
    later = sorted(calls[label][len(calls[label]) * WARM_UPS // launches:])  # the warm-ups' calls left out
    print(f"{label:36s} {seconds / launches * 1e6:8.1f} µs {later[len(later) // 2] * 1e6:9.1f} µs"
          f" {len(calls[label]) / launches:12.1f}")
