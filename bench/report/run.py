"""How long the admin dashboard takes for a large organisation, on SQLite and PostgreSQL.

    .venv/bin/python bench/report/run.py [--learners 50000] [--records 500000] [--repeat 7]
                                         [--databases sqlite,postgresql]

Builds, per database, an organisation of ``--learners`` learners (one manager per ten,
4 platforms, 40 courses each, 4 activities per course) with ``--records`` coaching
records spread over 2026 — reflections, check-ins and coaching conversations, agreed
actions, validation requests and decisions, each with the audit row the measures read —
then fills the report summary the way `coachbridge report rebuild-summaries` does (timed),
renders ``GET /admin/reports`` (every measure, by platform and by course, every team's
targets) through the Flask app, ``--repeat`` times after one warm-up, and prints the
median and best against the 1 s target, with the summary read (course_facts) apart and
the live grouped queries over every record (facts_by_course, what the page ran before
the summary) beside it, checked equal. Then issue 20's views in the same session (VIEWS:
by manager as an admin first opens it, by manager filtered to one course, to three months
and one learning activity, and by month). For the dashboard and each view it prints the
median wall time and the median CPU the request cost (this process's, plus the PostgreSQL
server's from /proc: the figure a shared machine disturbs least). Last, ``--writes`` records made through the services (a learner rates a
conversation) time what keeping the summary adds to a write.

SQLite is a file in a temporary directory; PostgreSQL a throwaway cluster on 127.0.0.1
(tests/peers/postgres.py: Debian's binaries, run as the ``postgres`` user under root,
fsync off). Rows are bulk-inserted (the services would take an hour for 500,000 records),
shaped like the services write them.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from adapter.config import Settings  # noqa: E402
from adapter.domain.admin_scope import AdminScope  # noqa: E402
from adapter.persistence.coaching_tables import (  # noqa: E402
    agreed_actions, audit_events, conversations, reflections, validation_decisions, validation_requests,
)
from adapter.persistence.database import make_engine, upgrade  # noqa: E402
from adapter.persistence.report_queries import Scope, facts_by_course  # noqa: E402
from adapter.persistence.report_summaries import course_facts  # noqa: E402
from adapter.persistence.tables import contexts, manager_links, people, platforms, resource_links  # noqa: E402
from adapter.persistence.targets_tables import learning_targets  # noqa: E402
from adapter.web.auth import SESSION_COOKIE  # noqa: E402
from bench.launch.driver import proc_cpu_seconds  # noqa: E402

AS_OF = date(2026, 11, 22)
YEAR_START = datetime(2026, 1, 1, tzinfo=timezone.utc).timestamp()
DAY = 86400.0
PLATFORMS, COURSES_PER_PLATFORM, LINKS_PER_COURSE, TEAM = 4, 40, 4, 10
CHUNK = 20_000
# Of every 10 records: 2 reflections, 3 conversations, 2.4 actions, 1.4 requests, 1.2 decisions.
SHARE = {"reflections": 0.2, "conversations": 0.3, "actions": 0.24, "requests": 0.14, "decisions": 0.12}


class Rows:
    """Rows per table, written in chunks; every table at once, in the order tables were
    first used, so a row never arrives before the row it refers to."""

    def __init__(self, conn) -> None:
        self.conn, self.pending, self.counts = conn, {}, {}

    def add(self, table, **values) -> None:
        batch = self.pending.setdefault(table, [])
        batch.append(values)
        if len(batch) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        for t in self.pending:
            if self.pending.get(t):
                self.conn.execute(insert(t), self.pending[t])
                self.counts[t.name] = self.counts.get(t.name, 0) + len(self.pending[t])
                self.pending[t] = []


def day_of(moment: float) -> date:
    return datetime.fromtimestamp(moment, timezone.utc).date()


def build(engine, learners: int, records: int, seed: int = 7) -> dict[str, int]:
    rnd = random.Random(seed)
    per_learner = {name: share * records / learners for name, share in SHARE.items()}

    def how_many(name: str) -> int:
        mean = per_learner[name]
        return int(mean) + (rnd.random() < mean - int(mean))

    with engine.begin() as conn:
        rows = Rows(conn)
        links = []  # (platform, course, link, iri)
        for p in range(1, PLATFORMS + 1):
            rows.add(platforms, id=p, issuer=f"https://lms{p}.example.org", client_id="bench", name=f"LMS {p}",
                     auth_login_url="https://lms.example.org/auth", auth_token_url="", key_set_url="https://k",
                     active=True, created_at=YEAR_START)
            for c in range(COURSES_PER_PLATFORM):
                course = (p - 1) * COURSES_PER_PLATFORM + c + 1
                rows.add(contexts, id=course, platform_id=p, deployment_id="d", context_id=f"course-{course}",
                         title=f"Course {course:03d}", label="")
                for k in range(LINKS_PER_COURSE):
                    link = len(links) + 1
                    iri = f"https://lms{p}.example.org/activities/{course}-{k}" if k % 2 == 0 else None
                    rows.add(resource_links, id=link, platform_id=p, deployment_id="d", resource_link_id=f"rl-{link}",
                             context_pk=course, title=f"Activity {link}", custom={"activity_iri": iri} if iri else {})
                    links.append((p, course, link, iri))
        rows.flush()
        managers = learners // TEAM
        person = 0
        manager_ids = []
        for m in range(managers):
            person += 1
            p = m % PLATFORMS + 1
            manager_ids.append((person, p))
            rows.add(people, id=person, platform_id=p, sub=f"manager-{m}", name=f"Manager {m}",
                     email=f"manager{m}@example.org", created_at=YEAR_START)
        ids = {"conversation": 0, "request": 0}
        for n in range(learners):
            person += 1
            learner = person
            manager, p = manager_ids[n % managers]
            rows.add(people, id=learner, platform_id=p, sub=f"learner-{n}", name=f"Learner {n}",
                     email=f"learner{n}@example.org", created_at=YEAR_START)
            rows.add(manager_links, learner_id=learner, manager_id=manager, source="import", created_at=YEAR_START)
            course_links = [x for x in links if x[0] == p]
            chosen = rnd.sample(course_links, 2)
            started = YEAR_START + rnd.uniform(0, 300) * DAY

            def where(choice):
                return {"platform_id": p, "context_pk": choice[1], "resource_link_pk": choice[2],
                        "activity_iri": choice[3]}

            for i in range(how_many("reflections")):
                at = started + i * rnd.uniform(1, 20) * DAY
                rows.add(reflections, learner_id=learner, **where(chosen[i % 2]), learned="x", applying="y",
                         support_needed="", confidence=rnd.randint(1, 5), version=1, created_at=at, updated_at=at)
            conversation_ids = []
            for i in range(how_many("conversations")):
                held = started + (rnd.uniform(-20, 0) if i == 0 else i * rnd.uniform(10, 40)) * DAY
                held = min(held, YEAR_START + 320 * DAY)
                ids["conversation"] += 1
                conversation_ids.append((ids["conversation"], held, chosen[i % 2]))
                rows.add(conversations, id=ids["conversation"], kind="check_in" if i % 3 else "coaching",
                         template="check-in" if i % 3 else "grow", learner_id=learner, manager_id=manager,
                         **where(chosen[i % 2]), held_on=day_of(held), answers={}, shared_notes="",
                         private_notes="", next_on=day_of(held + 14 * DAY) if rnd.random() < 0.7 else None,
                         rating=rnd.choice([None, None, 2, 3, 4, 4, 5]), version=1, created_at=held, updated_at=held)
            for i in range(how_many("actions") if conversation_ids else 0):
                conversation, held, choice = conversation_ids[i % len(conversation_ids)]
                status = rnd.choice(["done", "done", "done", "open", "dropped"])
                changed = held + rnd.uniform(1, 15) * DAY
                rows.add(agreed_actions, conversation_id=conversation, learner_id=learner, manager_id=manager,
                         **where(choice), description="z", owner="learner", due_on=day_of(held + 10 * DAY),
                         status=status, version=1 if status == "open" else 2, created_at=held,
                         updated_at=held if status == "open" else changed)
            decisions = how_many("decisions")
            for i in range(how_many("requests")):
                asked = started + rnd.uniform(3, 80) * DAY
                ids["request"] += 1
                decided = i < decisions
                outcome = "validated" if rnd.random() < 0.85 else "needs_more_evidence"
                rows.add(validation_requests, id=ids["request"], learner_id=learner, **where(chosen[i % 2]),
                         evidence="e", status=outcome if decided else "pending", version=2 if decided else 1,
                         created_at=asked, updated_at=asked)
                rows.add(audit_events, at=asked, actor_id=learner, platform_id=p, action="validation.requested",
                         record_type="validation", record_id=ids["request"], record_version=1, detail={})
                if decided:
                    rows.add(validation_decisions, request_id=ids["request"], manager_id=manager, outcome=outcome,
                             feedback="", evidence_seen="e", request_version=2,
                             decided_at=asked + rnd.uniform(0.1, 12) * DAY)
        for i, (manager, _) in enumerate(manager_ids[::10]):
            rows.add(learning_targets, manager_id=manager, quarter="2026-Q4", measure="validated_applications",
                     target=5 + i % 10, set_at=YEAR_START)
        rows.flush()
    return rows.counts


def _timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    result = call()
    return time.perf_counter() - started, result


def render_times(app, engine, repeat: int, server_pid: int | None) -> dict:
    from adapter.services.admin_access import issue_admin_link, redeem_admin_link

    token = redeem_admin_link(engine, issue_admin_link(engine, time.time()), time.time(), 3600)
    client = app.test_client()
    client.set_cookie(SESSION_COOKIE, token, domain="localhost")
    times = {"page": [], "page cpu": [], "summary": [], "live": []}
    size, summary, live = 0, None, None
    for i in range(repeat + 1):
        cpu = _cpu(server_pid)
        took, response = _timed(lambda: client.get("/admin/reports"))
        cpu = _cpu(server_pid) - cpu
        assert response.status_code == 200, response.status_code
        size = len(response.data)
        with engine.connect() as conn:
            summary_took, summary = _timed(lambda: course_facts(conn, AS_OF, AdminScope.operator()))
            if i % 2:  # the live queries take seconds: every other round
                live_took, live = _timed(lambda: facts_by_course(conn, Scope(), AS_OF))
                times["live"].append(live_took)
        if i:  # the first is the warm-up
            times["page"].append(took)
            times["page cpu"].append(cpu)
            times["summary"].append(summary_took)
    assert summary == live, "the summary and the live queries disagree"
    for view, path in VIEWS.items():  # issue 20's views, same session
        times[view], times[f"{view} cpu"] = [], []
        for i in range(repeat + 1):
            cpu = _cpu(server_pid)
            took, response = _timed(lambda: client.get(path))
            assert response.status_code == 200, (path, response.status_code)
            if i:
                times[view].append(took)
                times[f"{view} cpu"].append(_cpu(server_pid) - cpu)
    return {"size": size, **times}


# Issue 20: the by-manager view as an admin first opens it, filtered (one course; a quarter's
# months and one learning activity), and by month.
VIEWS = {"by-manager (the admin's default)": "/admin/reports/by-manager",
         "by-manager, one course": "/admin/reports/by-manager?course=1",
         "by-manager, 3 months + one activity":
             "/admin/reports/by-manager?from=2026-07&to=2026-09&activity=https://lms1.example.org/activities/1-0",
         "by month (24 months)": "/admin/reports/over-time?period=month"}


def _cpu(server_pid: int | None) -> float:
    """This process's CPU, and the PostgreSQL server's (its postmaster, its live backends and
    the ones it reaped), from /proc: on a shared machine, the figure load disturbs least."""
    if server_pid is None:
        return time.process_time()
    backends = [int(pid) for task in os.listdir(f"/proc/{server_pid}/task")
                for pid in open(f"/proc/{server_pid}/task/{task}/children").read().split()]
    return time.process_time() + proc_cpu_seconds([server_pid, *backends])


def write_times(engine, writes: int, seed: int = 11) -> tuple[list[float], list[float]]:
    """Rate ``writes`` conversations of random learners through the service (one
    transaction each, audit row, events, xAPI/AGS handlers as installed): the whole write,
    and the summary handler within it."""
    from sqlalchemy import select

    from adapter.reports import dashboards
    from adapter.services import coaching, event_handlers

    timed: list[float] = []

    def keep_summaries_timed(conn, events):
        took, _ = _timed(lambda: dashboards.keep_summaries(conn, events))
        timed.append(took)

    table = event_handlers.table_of(engine)
    event_handlers.bind(engine, {kind: tuple(keep_summaries_timed if h == dashboards.keep_summaries else h
                                             for h in handlers) for kind, handlers in table.items()})
    rnd = random.Random(seed)
    whole = []
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(conversations.c.id, conversations.c.learner_id, conversations.c.platform_id)
                                .order_by(conversations.c.id)).all()
        for row in rnd.sample(rows, writes):
            with engine.connect() as conn:
                viewer = coaching.load_viewer(conn, row.learner_id, row.platform_id, ["learner"], None)
            took, _ = _timed(lambda: coaching.rate_conversation(engine, viewer, row.id, str(rnd.randint(1, 5)),
                                                                time.time()))
            whole.append(took)
    finally:
        event_handlers.bind(engine, table)
    return whole, timed


def run(name: str, database_url: str, args) -> None:
    from adapter.reports.dashboards import rebuild_summaries
    from adapter.web import create_app

    engine = make_engine(database_url)
    upgrade(engine)
    if not args.built:
        started = time.perf_counter()
        counts = build(engine, args.learners, args.records)
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        records = sum(counts.get(t, 0) for t in ("reflections", "conversations", "agreed_actions",
                                                 "validation_requests", "validation_decisions"))
        print(f"\n{name}: {args.learners:,} learners, {records:,} records "
              f"({', '.join(f'{t} {n:,}' for t, n in sorted(counts.items()))}), built in "
              f"{time.perf_counter() - started:.0f} s")
    else:
        print(f"\n{name}: the organisation an earlier run built and summarised, at {args.built}")
    # The app's engine: the one its parts bound the event handlers to (the writes below use them).
    app = create_app(Settings.from_env({"DATABASE_URL": database_url,
                                        "COACHBRIDGE_INSTANCE": tempfile.mkdtemp(prefix="cb-report-")}))
    engine = app.extensions["coachbridge"].engine
    if not args.built:
        took, built = _timed(lambda: rebuild_summaries(engine))
        print(f"  rebuild-summaries: {took:.1f} s ({built['learners']:,} learners, "
              f"{built['course_rows']:,} course rows)")
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE report_course_facts")
            conn.exec_driver_sql("ANALYZE report_learner_rows")
    cpu = time.process_time()
    times = render_times(app, engine, args.repeat, args.server_pid)
    pages = times["page"]
    median = statistics.median(pages)
    print(f"  GET /admin/reports ({times['size'] / 1024:.0f} KB): median {median * 1000:.0f} ms, "
          f"best {min(pages) * 1000:.0f} ms, worst {max(pages) * 1000:.0f} ms over {len(pages)} -> "
          f"{'under' if median < 1 else 'OVER'} the 1 s target")
    print(f"  of which the summary read (course_facts): median {statistics.median(times['summary']) * 1000:.0f} ms;"
          f" the live queries over every record (facts_by_course, before): median "
          f"{statistics.median(times['live']) * 1000:.0f} ms over {len(times['live'])}; same facts")
    print(f"  (this process's CPU over the page rounds: {time.process_time() - cpu:.1f} s)")
    print(f"  median of {args.repeat} after a warm-up: wall | CPU (this process"
          f"{' + the PostgreSQL server' if args.server_pid else ''}) | best, worst wall | 1 s target (wall)")
    for view, key in (("dashboard GET /admin/reports", "page"), *((view, view) for view in VIEWS)):
        took, cpu = times[key], times[f"{key} cpu"]
        print(f"  {view:<38} {statistics.median(took) * 1000:6.0f} ms | {statistics.median(cpu) * 1000:6.0f} ms | "
              f"{min(took) * 1000:.0f}, {max(took) * 1000:.0f} ms | "
              f"{'under' if statistics.median(took) < 1 else 'OVER'}")
    if args.writes:
        whole, handler = write_times(engine, args.writes)
        print(f"  {len(whole)} writes (a learner rates a conversation): median {statistics.median(whole) * 1000:.1f} ms,"
              f" of which keeping the summary median {statistics.median(handler) * 1000:.1f} ms")
        with engine.connect() as conn:
            assert course_facts(conn, AS_OF, AdminScope.operator()) == facts_by_course(conn, Scope(), AS_OF), \
                "summary drifted"
        print("  after the writes: summary and live queries still agree")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--records", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--writes", type=int, default=200, help="records made through the services afterwards")
    parser.add_argument("--built", metavar="DATABASE_URL", help="time the pages on an organisation an earlier run "
                        "built and summarised (kept by hand: the runs' own databases are thrown away); one database, "
                        "its server's postmaster pid in --server-pid for PostgreSQL")
    parser.add_argument("--server-pid", type=int)
    args = parser.parse_args()
    print(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}; report date {AS_OF}")
    wanted = args.databases.split(",")
    print(f"load average before: {os.getloadavg()}")
    if args.built:
        run("PostgreSQL" if args.built.startswith("postgresql") else "SQLite", args.built, args)
        print(f"load average after: {os.getloadavg()}")
        return
    args.server_pid = None
    if "sqlite" in wanted:
        with tempfile.TemporaryDirectory(prefix="cb-report-") as folder:
            run("SQLite", f"sqlite:///{folder}/bench.db", args)
    if "postgresql" in wanted:
        from tests.peers.postgres import PostgresCluster

        cluster = PostgresCluster()
        try:
            url = cluster.new_database()
            args.server_pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
            run("PostgreSQL", url, args)
        finally:
            cluster.stop()
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
