"""Every figure issue 18's "Done when" asks for, in one command, ending in one table to paste.

    .venv/bin/python bench/final_run.py [--runs 3] [--seconds 8] [--drain-repeats 3]

Runs, one after the other (never two benchmarks at once), in about 10 minutes:

1. ``bench/launch/run.py --browsers 1,32`` ``--runs`` times: coachbridge, pylti1p3 and the
   two floors (bare WSGI, empty Flask app) in each run; medians over the runs, ratios to
   pylti1p3 taken within each run first;
2. ``bench/xapi/run.py --skip-ralph --postgresql --only raw-batches,db-drain,pg-drain``
   (medians of its own 5 repeats): pg-drain against the raw batch ceiling;
3. ``bench/scale/run.py --skip-drain --workers 2``: launches/s on PostgreSQL with 2 web workers;
4. ``bench/scale/run.py --skip-launch --workers 1,2,4`` repeated ``--drain-repeats`` times:
   statements/s drained by 1, 2 and 4 delivery worker processes on one PostgreSQL (each
   statement stored once; the script fails otherwise), to the LRS stand-in answering at
   once and answering each batch after 10 ms (an LRS on a machine of its own).

Each benchmark's own output is echoed as it goes; the summary at the end says which
targets were met, with the load average before and after (the machine is shared: read
the ratios and CPU per launch, measured side by side, rather than absolute rates).
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PY = sys.executable
LAUNCH_ROW = re.compile(r"^(coachbridge|pylti1p3|wsgi-floor|flask-floor)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+"
                        r"([\d.]+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)")
XAPI_ROW = re.compile(r"^(raw-batches|db-drain|pg-drain)\s+\d+\s+\d+\s+(\d+)\s")
SCALE_LAUNCH_ROW = re.compile(r"^coachbridge\s+(\d+)\s+\d+\s+\d+\s+([\d.]+)\s+[\d.]+\s+([\d.]+)\s+(\d+)\s+"
                              r"[\d.]+\s+([\d.]+)\s+[\d.]+\s+([\d.]+)")
DRAIN_ROW = re.compile(r"^coachbridge\s+(\d+)\s+([\d.]+)\s+\d+\s+\d+\s+(\d+)\s")  # tool workers LRS-ms batch stmts stmts/s
TOOLS = ("coachbridge", "pylti1p3", "flask-floor", "wsgi-floor")


def run(args: list[str]) -> str:
    """Run a benchmark, echoing its output; return the output."""
    print(f"\n$ {' '.join(args)}  (load average {os.getloadavg()[0]:.1f})", flush=True)
    lines = []
    with subprocess.Popen([PY, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            print(line, end="", flush=True)
            lines.append(line)
    if proc.returncode:
        raise SystemExit(f"{args[0]} failed with {proc.returncode}")
    return "".join(lines)


def launch_rows(output: str) -> dict[tuple[str, int], dict[str, float]]:
    rows = {}
    for line in output.splitlines():
        match = LAUNCH_ROW.match(line)
        if match:
            rows[(match[1], int(match[2]))] = {"rate": float(match[3]), "p99": float(match[6]),
                                               "errors": int(match[8]), "tool_ms": float(match[11])}
    return rows


def median_of(runs: list[dict], tool: str, browsers: int, field: str, relative: bool = False) -> float:
    """The median over runs of a tool's figure, or of its ratio to pylti1p3's in the same run."""
    got = [r for r in runs if (tool, browsers) in r and ("pylti1p3", browsers) in r]
    return statistics.median(r[(tool, browsers)][field] / (r[("pylti1p3", browsers)][field] if relative else 1)
                             for r in got) if got else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="bench/launch runs (medians over them)")
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per launch level")
    parser.add_argument("--drain-repeats", type=int, default=3, help="bench/scale drains per worker count")
    args = parser.parse_args()
    started, load0 = time.time(), os.getloadavg()[0]

    runs = [launch_rows(run([str(BENCH / "launch" / "run.py"), "--browsers", "1,32", "--seconds", f"{args.seconds:g}"]))
            for _ in range(args.runs)]
    xapi = {m[1]: float(m[2]) for m in map(XAPI_ROW.match, run(
        [str(BENCH / "xapi" / "run.py"), "--skip-ralph", "--postgresql", "--repeats", "5",
         "--only", "raw-batches,db-drain,pg-drain"]).splitlines()) if m}
    pg_launch = [m for m in map(SCALE_LAUNCH_ROW.match, run(
        [str(BENCH / "scale" / "run.py"), "--skip-drain", "--workers", "2", "--seconds", f"{args.seconds:g}"]
    ).splitlines()) if m]
    drains: dict[tuple[float, int], list[float]] = {}  # (the LRS's ms a batch, workers): statements/s
    for m in map(DRAIN_ROW.match, run([str(BENCH / "scale" / "run.py"), "--skip-launch", "--lrs-delays", "0,0.01",
                                       "--workers", ",".join(["1,2,4"] * args.drain_repeats)]).splitlines()):
        if m:
            drains.setdefault((float(m[2]), int(m[1])), []).append(float(m[3]))

    print(f"\nlaunch medians over {len(runs)} runs (ratios within each run, then their median)")
    print(f"{'tool':<12} {'brw':>3} {'launch/s':>9} {'x pylti1p3':>10} {'p99 ms':>8} {'tool-ms/launch':>15} errors")
    for browsers in (1, 32):
        for tool in TOOLS:
            print(f"{tool:<12} {browsers:>3} {median_of(runs, tool, browsers, 'rate'):9.1f} "
                  f"{median_of(runs, tool, browsers, 'rate', relative=True):9.2f}x "
                  f"{median_of(runs, tool, browsers, 'p99'):8.1f} {median_of(runs, tool, browsers, 'tool_ms'):15.2f} "
                  f"{sum(r.get((tool, browsers), {}).get('errors', 0) for r in runs):>6}")

    def verdict(ok: bool) -> str:
        return "yes" if ok else "**no**"

    errors = sum(r[key]["errors"] for r in runs for key in r if key[0] == "coachbridge")
    at1, at32 = median_of(runs, "coachbridge", 1, "rate", True), median_of(runs, "coachbridge", 32, "rate", True)
    p99, cpu = median_of(runs, "coachbridge", 32, "p99"), median_of(runs, "coachbridge", 32, "tool_ms", True)
    pg_vs_raw = xapi.get("pg-drain", 0) / xapi["raw-batches"] if xapi.get("raw-batches") else float("nan")
    drain = {key: statistics.median(rates) for key, rates in sorted(drains.items())}

    def drain_row(ms: float, lrs: str) -> tuple[str, str, str, str]:
        rates = [drain.get((ms, n), 0) for n in (1, 2, 4)]
        return (f"PostgreSQL drain, LRS {lrs}: statements/s by 1 / 2 / 4 delivery workers (median of "
                f"{args.drain_repeats})", " / ".join(f"{rate:.0f}" for rate in rates), "2 and 4 > 1",
                verdict(rates[0] > 0 and rates[1] > rates[0] and rates[2] > rates[0]))
    rows = [
        ("launches/s at 1 browser, x pylti1p3's", f"{at1:.2f}x", ">= 1.3x", verdict(at1 >= 1.3)),
        ("launches/s at 32 browsers, x pylti1p3's", f"{at32:.2f}x", ">= 1.5x", verdict(at32 >= 1.5)),
        ("p99 at 32 browsers", f"{p99:.0f} ms", "< 120 ms", verdict(p99 < 120)),
        ("launch errors (every run, both levels)", str(errors), "0", verdict(errors == 0)),
        ("tool CPU per launch at 32 browsers, x pylti1p3's", f"{cpu:.2f}x", "<= 0.65x", verdict(cpu <= 0.65)),
        ("floor: empty Flask app at 32 browsers, x pylti1p3's",
         f"{median_of(runs, 'flask-floor', 32, 'rate', True):.2f}x", "", ""),
        ("floor: bare WSGI at 32 browsers, x pylti1p3's",
         f"{median_of(runs, 'wsgi-floor', 32, 'rate', True):.2f}x", "", ""),
        *[(f"PostgreSQL launches/s, {m[1]} web workers (p99, tool CPU per launch)",
           f"{float(m[2]):.0f}/s ({float(m[3]):.0f} ms, {float(m[6]):.2f} ms)", "no errors", verdict(m[4] == "0"))
          for m in pg_launch],
        ("pg-drain vs raw-batches (median of 5)", f"{pg_vs_raw:.0%}", ">= 60 %", verdict(pg_vs_raw >= 0.6)),
        ("db-drain (SQLite) vs raw-batches", f"{xapi.get('db-drain', 0) / xapi.get('raw-batches', 1):.0%}", "", ""),
        drain_row(0, "answering at once (on the same 2 cores)"),
        drain_row(10, "answering each batch in 10 ms (a machine of its own)"),
    ]
    print(f"\n| figure (bench/final_run.py, {time.strftime('%Y-%m-%d %H:%M', time.gmtime(started))} UTC, "
          f"{os.cpu_count()} cores, load {load0:.1f} -> {os.getloadavg()[0]:.1f}) | value | target | met |")
    print("|---|---:|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\n({(time.time() - started) / 60:.1f} minutes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
