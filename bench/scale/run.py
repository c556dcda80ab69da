"""coachbridge scaled out on PostgreSQL: launches/s with 1, 2 and 4 gunicorn workers, and
the outbox drain rate with 1, 2 and 4 delivery worker processes.

    .venv/bin/python bench/scale/run.py [--workers 1,2,4] [--browsers 16] [--seconds 10]
                                        [--statements 20000] [--batch-size 100] [--skip-launch] [--skip-drain]
                                        [--baseline TREE]

Everything runs on 127.0.0.1 and free ports and is stopped afterwards: a throwaway
PostgreSQL cluster (tests/peers/postgres.py: fsync and synchronous_commit off), one
database for the launches and one for the drain.

- **Launches** (bench/launch/driver.py, the same driver and checks as bench/launch): the
  platform registered with ``coachbridge platform add``, then per level ``coachbridge serve
  --no-worker --workers N --threads T`` and ``--browsers`` simulated browsers launching back
  to back for ``--seconds`` after ``--warmup``. Each launch is a new visitor.
- **Drain**: the fast LRS stand-in of bench/xapi (uvicorn + a bare ASGI app); an LRS
  endpoint registered for it (no auth, ``--batch-size``); per level, N ``coachbridge
  worker`` processes are started and left idle, then ``--statements`` pre-serialized
  statements are queued in one transaction, and the clock runs from the first claim of one
  of them until the outbox has no pending row left (polled every 20 ms through the
  pending-rows index); ``pickup`` is the time from the commit to that first claim (the
  workers' ``--idle-wait``). The stand-in must then hold exactly that many new statement ids.

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


def pending(engine, target: str) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM outbox WHERE channel = 'xapi' AND target = :t "
                                 "AND status = 'pending'"), {"t": target}).scalar_one()


def picked_up(engine, last_id: int) -> bool:
    """Whether a worker has claimed (or already settled) a row queued after ``last_id``."""
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text("SELECT 1 FROM outbox WHERE id > :last AND (claimed_until IS NOT NULL"
                                 " OR status <> 'pending') LIMIT 1"), {"last": last_id}).first() is not None


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
    FastLrs, StatementFactory = _bench_xapi().FastLrs, _bench_xapi().StatementFactory
    from sqlalchemy import text

    from adapter.persistence.database import make_engine, upgrade
    from adapter.persistence.outbox_store import enqueue_many, queue_status
    from adapter.services.xapi_bridge import outbox_rows

    url = cluster.new_database()
    engine = make_engine(url)
    upgrade(engine)
    lrs = FastLrs(work)
    target = lrs.target
    register_lrs(engine, target, args.batch_size)
    env = {**os.environ, "DATABASE_URL": url, "COACHBRIDGE_INSTANCE": str(work / "drain-instance"),
           "COACHBRIDGE_ALLOW_PRIVATE_ADDRESSES": "1"}
    factory = StatementFactory()
    rows = []
    try:
        for workers in args.workers:
            procs = []
            for n in range(workers):
                with open(work / f"worker-{workers}-{n}.log", "wb") as log:
                    procs.append(subprocess.Popen([str(BIN / "coachbridge"), "worker", "--idle-wait", str(args.idle_wait)],
                                                  env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work))
            try:
                # Every worker started (imports, migrations check) and past its first polls, not timed:
                # on a busy machine 4 starting processes took longer than a fixed wait, and one
                # still importing competed with the drain.
                logs = [work / f"worker-{workers}-{n}.log" for n in range(workers)]
                deadline = time.time() + 120
                while not all(b"delivering" in log.read_bytes() for log in logs):
                    if time.time() > deadline:
                        raise RuntimeError("the delivery workers did not start in 120 s")
                    time.sleep(0.1)
                time.sleep(args.worker_start)
                queued = outbox_rows(target.name, factory.make(args.statements), time.time() - 1, "scale")
                before = lrs.stored()
                tool_pids = [p.pid for p in procs]
                load0 = os.getloadavg()[0]
                with engine.begin() as conn:
                    last_id = conn.execute(text("SELECT coalesce(max(id), 0) FROM outbox")).scalar_one()
                    enqueue_many(conn, queued)
                committed = time.perf_counter()
                # The clock runs from the first claim: how soon an idle worker polls (--idle-wait)
                # is the pickup column, not the drain's rate.
                while not picked_up(engine, last_id):
                    if time.perf_counter() - committed > 60:
                        raise RuntimeError("no worker claimed a row in 60 s")
                    time.sleep(0.005)
                start = time.perf_counter()  # CPU from here too: the insert is not the drain's
                tool0, pg0 = proc_cpu_seconds(tool_pids), cpu_of(lambda: postgres_pids(cluster))
                lrs0, drv0 = proc_cpu_seconds([target.pid]), time.process_time()
                while pending(engine, target.name):  # an index probe (ix_outbox_pending), not a scan
                    if time.perf_counter() - start > 600:
                        raise RuntimeError("drain did not finish in 600 s")
                    time.sleep(0.02)
                elapsed = time.perf_counter() - start
                status = next(s for s in queue_status(engine, time.time()) if s.target == target.name)
                tool = (proc_cpu_seconds(tool_pids) - tool0) / elapsed
                pg = (cpu_of(lambda: postgres_pids(cluster)) - pg0) / elapsed
                lrs_cores = (proc_cpu_seconds([target.pid]) - lrs0) / elapsed
                driver = (time.process_time() - drv0) / elapsed
                gained = lrs.stored() - before
                if gained != args.statements or status.dead:
                    raise RuntimeError(f"the LRS gained {gained} of {args.statements}; dead {status.dead}")
                rate = args.statements / elapsed
                rows.append(f"{workers:>7} {args.batch_size:>6} {args.statements:>7} {rate:10.0f} {elapsed:8.2f} "
                            f"{start - committed:7.2f} {tool:8.2f} {pg:8.2f} {lrs_cores:6.2f} {driver:8.2f} "
                            f"{1e6 * tool / rate:10.0f}   {load0:.1f}")
                print(rows[-1], flush=True)
            finally:
                for proc in procs:
                    stop(proc)
    finally:
        lrs.stop()
        engine.dispose()
    return rows


LAUNCH_HEADER = ("tool        workers threads browsers launches/s   p50 ms   p99 ms errors tool-cores pg-cores drv-cores "
                 "tool-ms   load")
DRAIN_HEADER = ("workers  batch   stmts    stmts/s  seconds  pickup wrk-cores  pg-cores  LRS  drv-cores wrk-µs/st   load")


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
    parser.add_argument("--baseline", metavar="TREE", help="launches also from another source tree (a git worktree "
                        "of an earlier commit) as 'baseline', interleaved with this one's")
    parser.add_argument("--skip-launch", action="store_true")
    parser.add_argument("--skip-drain", action="store_true")
    args = parser.parse_args()
    args.workers = [int(n) for n in args.workers.split(",")]

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
            print("\noutbox drain to the fast LRS stand-in (`coachbridge worker` processes)")
            print(DRAIN_HEADER)
            run_drain(cluster, args, work)
        return 0
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
