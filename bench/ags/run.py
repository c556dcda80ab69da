"""AGS score posts: coachbridge vs pylti1p3 2.0.0's AGS client, against the same demo LMS.

    .venv/bin/python bench/ags/run.py [--posts 1000] [--reps 3] [--lms-threads 4]
                                      [--fast-token-signing] [--only NAME,NAME]

It starts, on 127.0.0.1 and free ports, in a temporary directory:
  - the demo LMS (adapter/demo/lms.py) in its own process under gunicorn, 1 worker × N
    threads (bench/ags/lms_server.py);
  - a redis-server (no persistence): pylti1p3's launch data cache;
  - coachbridge on a fresh instance (SQLite), served from this process, only for the
    set-up launch; and the tool key set both contestants publish (this process too).
Set-up (not timed): the platform is registered in coachbridge; learner-ana launches
coachbridge and launches the pylti1p3 tool (a real OIDC launch each); one line item is
created (resource link rl-feedback, tag coachbridge-validation, scoreMaximum 1) and
every contestant posts to that one.

Each repetition runs every contestant once, in rotated order, each in a fresh process
(bench/ags/contestants.py), after clearing the LMS's stored scores; the LMS's own
counter gives the token requests, /proc the LMS worker's and redis's CPU. Printed:
medians over the repetitions, and each one's posts/s as a ratio to pylti1p3 used the
way its docs show, ratios taken within each repetition.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform as host_platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

PY = sys.executable
ANCHOR = "pylti1p3-request"
ORDER = ["coachbridge-direct", "coachbridge-outbox", "pylti1p3-request", "pylti1p3-held"]
CLIENT_ID, DEPLOYMENT_ID = "coachbridge-demo", "demo-deployment"
TICK = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{url}: the server exited with {proc.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def machine() -> str:
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} CPUs ({model or host_platform.machine()}), Python {host_platform.python_version()}"


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def serve_json(document_fn):
    from adapter.demo.local_server import ServerThread

    def app(environ, start_response):
        body = json.dumps(document_fn()).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return ServerThread(app, host="127.0.0.1").start()


def launch_form(session: requests.Session, url: str) -> dict[str, str]:
    from tests.peers.lti_platform import auto_post_form

    page = session.get(url)
    if page.status_code != 200:
        raise RuntimeError(f"{url} answered {page.status_code}: {page.text[:300]}")
    return auto_post_form(page.text)[1]


def set_up(work: Path, args, procs: list[subprocess.Popen], servers: SimpleNamespace) -> dict:
    """Everything the contestants need; returns their config. What it starts goes into
    ``procs`` and ``servers`` as it starts, so a failed set-up is still stopped."""
    from sqlalchemy import select

    from adapter.config import Settings
    from adapter.demo.local_server import ServerThread
    from adapter.persistence.tables import contexts, people, platforms, resource_links
    from adapter.services.gradebook import LINE_ITEM_TAG
    from adapter.services.lms_services import LmsAccess
    from adapter.services.platforms import PlatformSpec, register_platform
    from adapter.web import create_app
    from lti import claims as c
    from lti.ags import AgsClient, AgsEndpoint, LineItem
    from pylti_glue import PyltiTool, write_tool_config
    from tests.peers.lti_platform import browser

    log = open(work / "servers.log", "w")
    lms_port = free_port()
    lms_url = f"http://127.0.0.1:{lms_port}"

    # coachbridge, on a fresh instance; served only for the set-up launch and its JWKS.
    instance = work / "coachbridge"
    settings = Settings.from_env({"COACHBRIDGE_INSTANCE": str(instance)})
    app = create_app(settings)
    servers.tool = ServerThread(app, host="localhost").start()
    tool_url = f"http://localhost:{servers.tool.port}"
    parts = app.extensions["coachbridge"]

    # pylti1p3: its own key pair, same registration (client id) at the LMS.
    pylti_dir = work / "pylti"
    pylti_dir.mkdir()
    pylti_config = write_tool_config(pylti_dir, issuer=lms_url, client_id=CLIENT_ID, deployment_id=DEPLOYMENT_ID)

    redis_port = free_port()
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        raise SystemExit("redis-server is missing (pylti1p3's launch data cache): apt-get install -y redis-server")
    procs.append(subprocess.Popen([redis_server, "--bind", "127.0.0.1", "--port", str(redis_port), "--save", "",
                                   "--appendonly", "no"], stdout=log, stderr=subprocess.STDOUT, cwd=work))
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    pylti = PyltiTool(pylti_config, redis_url)

    # The tool key set the LMS checks client assertions against: both tools' public keys.
    parts.tool_keys.current()  # a fresh instance makes its signing key on first use
    cb_keys = requests.get(tool_url + "/lti/jwks", timeout=5).json()["keys"]
    jwks = {"keys": [*cb_keys, *pylti.jwks()["keys"]]}
    servers.jwks = serve_json(lambda: jwks)

    command = [PY, str(HERE / "lms_server.py"), "--port", str(lms_port), "--tool-url", tool_url,
               "--tool-jwks", f"http://127.0.0.1:{servers.jwks.port}/jwks", "--threads", str(args.lms_threads)]
    if args.fast_token_signing:
        command.append("--fast-token-signing")
    procs.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT))
    wait_http(lms_url + "/bench/stats", procs[-1])

    platform_id = register_platform(parts.engine, PlatformSpec(
        issuer=lms_url, client_id=CLIENT_ID, auth_login_url=lms_url + "/authorize", key_set_url=lms_url + "/jwks",
        auth_token_url=lms_url + "/token", name="Demo LMS", deployment_ids=(DEPLOYMENT_ID,)))

    login = {"iss": lms_url, "login_hint": "learner-ana", "lti_message_hint": "rl-feedback", "client_id": CLIENT_ID,
             "lti_deployment_id": DEPLOYMENT_ID}
    # coachbridge: a real launch, as a browser makes it.
    session = browser()
    form = launch_form(session, f"{tool_url}/lti/login?{urlencode({**login, 'target_link_uri': tool_url + '/lti/launch'})}")
    landing = session.post(tool_url + "/lti/launch", data=form)
    if landing.status_code != 200:
        raise RuntimeError(f"coachbridge launch answered {landing.status_code}: {landing.text[:300]}")
    # pylti1p3: a real launch through its own login and launch validation. The LMS only
    # posts to the registered launch URL, so that is the target; the id_token and state
    # it answers with go to pylti1p3's launch endpoint instead.
    pylti_launch_id = pylti.launch({**login, "target_link_uri": tool_url + "/lti/launch"},
                                   lambda url: launch_form(requests.Session(), url))

    with parts.engine.connect() as conn:
        link = conn.execute(select(resource_links.c.id, resource_links.c.context_pk)
                            .join(contexts, contexts.c.id == resource_links.c.context_pk)
                            .join(platforms, platforms.c.id == contexts.c.platform_id)
                            .where(platforms.c.id == platform_id, resource_links.c.resource_link_id == "rl-feedback")
                            ).one()
        learner_pk = conn.execute(select(people.c.id).where(people.c.platform_id == platform_id,
                                                             people.c.sub == "learner-ana")).scalar_one()

    lineitems_url = lms_url + "/ags/lineitems"
    access = LmsAccess(parts.engine, parts.tool_keys, allow_private_addresses=True)
    item = AgsClient(access.token_client(platform_id), AgsEndpoint(
        scopes=frozenset({c.AGS_SCOPE_LINEITEM, c.AGS_SCOPE_LINEITEM_READONLY}), lineitems=lineitems_url,
    )).create_line_item(LineItem(label="Validation of applied learning", score_maximum=1.0,
                                 resource_link_id="rl-feedback", tag=LINE_ITEM_TAG))
    cfg = {"instance": str(instance), "platform_id": platform_id, "lms_url": lms_url, "lineitems_url": lineitems_url,
           "lineitem_url": item.id, "line_item_tag": LINE_ITEM_TAG, "user_id": "learner-ana",
           "learner_pk": learner_pk, "context_pk": link.context_pk, "resource_link_pk": link.id,
           "pylti_config": str(pylti_config), "redis_url": redis_url, "pylti_launch_id": pylti_launch_id,
           "posts": args.posts, "redis_pid": procs[0].pid}
    return cfg


def run_contestant(name: str, cfg_path: Path, cfg: dict, run: int) -> dict:
    stats = lambda: requests.get(cfg["lms_url"] + "/bench/stats", timeout=10).json()  # noqa: E731
    requests.post(cfg["lms_url"] + "/bench/reset", timeout=10)
    before = stats()
    lms_cpu, redis_cpu = cpu_seconds(before["pid"]), cpu_seconds(cfg["redis_pid"])
    done = subprocess.run([PY, str(HERE / "contestants.py"), name, str(cfg_path), str(run)],
                          capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    after = stats()
    posts = result["posts"]
    result.update(name=name, run=run, posts_per_s=posts / result["wall"],
                  token_requests=after["token_requests"] - before["token_requests"],
                  stored=after["scores"] - before["scores"],
                  client_cpu_ms=1000 * result["cpu"] / posts,
                  lms_cpu_ms=1000 * (cpu_seconds(before["pid"]) - lms_cpu) / posts,
                  redis_cpu_ms=1000 * (cpu_seconds(cfg["redis_pid"]) - redis_cpu) / posts)
    if result["stored"] != cfg["posts"]:
        raise RuntimeError(f"{name}: the LMS stored {result['stored']} scores, expected {cfg['posts']}: {result}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--lms-threads", type=int, default=4)
    parser.add_argument("--fast-token-signing", action="store_true",
                        help="the LMS signs access tokens with its loaded key (bench-only patch)")
    parser.add_argument("--only", default=",".join(ORDER), help="comma-separated contestants")
    parser.add_argument("--json", help="also write every run's figures to this file")
    args = parser.parse_args()
    names = [n for n in ORDER if n in args.only.split(",")]

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the set-up servers' request log
    work = Path(tempfile.mkdtemp(prefix="bench-ags-"))
    procs: list[subprocess.Popen] = []
    servers = SimpleNamespace(tool=None, jwks=None)
    load_before = load_average()
    try:
        cfg = set_up(work, args, procs, servers)
        cfg_path = work / "contestants.json"
        cfg_path.write_text(json.dumps(cfg))
        runs: list[dict] = []
        for rep in range(args.reps):
            rotated = names[rep % len(names):] + names[:rep % len(names)]
            for name in rotated:
                result = run_contestant(name, cfg_path, cfg, rep)
                runs.append(result)
                print(f"  rep {rep + 1} {name:<20} {result['posts_per_s']:8.1f} posts/s  "
                      f"{result['token_requests']:5d} token requests  client {result['client_cpu_ms']:6.2f} ms/post  "
                      f"LMS {result['lms_cpu_ms']:6.2f} ms/post", flush=True)
        report(runs, names, args, load_before)
        if args.json:
            Path(args.json).write_text(json.dumps(runs, indent=2))
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for server in (servers.jwks, servers.tool):
            if server is not None:
                server.stop()
        shutil.rmtree(work, ignore_errors=True)


def report(runs: list[dict], names: list[str], args, load_before: str) -> None:
    med = lambda name, key: statistics.median(r[key] for r in runs if r["name"] == name)  # noqa: E731
    ratios = {}
    if ANCHOR in names:
        for name in names:
            per_rep = []
            for rep in sorted({r["run"] for r in runs}):
                mine = [r for r in runs if r["name"] == name and r["run"] == rep]
                anchor = [r for r in runs if r["name"] == ANCHOR and r["run"] == rep]
                if mine and anchor:
                    per_rep.append(mine[0]["posts_per_s"] / anchor[0]["posts_per_s"])
            ratios[name] = statistics.median(per_rep)
    print()
    print(f"AGS score posts: {args.posts} per run, {args.reps} runs, medians; machine: {machine()}")
    print(f"load average before: {load_before}, after: {load_average()}; demo LMS: gunicorn 1 worker × "
          f"{args.lms_threads} threads{', fast token signing (bench patch)' if args.fast_token_signing else ', as shipped'}")
    header = (f"{'contestant':<20} {'posts/s':>9} {'× ' + ANCHOR:>20} {'token requests':>15} "
              f"{'client CPU ms/post':>19} {'LMS CPU ms/post':>16} {'redis CPU ms/post':>18}")
    print(header)
    print("-" * len(header))
    for name in names:
        ratio = f"{ratios[name]:.1f}" if name in ratios else "-"
        print(f"{name:<20} {med(name, 'posts_per_s'):9.1f} {ratio:>20} {med(name, 'token_requests'):15.0f} "
              f"{med(name, 'client_cpu_ms'):19.2f} {med(name, 'lms_cpu_ms'):16.2f} {med(name, 'redis_cpu_ms'):18.3f}")
    outbox = [r for r in runs if r["name"] == "coachbridge-outbox"]
    if outbox:
        enqueue = statistics.median(r["enqueue_wall"] for r in outbox)
        print(f"coachbridge-outbox: enqueueing {args.posts} (one transaction each, not in posts/s) took a median "
              f"{enqueue:.2f} s; ags outbox rows after the last drain (all runs): {outbox[-1]['outbox']}")


if __name__ == "__main__":
    main()
