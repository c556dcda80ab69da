"""CPU time of the worker's reminder scan for a large organisation, on SQLite and PostgreSQL.

    .venv/bin/python bench/reminders/run.py [--learners 50000] [--databases sqlite,postgresql]

Builds, per database, ``--learners`` learners with one manager per ten (5,000 managers
for 50,000), each learner with one to three conversations (the latest planning a next
check-in within a month either side of today for 70 % of them), one or two open actions
due within a month either side, and a pending validation request for 30 %; a fifth of
the managers set a two-week cadence; mail is set up. Rows are bulk-inserted in the shape
the services write.

Then it runs the scan as ``coachbridge worker`` does (``ReminderScan.run_once``) three
times and reports, for each, this process's CPU time (``time.process_time``: the scan's
Python, SQL building and driver work; PostgreSQL's own server CPU is not in it), the wall
time, and how many reminders it queued:

1. the first full scan of the day (queues every reminder due: composing each message);
2. the next turn the same day (everything already queued: the incremental case);
3. the first turn of the next day (only what fell due overnight is new).

Target (issue 19): under 10 s of CPU per full scan, and incremental after that.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from adapter.persistence import mail_store  # noqa: E402
from adapter.persistence.coaching_tables import agreed_actions, conversations, validation_requests  # noqa: E402
from adapter.persistence.database import make_engine, upgrade  # noqa: E402
from adapter.persistence.reminder_tables import check_in_cadences  # noqa: E402
from adapter.persistence.tables import contexts, manager_links, people, platforms, resource_links  # noqa: E402
from adapter.services.reminders import SCAN_EVERY, ReminderScan  # noqa: E402

TEAM, CHUNK = 10, 20_000
NOW = time.time()
TODAY = datetime.fromtimestamp(NOW, timezone.utc).date()


def build(engine, learners: int, seed: int = 19) -> dict[str, int]:
    rng = random.Random(seed)
    managers = max(1, learners // TEAM)
    counts: dict[str, int] = {}

    def put(conn, table, rows: list[dict]) -> None:
        for start in range(0, len(rows), CHUNK):
            conn.execute(insert(table), rows[start:start + CHUNK])
        counts[table.name] = counts.get(table.name, 0) + len(rows)

    def day(offset: int) -> date:
        return TODAY + timedelta(days=offset)

    with engine.begin() as conn:
        conn.execute(insert(platforms).values(id=1, issuer="https://lms.example.org", client_id="c", name="LMS",
                                              auth_login_url="x", auth_token_url="x", key_set_url="x", active=True,
                                              created_at=NOW))
        conn.execute(insert(contexts).values(id=1, platform_id=1, deployment_id="d", context_id="c1", title="Course",
                                             label="C"))
        conn.execute(insert(resource_links).values(id=1, platform_id=1, deployment_id="d", resource_link_id="rl",
                                                   context_pk=1, title="Giving feedback", custom={}))
        total = managers + learners
        put(conn, people, [{"id": i, "platform_id": 1, "sub": f"p{i}", "name": f"Person {i}",
                            "given_name": "", "family_name": "", "email": f"p{i}@example.org", "created_at": NOW}
                           for i in range(1, total + 1)])
        learner_ids = range(managers + 1, total + 1)
        put(conn, manager_links, [{"learner_id": lid, "manager_id": 1 + (lid - managers - 1) // TEAM,
                                   "source": "import", "created_at": NOW} for lid in learner_ids])
        put(conn, check_in_cadences, [{"manager_id": m, "every_days": 14, "updated_at": NOW}
                                      for m in range(1, managers + 1) if m % 5 == 0])
        where = {"platform_id": 1, "context_pk": 1, "resource_link_pk": 1, "activity_iri": None}
        stamp = {"version": 1, "created_at": NOW, "updated_at": NOW, "withdrawn_at": None}
        talks, actions, requests = [], [], []
        conversation_id = 0
        for lid in learner_ids:
            manager = 1 + (lid - managers - 1) // TEAM
            held = sorted(rng.sample(range(-120, -1), rng.randint(1, 3)))
            for n, offset in enumerate(held):
                conversation_id += 1
                latest = n == len(held) - 1
                next_on = day(rng.randint(-30, 30)) if latest and rng.random() < 0.7 else None
                talks.append({"id": conversation_id, "kind": "check_in", "template": "check-in", "learner_id": lid,
                              "manager_id": manager, **where, "held_on": day(offset), "answers": {},
                              "shared_notes": "", "private_notes": "", "next_on": next_on, "rating": None, **stamp})
            for _ in range(rng.randint(1, 2)):
                actions.append({"conversation_id": conversation_id, "learner_id": lid, "manager_id": manager, **where,
                                "description": "Ask a peer for feedback", "owner": rng.choice(("learner", "manager")),
                                "due_on": day(rng.randint(-30, 30)), "status": "open", **stamp})
            if rng.random() < 0.3:
                requests.append({"learner_id": lid, **where, "evidence": "Ran the retro", "status": "pending",
                                 **stamp})
        put(conn, conversations, talks)
        put(conn, agreed_actions, actions)
        put(conn, validation_requests, requests)
        mail_store.save_settings(conn, {"host": "127.0.0.1", "port": 25, "security": "none", "username": "",
                                        "from_address": "coaching@example.org", "daily_cap": 10, "enabled": True},
                                 "", None, NOW)
    if engine.dialect.name == "postgresql":  # planner statistics, as autovacuum keeps them (committed)
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    return counts


def timed_scan(engine, at: float) -> tuple[float, float, int]:
    scan = ReminderScan(engine, "https://coachbridge.example.org", clock=lambda: at)
    cpu, wall = time.process_time(), time.perf_counter()
    queued = scan.run_once()
    return time.process_time() - cpu, time.perf_counter() - wall, queued


def bench(name: str, url: str, learners: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    counts = build(engine, learners)
    print(f"{name}: built in {time.perf_counter() - started:.1f} s: "
          + ", ".join(f"{table} {count:,}" for table, count in counts.items()), flush=True)
    for label, at in (("full scan, first of the day", NOW), ("next turn, same day", NOW + SCAN_EVERY + 1),
                      ("first turn of the next day", NOW + 86400)):
        cpu, wall, queued = timed_scan(engine, at)
        print(f"  {label:30} CPU {cpu:6.2f} s   wall {wall:6.2f} s   queued {queued:,}", flush=True)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    wanted = args.databases.split(",")
    if "sqlite" in wanted:
        with tempfile.TemporaryDirectory() as directory:
            bench("SQLite", f"sqlite:///{directory}/bench.db", args.learners)
    if "postgresql" in wanted:
        from tests.peers.postgres import PostgresCluster

        cluster = PostgresCluster()
        try:
            bench("PostgreSQL", cluster.new_database(), args.learners)
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
