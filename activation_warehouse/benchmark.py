"""Repeatable build benchmark: generate (cached) demo data at a few scales, load it, and
time `dbt build` / `dbt run`, reporting wall time, events per second and peak memory.

Measured with a script, never a timed test: a timing assertion flakes on a shared
machine, a printed table of medians does not.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from activation_warehouse.generate import DemoConfig, accounts_for_events, generate_demo
from activation_warehouse.load import load_folder
from activation_warehouse.paths import PROJECT_DIR

BENCH_DIR = PROJECT_DIR / "bench"
CACHE_DIR = BENCH_DIR / ".cache"
#: A fixed end time, so cached data sets are the same on every run.
BENCH_END = datetime(2026, 6, 1)


@dataclass(frozen=True)
class Timing:
    """One measured command: wall seconds and the peak resident memory of its process."""

    seconds: float
    peak_rss_mb: float


def run_measured(command: list[str], env: dict[str, str]) -> Timing:
    """Run a command, returning its wall time and peak RSS (from wait4, exact for the
    child's own process, which is where DuckDB does its work)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        tail = output.decode(errors="replace").splitlines()[-30:]
        raise RuntimeError(f"{' '.join(command)} failed:\n" + "\n".join(tail))
    return Timing(seconds=elapsed, peak_rss_mb=usage.ru_maxrss / 1024)


def dataset(events: int, progress: bool = True) -> tuple[Path, int]:
    """The cached raw data set of about `events` raw events; returns its folder and the
    exact number of raw event rows."""
    folder = CACHE_DIR / f"events_{events}"
    marker = folder / "rows.txt"
    if not marker.exists():
        if folder.exists():
            shutil.rmtree(folder)
        config = DemoConfig(accounts=accounts_for_events(events), end=BENCH_END)
        rows = generate_demo(folder, config, progress=progress)
        marker.write_text(str(rows["events"]))
    return folder, int(marker.read_text())


def benchmark_scale(events: int, runs: int, work_dir: Path) -> dict[str, float]:
    """Median full `dbt build` and `dbt run` over `runs` fresh warehouses at one scale."""
    folder, raw_events = dataset(events)
    dbt = str(Path(sys.executable).parent / "dbt")
    builds: list[Timing] = []
    dbt_runs: list[Timing] = []
    for run in range(runs):
        warehouse = work_dir / f"bench_{events}_{run}.duckdb"
        warehouse.unlink(missing_ok=True)
        load_folder(folder, warehouse, progress=False)
        env = dict(
            os.environ,
            ACTIVATION_WAREHOUSE_PATH=str(warehouse),
            ACTIVATION_WAREHOUSE_TEMP_DIR=str(work_dir / "duckdb_tmp"),
            DBT_PROFILES_DIR=str(PROJECT_DIR),
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        )
        common = ["--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs")]
        builds.append(run_measured([dbt, "build", *common], env))
        dbt_runs.append(run_measured([dbt, "run", *common], env))
        print(
            f"  {raw_events:>12,} events  run {run + 1}/{runs}: build {builds[-1].seconds:6.1f} s, "
            f"run {dbt_runs[-1].seconds:6.1f} s, peak {max(builds[-1].peak_rss_mb, dbt_runs[-1].peak_rss_mb):,.0f} MB",
            flush=True,
        )
        warehouse.unlink(missing_ok=True)
    build_s = statistics.median(t.seconds for t in builds)
    return {
        "raw_events": raw_events,
        "build_s": build_s,
        "run_s": statistics.median(t.seconds for t in dbt_runs),
        "events_per_s": raw_events / build_s,
        "peak_mb": max(t.peak_rss_mb for t in builds + dbt_runs),
    }


def render(results: list[dict[str, float]], runs: int) -> str:
    """The results as a Markdown table with the machine it ran on."""
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"median of {runs} run(s); {datetime.now():%Y-%m-%d}",
        "",
        "| raw events | dbt build (s) | dbt run (s) | events/s (build) | peak memory (MB) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for row in results:
        lines.append(
            f"| {row['raw_events']:,.0f} | {row['build_s']:.1f} | {row['run_s']:.1f} | "
            f"{row['events_per_s']:,.0f} | {row['peak_mb']:,.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Benchmark the build at the given scales and print (and save) the table."""
    parser = argparse.ArgumentParser(prog="python -m activation_warehouse.benchmark")
    parser.add_argument("--events", type=int, nargs="+", default=[275_000, 1_000_000, 10_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", default=str(BENCH_DIR / "results.md"))
    args = parser.parse_args(argv)
    work_dir = CACHE_DIR / "work"
    work_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for events in args.events:
        print(f"Scale ~{events:,} events:", flush=True)
        results.append(benchmark_scale(events, args.runs, work_dir))
    table = render(results, args.runs)
    Path(args.out).write_text(table + "\n")
    print(table)
    shutil.rmtree(work_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
