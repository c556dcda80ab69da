"""coachbridge scaled out on PostgreSQL: launches/s with 1, 2 and 4 gunicorn workers, and
the outbox drain rate with 1, 2 and 4 delivery worker processes.

    .venv/bin/python bench/scale/run.py [--workers 1,2,4] [--browsers 16] [--seconds 10]
                                        [--statements 20000] [--batch-size 100] [--lrs-delays 0,0.01]
                                        [--skip-launch] [--skip-drain] [--baseline TREE]

Everything runs on 127.0.0.1 and free ports and is stopped afterwards: a throwaway
PostgreSQL cluster (tests/peers/postgres.py: fsync and synchronous_commit off), one
database for the launches and a fresh one for each drain level.

- **Launches** (bench/launch/driver.py, the same driver and checks as bench/launch): the
  platform registered with ``coachbridge platform add``, then per level ``coachbridge serve
  --no-worker --workers N --threads T`` and ``--browsers`` simulated browsers launching back
  to back for ``--seconds`` after ``--warmup``. Each launch is a new visitor.
- **Drain**: the fast LRS stand-in of bench/xapi (uvicorn + a bare ASGI app); an LRS
  endpoint registered for it (no auth, ``--batch-size``). Every level runs once per
  ``--lrs-delays`` value, the seconds the stand-in waits before answering a batch, without
  using a core meanwhile: 0, answering at once (the worker, PostgreSQL and the stand-in
  then share this machine's 2 cores, which bound the drain), and 0.01, an LRS on a machine
  of its own as in a deployment (ralph, the real LRS of the tests, takes ~30 ms a batch of
  100 here; an LRS across a network, more). Per level, N ``coachbridge
  worker`` processes are started and left idle, then ``--statements`` pre-serialized
  statements are queued in one transaction, and the clock runs from the first claim of one
  of them until the outbox has no pending row left (polled every 20 ms through the
  pending-rows index); ``pickup`` is the time from the commit to that first claim (the
  workers' ``--idle-wait``). The other idle workers join within their ``--idle-wait``:
  ``all-in/s`` counts only the rows left once every worker has been seen holding a batch
  (``pg_stat_activity``, each worker's connections named by ``application_name``), over
  the time from then; ``all-in`` is that moment, in seconds after the first claim. The
  stand-in must then hold exactly that many new statement ids.

CPU columns are cores (CPU seconds per wall second) of the tool (gunicorn master + workers
or the worker processes), PostgreSQL (all its processes), the driver (this process) and,
for the drain, the LRS stand-in.
"""
from __future__ import annotations

import argparse
import os
import platform as host_platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "bench" / "launch")]

from driver import BenchPlatform, ToolUnderTest, proc_cpu_seconds, run_phase, serve_platform_jwks  # noqa: E402
from run import children, free_port, stop, wait_http  # noqa: E402  (bench/launch/run.py)

from bench.xapi.outbox_contestants import register_lrs  # noqa: E402

BIN = Path(sys.executable).parent


def _bench_xapi():
    """bench/xapi/run.py (a module named ``run`` too): its LRS stand-in and statements."""
    import importlib.util

    module = sys.modules.get("bench_xapi_run")
    if module is None:
        spec = importlib.util.spec_from_file_location("bench_xapi_run", ROOT / "bench" / "xapi" / "run.py")
        module = sys.modules["bench_xapi_run"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


def pending(engine, target: str, count: bool = False) -> int:
    """Whether a row is pending (1 or 0), or with ``count`` how many: a count visits every
    pending row (7–15 ms at 40,000 queued), too dear for a poll beside the drain."""
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text(f"SELECT {'count(*)' if count else '1'} FROM outbox WHERE channel = 'xapi'"
                                 f" AND target = :t AND status = 'pending'{'' if count else ' LIMIT 1'}"),
                            {"t": target}).scalar() or 0


def postgres_pids(cluster) -> list[int]:
    postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
    return [postmaster, *children(postmaster)]


def cpu_of(pids_now) -> float:
    return proc_cpu_seconds(pids_now())


def run_launches(cluster, args, work: Path) -> list[str]:
    trees = [("coachbridge", None)] + ([("baseline", Path(args.baseline).resolve())] if args.baseline else [])
    jwks_port = free_port()
    lms = BenchPlatform(issuer=f"http://127.0.0.1:{jwks_port}")
    jwks = serve_platform_jwks(lms, jwks_port)
    envs = {}
    rows = []
    try:
        for name, source in trees:  # a database each, the platform registered with the CLI
            envs[name] = env = {**os.environ, "DATABASE_URL": cluster.new_database(),
                                "COACHBRIDGE_INSTANCE": str(work / f"launch-{name}"),
                                "COACHBRIDGE_ALLOW_PRIVATE_ADDRESSES": "1"}  # the platform is on 127.0.0.1
            if source is not None:
                env["PYTHONPATH"] = str(source)
            subprocess.run([str(BIN / "coachbridge"), "platform", "add", "--issuer", lms.issuer,
                            "--client-id", lms.client_id, "--auth-login-url", lms.auth_login_url,
                            "--jwks-url", lms.jwks_url, "--deployment-id", lms.deployment_id, "--name", "bench LMS"],
                           env=env, check=True, stdout=subprocess.DEVNULL)
        for workers in args.workers:
            for name, _ in trees:  # interleaved: before/after at each level
                rows.append(launch_level(cluster, args, work, lms, envs[name], name, workers))
    finally:
        jwks.shutdown()
    return rows


def launch_level(cluster, args, work: Path, lms, env: dict[str, str], name: str, workers: int) -> str:
    port = free_port()
    with open(work / f"serve-{name}-{workers}.log", "wb") as log:
        proc = subprocess.Popen([str(BIN / "coachbridge"), "serve", "--no-worker", "--bind",
                                 f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(args.threads)],
                                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work)
    try:
        wait_http(f"http://127.0.0.1:{port}/lti/jwks", proc=proc)
        tool = ToolUnderTest(name, "127.0.0.1", port, "/lti/login", "/lti/launch")
        pg0, load0 = cpu_of(lambda: postgres_pids(cluster)), os.getloadavg()[0]
        t0 = time.perf_counter()
        result = run_phase(tool, lms, args.browsers, args.seconds, args.warmup,
                           lambda: proc_cpu_seconds([proc.pid, *children(proc.pid)]))
        # PostgreSQL's CPU over the whole phase (warm-up included), per wall second
        pg_cores = (cpu_of(lambda: postgres_pids(cluster)) - pg0) / (time.perf_counter() - t0)
        row = (f"{name:<11} {workers:>7} {args.threads:>7} {args.browsers:>8} {result.rate:10.1f} {result.p50:8.1f} "
               f"{result.pct(99):8.1f} {result.errors:>6} {result.tool_cpu or 0:10.2f} {pg_cores:8.2f} "
               f"{result.driver_cpu:9.2f} {1000 * (result.tool_cpu or 0) / max(result.rate, 1e-9):8.2f}"
               f"   {load0:.1f}")
        print(row, flush=True)
        if result.first_error:
            print(f"  first error: {result.first_error}")
        return row
    finally:
        stop(proc)


def run_drain(cluster, args, work: Path) -> list[str]:
    FastLrs = _bench_xapi().FastLrs
    trees = [("coachbridge", None)] + ([("baseline", Path(args.baseline).resolve())] if args.baseline else [])
    factory = _bench_xapi().StatementFactory()  # one for the run: new statement ids at every level
    rows = []
    for delay in args.lrs_delays:
        lrs = FastLrs(work, args.lrs_processes, delay)
        try:
            for workers in args.workers:
                for name, source in trees:  # interleaved: before/after at each level
                    rows.append(drain_level(cluster, args, work, lrs, factory, name, source, workers, delay))
        finally:
            lrs.stop()
    return rows


WORKER_APP = "bench-worker-"  # application_name of each delivery worker's connections


def holding_workers(engine) -> set[str]:
    """The delivery workers with a transaction writing the outbox now (a held batch)."""
    from sqlalchemy import text

    with engine.connect() as conn:
        return set(conn.execute(text(
            "SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name LIKE :app AND backend_xid IS NOT NULL AND query LIKE '%outbox%'"),
            {"app": WORKER_APP + "%"}).scalars())


def drain_level(cluster, args, work: Path, lrs, factory, name: str, source: Path | None, workers: int,
                delay: float) -> str:
    """One level on a fresh database (a drain leaves its rows behind as history; a level
    after another must not find a bigger table), migrated by the tree under test."""

    from adapter.persistence.database import make_engine
    from adapter.persistence.outbox_store import enqueue_many, queue_status
    from adapter.services.xapi_bridge import outbox_rows

    url = cluster.new_database()
    env = {**os.environ, "COACHBRIDGE_INSTANCE": str(work / f"drain-{name}"),
           "COACHBRIDGE_ALLOW_PRIVATE_ADDRESSES": "1"}
    if source is not None:
        env["PYTHONPATH"] = str(source)
    subprocess.run([sys.executable, "-c", "import sys; from adapter.persistence.database import make_engine, upgrade;"
                    " upgrade(make_engine(sys.argv[1]))", url], env=env, check=True, cwd=work)
    engine = make_engine(url)
    target = lrs.target
    register_lrs(engine, target, args.batch_size)
    procs = []
    try:
        for n in range(workers):
            with open(work / f"worker-{name}-{workers}-{n}.log", "wb") as log:
                procs.append(subprocess.Popen(
                    [str(BIN / "coachbridge"), "worker", "--idle-wait", str(args.idle_wait)],
                    env={**env, "DATABASE_URL": f"{url}?application_name={WORKER_APP}{n}"},
                    stdout=log, stderr=subprocess.STDOUT, cwd=work))
        # Every worker started (imports, migrations check) and past its first polls, not timed:
        # on a busy machine 4 starting processes took longer than a fixed wait, and one
        # still importing competed with the drain.
        logs = [work / f"worker-{name}-{workers}-{n}.log" for n in range(workers)]
        deadline = time.time() + 120
        while not all(b"delivering" in log.read_bytes() for log in logs):
            if time.time() > deadline:
                raise RuntimeError("the delivery workers did not start in 120 s")
            time.sleep(0.1)
        time.sleep(args.worker_start)
        queued = outbox_rows(target.name, factory.make(args.statements),
                             time.time() - 1, "scale")
        before = lrs.stored()
        tool_pids = [p.pid for p in procs]
        load0 = os.getloadavg()[0]
        with engine.begin() as conn:
            enqueue_many(conn, queued)
        committed = time.perf_counter()
        # The clock runs from the first claim: how soon an idle worker polls (--idle-wait)
        # is the pickup column, not the drain's rate.
        while not holding_workers(engine):
            if time.perf_counter() - committed > 60:
                raise RuntimeError("no worker claimed a row in 60 s")
            time.sleep(0.005)
        start = time.perf_counter()  # CPU from here too: the insert is not the drain's
        tool0, pg0 = proc_cpu_seconds(tool_pids), cpu_of(lambda: postgres_pids(cluster))
        lrs_pids = [target.pid, *children(target.pid)]  # uvicorn's worker processes, if several
        lrs0, drv0 = proc_cpu_seconds(lrs_pids), time.process_time()
        # The other idle workers join within their --idle-wait: the all-in rate counts from
        # the moment every worker has been seen holding a batch.
        seen: set[str] = set()
        all_in = left_then = None
        while pending(engine, target.name):  # an index probe (ix_outbox_pending), not a scan
            if all_in is None:
                seen |= holding_workers(engine)
                if len(seen) == workers:
                    all_in, left_then = time.perf_counter(), pending(engine, target.name, count=True)
            if time.perf_counter() - start > 600:
                raise RuntimeError("drain did not finish in 600 s")
            time.sleep(0.005 if all_in is None else 0.02)
        end = time.perf_counter()
        elapsed = end - start
        status = next(s for s in queue_status(engine, time.time()) if s.target == target.name)
        tool = (proc_cpu_seconds(tool_pids) - tool0) / elapsed
        pg = (cpu_of(lambda: postgres_pids(cluster)) - pg0) / elapsed
        lrs_cores = (proc_cpu_seconds(lrs_pids) - lrs0) / elapsed
        driver = (time.process_time() - drv0) / elapsed
        gained = lrs.stored() - before
        if gained != args.statements or status.dead:
            raise RuntimeError(f"the LRS gained {gained} of {args.statements}; dead {status.dead}")
        rate = args.statements / elapsed
        all_in_rate = f"{left_then / (end - all_in):9.0f}" if all_in is not None else f"{'-':>9}"
        joined = f"{all_in - start:6.2f}" if all_in is not None else f"{'-':>6}"
        row = (f"{name:<11} {workers:>7} {1000 * delay:6g} {args.batch_size:>6} {args.statements:>7} {rate:10.0f} {all_in_rate}"
               f" {elapsed:8.2f} {start - committed:7.2f} {joined} {tool:8.2f} {pg:8.2f} {lrs_cores:6.2f} {driver:8.2f}"
               f" {1e6 * tool / rate:10.0f} {1e6 * pg / rate:8.0f}   {load0:.1f}")
        print(row, flush=True)
        return row
    finally:
        for proc in procs:
            stop(proc)
        engine.dispose()


LAUNCH_HEADER = ("tool        workers threads browsers launches/s   p50 ms   p99 ms errors tool-cores pg-cores drv-cores "
                 "tool-ms   load")
DRAIN_HEADER = ("tool        workers LRS-ms  batch   stmts    stmts/s  all-in/s  seconds  pickup all-in wrk-cores  pg-cores  LRS  drv-cores "
                "wrk-µs/st pg-µs/st   load")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--browsers", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--statements", type=int, default=20000)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--idle-wait", type=float, default=0.5,
                        help="the delivery workers' --idle-wait (at 0.05 s, the idle polls of their other jobs, "
                             "x 4 processes, took a share of 2 cores)")
    parser.add_argument("--worker-start", type=float, default=1.0,
                        help="seconds to wait after every delivery worker says it is delivering")
    parser.add_argument("--baseline", metavar="TREE", help="launches and drains also from another source tree (a git "
                        "worktree of an earlier commit with the same outbox tables) as 'baseline', interleaved "
                        "with this one's")
    parser.add_argument("--lrs-delays", default="0,0.01",
                        help="seconds the LRS stand-in takes to answer each batch, a drain of every level per value")
    parser.add_argument("--lrs-processes", type=int, default=1,
                        help="processes of the LRS stand-in (one process was what 4 workers waited on)")
    parser.add_argument("--skip-launch", action="store_true")
    parser.add_argument("--skip-drain", action="store_true")
    args = parser.parse_args()
    args.workers = [int(n) for n in args.workers.split(",")]
    args.lrs_delays = [float(s) for s in args.lrs_delays.split(",")]

    from tests.peers.postgres import PostgresCluster

    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    cluster = PostgresCluster()
    try:
        import psycopg
        with psycopg.connect(cluster.url().replace("postgresql+psycopg", "postgresql")) as conn:
            pg_version = conn.execute("SHOW server_version").fetchone()[0]
        print(f"machine: {os.cpu_count()} CPUs, Python {host_platform.python_version()}, PostgreSQL {pg_version} "
              f"(fsync off), load average at start {os.getloadavg()[0]:.1f}")
        if not args.skip_launch:
            print(f"\nlaunches ({args.seconds:g} s per level after {args.warmup:g} s warm-up; "
                  f"`coachbridge serve --no-worker`)")
            print(LAUNCH_HEADER)
            run_launches(cluster, args, work)
        if not args.skip_drain:
            print("\noutbox drain to the fast LRS stand-in (`coachbridge worker` processes; LRS-ms: how long it takes"
                  " to answer a batch)")
            print(DRAIN_HEADER)
            run_drain(cluster, args, work)
        return 0
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
