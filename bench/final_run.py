"""The whole measurement bench/README.md quotes, in one command, with its medians.

    .venv/bin/python bench/final_run.py [--runs 3] [--seconds 10] [--skip-scale]

Runs, one after the other (never two benchmarks at once): ``bench/launch/run.py
--browsers 1,32`` ``--runs`` times (coachbridge, pylti1p3 and the two floors in each run),
``bench/xapi/run.py --skip-ralph --postgresql --only raw-batches,db-drain,pg-drain``
(its own medians of 5 repeats), then ``bench/scale/run.py --workers 1,2,4``. Prints each
benchmark's own output as it goes, then the medians over the launch runs (launches/s,
p99, tool CPU per launch, ratio to pylti1p3 computed within each run) and the load
average before and after, so the figures can be read against how busy the machine was.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PY = sys.executable
ROW = re.compile(r"^(coachbridge|pylti1p3|wsgi-floor|flask-floor)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+"
                 r"([\d.]+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)")


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
        match = ROW.match(line)
        if match:
            tool, browsers = match[1], int(match[2])
            rows[(tool, browsers)] = {"rate": float(match[3]), "p99": float(match[6]), "errors": int(match[8]),
                                      "tool_ms": float(match[11])}
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="bench/launch runs (medians over them)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per launch level")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    started_load = os.getloadavg()

    runs = [launch_rows(run([str(BENCH / "launch" / "run.py"), "--browsers", "1,32", "--seconds",
                             f"{args.seconds:g}"])) for _ in range(args.runs)]
    run([str(BENCH / "xapi" / "run.py"), "--skip-ralph", "--postgresql", "--repeats", "5",
         "--only", "raw-batches,db-drain,pg-drain"])
    if not args.skip_scale:
        run([str(BENCH / "scale" / "run.py"), "--workers", "1,2,4"])

    print(f"\nlaunch medians over {len(runs)} runs (ratios within each run, then their median)")
    print(f"{'tool':<12} {'brw':>3} {'launch/s':>9} {'x pylti1p3':>10} {'p99 ms':>8} {'tool-ms/launch':>15} errors")
    for browsers in (1, 32):
        for tool in ("coachbridge", "pylti1p3", "flask-floor", "wsgi-floor"):
            got = [r for r in runs if (tool, browsers) in r and ("pylti1p3", browsers) in r]
            if not got:
                continue
            mine = [r[(tool, browsers)] for r in got]
            ratio = statistics.median(r[(tool, browsers)]["rate"] / r[("pylti1p3", browsers)]["rate"] for r in got)
            print(f"{tool:<12} {browsers:>3} {statistics.median(m['rate'] for m in mine):9.1f} {ratio:9.2f}x "
                  f"{statistics.median(m['p99'] for m in mine):8.1f} "
                  f"{statistics.median(m['tool_ms'] for m in mine):15.2f} {sum(m['errors'] for m in mine):>6}")
    print(f"load average: {started_load[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end "
          "(pg-drain vs raw and the scale figures are in their own tables above)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
