"""Run the launch benchmark: coachbridge vs a pylti1p3 2.0.0 tool, same driver, same gunicorn.

    .venv/bin/pip install -r bench/launch/requirements.txt   # bench-only extras
    apt-get install -y redis-server                          # the anchor's launch storage
    .venv/bin/python bench/launch/run.py [--seconds 10] [--warmup 2] [--browsers 1,8,32]

It starts, on 127.0.0.1 and free ports: a redis-server (no persistence), the platform's
JWKS server (in this process), ``coachbridge serve`` on a fresh instance directory with
the platform registered, and the pylti1p3 tool under gunicorn with the same workers ×
threads; runs each concurrency level against each tool; prints launches/s, p50/p95/p99,
the ratio, and the CPU of the driver and of each tool; and stops everything.

Two floors run beside them under the same gunicorn settings (``floor_tools.py``): a bare
WSGI callable and an empty Flask app that answer the same two requests and check nothing.
What they reach is the most any tool can reach with this driver on this machine.
"""
from __future__ import annotations

import argparse
import json
import os
import platform as host_platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(HERE), str(HERE.parent.parent)]  # driver.py imports bench.launch.browser

from driver import HEADER, BenchPlatform, ToolUnderTest, proc_cpu_seconds, run_phase, serve_platform_jwks  # noqa: E402

PY = sys.executable
BIN = Path(PY).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 120.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def wait_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(x) for x in f.read().split()]
    except FileNotFoundError:
        pass
    return found


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# Issue 18: browsers -> (launches/s at least this times pylti1p3's, p99 under this many ms).
TARGETS = {1: (1.3, None), 32: (1.5, 120.0)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per level")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each level")
    parser.add_argument("--browsers", default="1,8,32")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--only", choices=["coachbridge", "pylti1p3"], help="run one tool only (no floors)")
    parser.add_argument("--no-floors", action="store_true", help="skip the two do-nothing floor tools")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, databases)")
    parser.add_argument("--baseline", metavar="TREE", help="also run coachbridge from another source tree (a git "
                        "worktree of an earlier commit) as 'baseline', interleaved: before/after in one run")
    args = parser.parse_args()
    levels = [int(x) for x in args.browsers.split(",")]

    redis_server = shutil.which("redis-server")
    if redis_server is None and args.only != "coachbridge":
        print("redis-server is missing: apt-get install -y redis-server", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="bench-launch-"))
    procs: list[subprocess.Popen] = []
    logs = []

    def log(name: str):
        f = open(work / f"{name}.log", "wb")
        logs.append(f)
        return f

    jwks_port = free_port()
    lms = BenchPlatform(issuer=f"http://127.0.0.1:{jwks_port}")
    jwks_server = serve_platform_jwks(lms, jwks_port)
    gunicorn_opts = ["--workers", str(args.workers), "--threads", str(args.threads)]
    tools: list[tuple[ToolUnderTest, subprocess.Popen]] = []

    def start_bench_tool(name: str, app: str, env: dict[str, str]) -> tuple[subprocess.Popen, int]:
        """A tool of this directory (not coachbridge) under gunicorn, with the same command
        line ``coachbridge serve`` uses (adapter/cli/serve.py) plus the access log; on the tools list."""
        port = free_port()
        proc = subprocess.Popen([PY, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", *gunicorn_opts,
                                 "--access-logfile", "-", app],
                                env=env, stdout=log(name), stderr=subprocess.STDOUT, cwd=HERE)
        procs.append(proc)
        tools.append((ToolUnderTest(name, "127.0.0.1", port, "/login/", "/launch/"), proc))
        return proc, port
    try:
        def start_coachbridge(name: str, source: Path | None) -> None:
            """``coachbridge serve`` on a fresh instance with the platform registered by the
            CLI; with ``source``, that tree's code (PYTHONPATH) instead of this one's."""
            # The bench platform's key set is on 127.0.0.1, which the tool refuses unless allowed.
            env = {**os.environ, "COACHBRIDGE_INSTANCE": str(work / name), "COACHBRIDGE_ALLOW_PRIVATE_ADDRESSES": "1"}
            if source is not None:
                env["PYTHONPATH"] = str(source)
            env.pop("DATABASE_URL", None)
            subprocess.run([str(BIN / "coachbridge"), "platform", "add", "--issuer", lms.issuer,
                            "--client-id", lms.client_id, "--auth-login-url", lms.auth_login_url,
                            "--jwks-url", lms.jwks_url, "--deployment-id", lms.deployment_id,
                            "--name", "bench LMS"], env=env, check=True, stdout=subprocess.DEVNULL)
            port = free_port()
            proc = subprocess.Popen([str(BIN / "coachbridge"), "serve", "--bind", f"127.0.0.1:{port}",
                                     "--workers", str(args.workers), "--threads", str(args.threads)],
                                    env=env, stdout=log(name), stderr=subprocess.STDOUT, cwd=work)
            procs.append(proc)
            wait_http(f"http://127.0.0.1:{port}/lti/jwks", proc=proc)
            tools.append((ToolUnderTest(name, "127.0.0.1", port, "/lti/login", "/lti/launch"), proc))

        if args.only != "pylti1p3":
            start_coachbridge("coachbridge", None)
            if args.baseline:
                start_coachbridge("baseline", Path(args.baseline).resolve())

        if args.only != "coachbridge":
            # --- redis + the pylti1p3 tool, same gunicorn settings -------------------------
            redis_port = free_port()
            redis = subprocess.Popen([redis_server, "--bind", "127.0.0.1", "--port", str(redis_port),
                                      "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
                                     stdout=log("redis"), stderr=subprocess.STDOUT, cwd=work)
            procs.append(redis)
            wait_port(redis_port)
            conf = {lms.issuer: [{
                "default": True, "client_id": lms.client_id, "auth_login_url": lms.auth_login_url,
                "auth_token_url": lms.issuer + "/token", "key_set_url": lms.jwks_url, "key_set": None,
                "deployment_ids": [lms.deployment_id]}]}
            (work / "pylti.json").write_text(json.dumps(conf))
            env = {**os.environ, "PYLTI_BENCH_CONFIG": str(work / "pylti.json"),
                   "PYLTI_BENCH_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"}
            proc, port = start_bench_tool("pylti1p3", "pylti_tool:app", env)
            wait_http(f"http://127.0.0.1:{port}/landing/", proc=proc)

        if args.only is None and not args.no_floors:
            # --- the floors: the same two requests answered without any LTI work ----------
            env = {**os.environ, "FLOOR_AUTH_LOGIN_URL": lms.auth_login_url}
            for name, app in (("wsgi-floor", "floor_tools:wsgi_floor"), ("flask-floor", "floor_tools:flask_floor")):
                wait_port(start_bench_tool(name, app, env)[1])

        redis_pids = [p.pid for p in procs if p.args and "redis-server" in str(p.args[0])]
        print(f"machine: {os.cpu_count()} CPUs ({_cpu_model()}), Python {host_platform.python_version()}, "
              f"gunicorn {args.workers} workers x {args.threads} threads; {args.seconds:g} s per level "
              f"after {args.warmup:g} s warm-up")
        print(HEADER)
        results = {}
        for level in levels:
            for tool, proc in tools:
                pids = [proc.pid, *children(proc.pid)]
                if tool.name == "pylti1p3":
                    pids += redis_pids  # its launch storage is part of its cost

                def tool_cpu(pids=pids):
                    return proc_cpu_seconds(pids)

                result = run_phase(tool, lms, level, args.seconds, args.warmup, tool_cpu)
                results[(tool.name, level)] = result
                print(result.row(), flush=True)
                if result.first_error:
                    print(f"  first error: {result.first_error}")
        if args.only != "pylti1p3":
            # Every counted launch consumed its nonce and wrote a session, in the database.
            import sqlite3
            db = sqlite3.connect(work / "coachbridge" / "coachbridge.db")
            sessions = db.execute("SELECT count(*) FROM web_sessions").fetchone()[0]
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            consumed = db.execute("SELECT count(*) FROM used_logins" if "used_logins" in tables  # since 0018u
                                  else "SELECT count(*) FROM pending_logins WHERE consumed_at IS NOT NULL").fetchone()[0]
            db.close()
            counted = sum(r.launches for (name, _), r in results.items() if name == "coachbridge")
            print(f"coachbridge database: {consumed} logins consumed, {sessions} sessions written "
                  f"(>= {counted} launches counted, warm-ups included)")
        if args.only is None:
            print()
            for level in levels:
                py = results[("pylti1p3", level)]
                ratios = ", ".join(f"{tool.name} {results[(tool.name, level)].rate / py.rate:.2f}x"
                                   for tool, _ in tools if tool.name != "pylti1p3" and py.rate)
                print(f"{level:>3} browsers, launches/s / pylti1p3's: {ratios}; p99 ms: "
                      + ", ".join(f"{tool.name} {results[(tool.name, level)].pct(99):.1f}" for tool, _ in tools))
            for level, (ratio, p99_limit) in TARGETS.items():
                if level not in levels:
                    continue
                cb, py = results[("coachbridge", level)], results[("pylti1p3", level)]
                met = (cb.rate >= ratio * py.rate and cb.errors == 0
                       and (p99_limit is None or cb.pct(99) < p99_limit))
                print(f"target at {level} browsers (>= {ratio}x pylti1p3's launches/s"
                      f"{f', p99 < {p99_limit:.0f} ms' if p99_limit else ''}, no errors): {'MET' if met else 'NOT MET'}")
        return 0
    finally:
        for proc in reversed(procs):
            stop(proc)
        jwks_server.shutdown()
        for f in logs:
            f.close()
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return host_platform.processor() or "unknown CPU"


if __name__ == "__main__":
    raise SystemExit(main())
