"""Statements/s from an outbox to an LRS: coachbridge's delivery against the raw ceiling
and TinCanPython 1.0.0, on a fast local LRS stand-in and on ralph.

    python bench/xapi/run.py [--count 20000] [--batch-size 100] [--repeats 3] [--skip-ralph] [--postgresql]

Contestants (each gets fresh statements, ~1.35 KB each, with new ids; one batch size):
- raw-batches: pre-serialized JSON batches POSTed over one keep-alive requests.Session
  (the ceiling: no bookkeeping at all);
- tincan-one: TinCanPython ``RemoteLRS.save_statement`` one at a time;
- tincan-batches: TinCanPython ``RemoteLRS.save_statements`` in batches;
- db-drain: **coachbridge, outbox to LRS** (issue 4's figure): the statements are already
  committed in the outbox of a fresh SQLite database, as the bridge's event handler writes
  them in the record transaction, before the clock starts; timed is the delivery worker's
  job draining them (``adapter.worker.XapiDelivery`` -> ``xapi.delivery.Deliverer`` over
  ``SqlOutbox``: leased claims, payload reads, marks, the POSTs), the database work
  included;
- db-enqueue+drain: end to end, the same plus writing the rows (one transaction of
  ``insert_outbox_rows``) inside the timing;
- memory-drain: the same delivery loop, one batch at a time, over an in-memory outbox (no
  database: what the loop and the client cost);
- with ``--postgresql``, pg-drain and pg-enqueue+drain: db-drain and db-enqueue+drain on a
  throwaway PostgreSQL cluster (fsync off).

Un-timed: building and serializing statements, TinCan objects, filling the outboxes,
creating the databases. Figures are medians of the repeats (contestants interleaved),
ratios come from the same run; the driver's own CPU per statement is printed beside
them (it shares the 2 cores with the LRS; for PostgreSQL the server's CPU is not in it but
in its own column, ``PG µs/st``: every process of the cluster, autovacuum included).
Another contestant plugs in by passing ``main(contestants=[*CONTESTANTS, Contestant(...)])``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "xapi")]

import requests  # noqa: E402
import tincan  # noqa: E402

from tests.peers.ralph_lrs import RalphLrs, spawn_uvicorn, stop_process, wait_until_ready  # noqa: E402
from xapi.agents import PrivacySettings  # noqa: E402
from xapi.delivery import Deliverer  # noqa: E402
from xapi.lrs_sender import LrsSender  # noqa: E402
from xapi.events import VOID_ONLY, EventKind  # noqa: E402
from xapi.lrs_client import BasicAuth, LrsClient, LrsConfig, serialize_batch  # noqa: E402
from xapi.mapping import load_mapping  # noqa: E402
from xapi.statements import BuildSettings, build_statements  # noqa: E402
from xapi_memory_outbox import MemoryOutbox  # noqa: E402
from xapi_samples import sample_event  # noqa: E402

from bench.xapi.outbox_contestants import (  # noqa: E402
    ThrowawayPostgres, prepare_db_drain, prepare_db_end_to_end, process_cpu)

VERSION_HEADER = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}


@dataclass(frozen=True)
class Target:
    """An LRS to send to: xAPI base URL, basic-auth credentials, its server's pid."""

    name: str
    endpoint: str
    auth: tuple[str, str]
    pid: int


Send = Callable[[], None]


@dataclass(frozen=True)
class Contestant:
    """``prepare(target, statements, batch_size)`` does the un-timed set-up and returns
    the timed ``send()``, which must raise if any statement was not accepted."""

    name: str
    prepare: Callable[[Target, list[dict], int], Send]
    one_at_a_time: bool = False


def chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def prepare_raw(target: Target, statements: list[dict], batch_size: int) -> Send:
    bodies = [serialize_batch(chunk) for chunk in chunks(statements, batch_size)]
    session = requests.Session()
    url = target.endpoint + "statements"

    def send() -> None:
        for body in bodies:
            response = session.post(url, data=body, headers=VERSION_HEADER, auth=target.auth, timeout=(3, 60))
            if response.status_code not in (200, 204):
                raise RuntimeError(f"raw POST answered {response.status_code}: {response.text[:200]}")

    return send


def _prepare_tincan(target: Target, units: list, method: str) -> Send:
    """Send each unit (a statement, or a list of them) with one TinCanPython call."""
    lrs = tincan.RemoteLRS(endpoint=target.endpoint, username=target.auth[0], password=target.auth[1], version="1.0.3")
    save = getattr(lrs, method)

    def send() -> None:
        for unit in units:
            response = save(unit)
            if not response.success:
                raise RuntimeError(f"{method} answered {response.response.status}: {response.data[:200]}")

    return send


def prepare_tincan_one(target: Target, statements: list[dict], batch_size: int) -> Send:
    return _prepare_tincan(target, [tincan.Statement(s) for s in statements], "save_statement")


def prepare_tincan_batches(target: Target, statements: list[dict], batch_size: int) -> Send:
    batches = [[tincan.Statement(s) for s in chunk] for chunk in chunks(statements, batch_size)]
    return _prepare_tincan(target, batches, "save_statements")


def prepare_coachbridge(target: Target, statements: list[dict], batch_size: int) -> Send:
    outbox = MemoryOutbox()
    for statement in statements:
        outbox.add(target.name, statement["id"], json.dumps(statement, separators=(",", ":"), ensure_ascii=False))
    config = LrsConfig(name=target.name, endpoint=target.endpoint, auth=BasicAuth(*target.auth), batch_size=batch_size)
    deliverer = Deliverer(outbox, LrsSender(LrsClient(config)))

    def send() -> None:
        while deliverer.deliver_batch().claimed:
            pass
        counts = outbox.counts()
        if counts != {"delivered": len(statements)}:
            raise RuntimeError(f"coachbridge left rows undelivered: {dict(counts)}")

    return send


CONTESTANTS = [
    Contestant("raw-batches", prepare_raw),
    Contestant("tincan-one", prepare_tincan_one, one_at_a_time=True),
    Contestant("tincan-batches", prepare_tincan_batches),
    Contestant("db-drain", prepare_db_drain),
    Contestant("db-enqueue+drain", prepare_db_end_to_end),
    Contestant("memory-drain", prepare_coachbridge),
]
ON_POSTGRES = [  # --postgresql: the same two on a throwaway PostgreSQL cluster
    Contestant("pg-drain", lambda *a: prepare_db_drain(*a, database="postgresql")),
    Contestant("pg-enqueue+drain", lambda *a: prepare_db_end_to_end(*a, database="postgresql")),
]


class StatementFactory:
    """Fresh statements of every kind, with ids never used before in this run."""

    def __init__(self) -> None:
        self.mapping = load_mapping()
        self.settings = BuildSettings(
            "https://coach.acme.org/xapi/activities", privacy=PrivacySettings(share_free_text=True)
        )
        self.kinds = [kind for kind in EventKind if kind not in VOID_ONLY]
        self.serial = 0

    def make(self, count: int) -> list[dict]:
        self.serial += 1
        return [
            build_statements(
                sample_event(self.kinds[i % len(self.kinds)], record_id=f"bench-{self.serial}-{i}"),
                self.settings,
                self.mapping,
            )[0]
            for i in range(count)
        ]


@dataclass
class Measure:
    count: int
    rates: list[float]
    driver_cpu: list[float]  # µs per statement
    lrs_cpu: list[float]  # µs per statement
    server_cpu: list[float]  # µs per statement, the PostgreSQL cluster's (--postgresql)

    def add(self, rate: float, driver: float, lrs: float, server: float) -> None:
        self.rates.append(rate), self.driver_cpu.append(driver), self.lrs_cpu.append(lrs)
        self.server_cpu.append(server)


def measure(contestant: Contestant, target: Target, statements: list[dict],
            batch_size: int) -> tuple[float, float, float, float]:
    send = contestant.prepare(target, statements, batch_size)
    server_before = ThrowawayPostgres.cpu()
    lrs_before, cpu_before, start = process_cpu(target.pid), time.process_time(), time.perf_counter()
    send()
    elapsed = time.perf_counter() - start
    driver = time.process_time() - cpu_before
    lrs = process_cpu(target.pid) - lrs_before
    server = ThrowawayPostgres.cpu() - server_before
    n = len(statements)
    return n / elapsed, driver / n * 1e6, lrs / n * 1e6, server / n * 1e6


class FastLrs:
    def __init__(self, work_dir: Path, processes: int = 1, delay: float = 0.0) -> None:
        """``processes`` > 1: uvicorn's worker processes on one socket (``Target.pid`` is
        their parent's), their stored ids counted together. ``delay``: seconds before each
        POST of statements is answered (fast_lrs.py's ``FAST_LRS_DELAY``)."""
        self.log_path = work_dir / "fast_lrs.log"
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent), "FAST_LRS_DELAY": str(delay)}
        if processes > 1:
            env["FAST_LRS_COUNTS"] = str(work_dir / "fast_lrs_counts")
            os.makedirs(env["FAST_LRS_COUNTS"], exist_ok=True)
        self.process, self.port = spawn_uvicorn("fast_lrs:app", env=env, cwd=REPO, log_path=self.log_path,
                                                workers=processes)
        wait_until_ready(self.process, f"http://127.0.0.1:{self.port}/stats", 30, self.log_path.read_text)
        self.target = Target("fast", f"http://127.0.0.1:{self.port}/xapi/", ("bench", "bench"), self.process.pid)

    def stored(self) -> int:
        return requests.get(f"http://127.0.0.1:{self.port}/stats", timeout=5).json()["stored"]

    def stop(self) -> None:
        stop_process(self.process)


def run_fast(contestants, factory, args, work_dir) -> dict[str, Measure]:
    lrs = FastLrs(work_dir)
    results: dict[str, Measure] = {}
    try:
        for _ in range(args.repeats):  # contestants interleaved, so drift hits all alike
            for contestant in contestants:
                count = args.one_count if contestant.one_at_a_time else args.count
                before = lrs.stored()
                rate, *cpu = measure(contestant, lrs.target, factory.make(count), args.batch_size)
                if lrs.stored() - before != count:
                    raise RuntimeError(f"{contestant.name}: the LRS gained {lrs.stored() - before}, not {count}")
                results.setdefault(contestant.name, Measure(count, [], [], [], [])).add(rate, *cpu)
    finally:
        lrs.stop()
    return results


def run_ralph(contestants, factory, args, work_dir) -> dict[str, Measure]:
    results: dict[str, Measure] = {}
    for repeat in range(args.ralph_repeats):
        for contestant in contestants:  # a fresh ralph each: its fs store slows as it grows
            ralph = RalphLrs(Path(tempfile.mkdtemp(prefix=f"ralph-{contestant.name}-{repeat}-", dir=work_dir)))
            ralph.start()
            try:
                count = args.ralph_one_count if contestant.one_at_a_time else args.ralph_count
                target = Target("ralph", ralph.endpoint, ralph.auth, ralph.pid)
                rate, *cpu = measure(contestant, target, factory.make(count), args.batch_size)
            finally:
                ralph.stop()
            results.setdefault(contestant.name, Measure(count, [], [], [], [])).add(rate, *cpu)
    return results


def print_table(title: str, results: dict[str, Measure]) -> None:
    rate = {name: statistics.median(m.rates) for name, m in results.items()}
    ceiling, one = rate.get("raw-batches"), rate.get("tincan-one")
    print(f"\n{title}")
    header = f"{'contestant':<16}{'stmts':>7}{'runs':>5}{'stmts/s':>10}{'min..max':>17}{'drv µs/st':>10}{'LRS µs/st':>10}{'PG µs/st':>9}{'vs raw':>8}{'vs tc-one':>10}"
    print(header)
    print("-" * len(header))
    for name, m in results.items():
        spread = f"{min(m.rates):.0f}..{max(m.rates):.0f}"
        vs_raw = f"{rate[name] / ceiling:.0%}" if ceiling else "-"
        vs_one = f"{rate[name] / one:.1f}x" if one else "-"
        print(
            f"{name:<16}{m.count:>7}{len(m.rates):>5}{rate[name]:>10.0f}{spread:>17}"
            f"{statistics.median(m.driver_cpu):>10.0f}{statistics.median(m.lrs_cpu):>10.0f}{statistics.median(m.server_cpu):>9.0f}{vs_raw:>8}{vs_one:>10}"
        )


def main(argv: list[str] | None = None, contestants: list[Contestant] = CONTESTANTS) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20000, help="statements per batched run on the fast LRS")
    parser.add_argument("--one-count", type=int, default=3000, help="statements per one-at-a-time run, fast LRS")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ralph-count", type=int, default=1000)
    parser.add_argument("--ralph-one-count", type=int, default=100)
    parser.add_argument("--ralph-repeats", type=int, default=3)
    parser.add_argument("--skip-ralph", action="store_true")
    parser.add_argument("--only", default="", help="comma-separated contestant names (default: all)")
    parser.add_argument("--postgresql", action="store_true", help="also pg-drain and pg-enqueue+drain")
    args = parser.parse_args(argv)
    if args.postgresql:
        contestants = [*contestants, *ON_POSTGRES]
    if args.only:
        wanted = args.only.split(",")
        contestants = [c for c in contestants if c.name in wanted]
    factory = StatementFactory()
    size = statistics.mean(len(json.dumps(s, separators=(",", ":"))) for s in factory.make(200))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, batch size {args.batch_size}, statements ~{size:.0f} B")
    with tempfile.TemporaryDirectory(prefix="bench-xapi-") as work:
        work_dir = Path(work)
        print_table(
            f"fast LRS stand-in (uvicorn + bare ASGI app), median of {args.repeats}",
            run_fast(contestants, factory, args, work_dir),
        )
        if not args.skip_ralph:
            print_table(
                f"ralph 5.1 filesystem LRS (fresh store per run), median of {args.ralph_repeats}",
                run_ralph(contestants, factory, args, work_dir),
            )


if __name__ == "__main__":
    main()
