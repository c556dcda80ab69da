"""The landing page of a learner who has records (the bench's learners write none): CPU of the
learner page's view per launch, median, in one process — the demo's Ana (a reflection, a
validation asked again, check-ins, actions: six dates on her page) launching again and again;
and of the whole launch POST. USER another demo person (``manager-maria``: her team page, two
learners with records) prints the launch POST's only. ``DATABASE_URL`` (an empty database) instead
of a fresh SQLite file.

    .venv/bin/python bench/launch/records_landing.py [LAUNCHES] [LOCALE] [USER]
    cd <tree of the old commit> && PYTHONPATH=$PWD <this tree>/.venv/bin/python <this tree>/bench/launch/records_landing.py

Run the old and the new tree alternately. The same setup as page_snapshots.py (its demo LMS and
seeded records), without the snapshots' extra records.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from page_snapshots import serve_demo_lms  # noqa: E402

import adapter.web.learner as learner  # noqa: E402
from adapter.config import Settings  # noqa: E402
from adapter.demo.run import register_demo_lms  # noqa: E402
from adapter.demo.seed import seed_demo_records  # noqa: E402
from adapter.web import create_app  # noqa: E402

LAUNCHES = int(sys.argv[1]) if len(sys.argv) > 1 else 300
LOCALE = sys.argv[2] if len(sys.argv) > 2 else "fr-FR"
USER = sys.argv[3] if len(sys.argv) > 3 else "learner-ana"
WARM_UPS = 20


def main() -> int:
    lms, server = serve_demo_lms()
    app = create_app(Settings.from_env({"COACHBRIDGE_INSTANCE": tempfile.mkdtemp(prefix="records-landing-"),
                                         "COACHBRIDGE_ALLOW_PRIVATE_ADDRESSES": "1",
                                         "DATABASE_URL": os.environ.get("DATABASE_URL", "")}))
    parts = app.extensions["coachbridge"]
    seed_demo_records(parts.engine, register_demo_lms(app, lms), lms, parts.role_map)

    spent: list[float] = []
    posts: list[float] = []
    page = learner._page

    def measured(*args, **kwargs):
        started = time.process_time()
        try:
            return page(*args, **kwargs)
        finally:
            spent.append(time.process_time() - started)

    learner._page = measured
    for _ in range(WARM_UPS + LAUNCHES):
        client = app.test_client()
        r = client.get(urlsplit(lms.login_url(USER, "rl-feedback", locale=LOCALE))
                       ._replace(scheme="", netloc="").geturl())
        q = {k: v[0] for k, v in parse_qs(urlsplit(r.headers["Location"]).query).items()}
        token = lms.sign(lms.launch_claims(USER, "rl-feedback", q["nonce"], LOCALE))
        started = time.process_time()
        landed = client.post("/lti/launch", data={"id_token": token, "state": q["state"]})
        posts.append(time.process_time() - started)
        assert landed.status_code == 200 and (b"<time datetime" in landed.data or USER != "learner-ana"), landed.data[:300]
    server.shutdown()
    view = (f"the learner page's view {statistics.median(spent[WARM_UPS:]) * 1e6:.0f} µs, " if spent else "")
    print(f"{Path(create_app.__code__.co_filename).parent}: {USER}'s landing ({LOCALE}), median of {LAUNCHES}: "
          f"{view}the launch POST {statistics.median(posts[WARM_UPS:]) * 1e6:.0f} µs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
