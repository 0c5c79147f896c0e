"""Repeatable build benchmark (`make bench`, `activation-warehouse-dev bench`): generate
(cached) demo data at a few scales, load it, and time `dbt build` / `dbt run`, reporting
wall time, events per second and peak memory.

Measured with a script, never a timed test: a timing assertion flakes on a shared
machine, a printed table of medians does not.
"""

from __future__ import annotations

import argparse
import json
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

import duckdb

from activation_warehouse.dbt_runner import DbtTarget
from activation_warehouse.dev.generate import SHAPES, DemoConfig, accounts_for_events, generate_demo
from activation_warehouse.load import load_folder
from activation_warehouse.paths import PROJECT_DIR

BENCH_DIR = PROJECT_DIR / "bench"
CACHE_DIR = BENCH_DIR / ".cache"
FLOOR_SQL = BENCH_DIR / "floor_user_activation.sql"
#: A fixed end time, so cached data sets are the same on every run.
BENCH_END = datetime(2026, 6, 1)

#: The ratios measured in pairs within one run (both sides on the same warehouse, minutes
#: apart), reported run by run as well as by their median.
PAIRED = ("path_over_floor", "incremental_over_run")


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


def dataset(events: int, progress: bool = True, shape: str = "demo") -> tuple[Path, int]:
    """The cached raw data set of about `events` raw events of the given journey shape;
    returns its folder and the exact number of raw event rows. Each shape has its own cache
    folder, so switching shapes never reuses the other's data."""
    folder = CACHE_DIR / (f"events_{events}" if shape == "demo" else f"events_{events}_{shape}")
    marker = folder / "rows.txt"
    if not marker.exists():
        if folder.exists():
            shutil.rmtree(folder)
        config = DemoConfig(accounts=accounts_for_events(events, shape=shape), end=BENCH_END, shape=shape)
        rows = generate_demo(folder, config, progress=progress)
        marker.write_text(str(rows["events"]))
    return folder, int(marker.read_text())


def _dbt_target(warehouse: Path, work_dir: Path) -> DbtTarget:
    """Every benchmark run writes its target and logs under `work_dir`, not the repository's."""
    return DbtTarget(
        warehouse=warehouse, target_dir=work_dir / "target", log_dir=work_dir / "logs", temp_dir=work_dir / "duckdb_tmp",
    )


#: The time column of each app table: a held-out day holds back the app rows of that day
#: too, so the warehouse the first build sees is one consistent day behind (otherwise the
#: users who signed up that day would have no events and the coverage check would fail).
APP_TABLE_TIMES = {
    "accounts": "created_at",
    "users": "created_at",
    "data_source_connections": "connected_at",
    "flag_exposures": "exposed_at",
}


def _hold_out_last_day(warehouse: Path) -> int:
    """Move the raw events received in the last 24 hours aside, with the app rows of those
    hours, so the first build sees the history and the incremental run gets one realistic
    new day (late arrivals included: some of those events occurred days earlier). Returns
    the number of events held out."""
    with duckdb.connect(str(warehouse)) as connection:
        cutoff = connection.execute("select max(received_at) - interval 1 day from raw.events").fetchone()[0]
        connection.execute("create table raw.events_next_day as select * from raw.events where received_at > ?", [cutoff])
        connection.execute("delete from raw.events where received_at > ?", [cutoff])
        present = {row[0] for row in connection.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()}
        for table, time_column in APP_TABLE_TIMES.items():
            if table in present:
                connection.execute(
                    f"create table raw.{table}_next_day as select * from raw.{table} where {time_column} > ?",  # noqa: S608
                    [cutoff],
                )
                connection.execute(f"delete from raw.{table} where {time_column} > ?", [cutoff])  # noqa: S608
        return connection.execute("select count(*) from raw.events_next_day").fetchone()[0]


def _append_held_out_day(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse)) as connection:
        for table in ("events", *APP_TABLE_TIMES):
            held = connection.execute(
                "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = ?",
                [f"{table}_next_day"],
            ).fetchone()[0]
            if held:
                connection.execute(f"insert into raw.{table} select * from raw.{table}_next_day")  # noqa: S608
                connection.execute(f"drop table raw.{table}_next_day")


def _models_seconds(target_dir: Path) -> float:
    """Sum of the models' own execution times in the last run (dbt's start-up excluded)."""
    results = json.loads((target_dir / "run_results.json").read_text())
    return sum(r["execution_time"] for r in results["results"] if r["unique_id"].startswith("model."))


def _run_floor(warehouse: Path) -> Timing:
    code = (
        "import duckdb, sys; c = duckdb.connect(sys.argv[1]);"
        " c.execute('set threads = 2'); c.execute(open(sys.argv[2]).read())"
    )
    return run_measured([sys.executable, "-c", code, str(warehouse), str(FLOOR_SQL)], dict(os.environ))


def benchmark_scale(events: int, runs: int, work_dir: Path, shape: str = "demo") -> dict[str, float]:
    """Medians over `runs` fresh warehouses at one scale: the full build and run, an
    incremental run with one more day, and the fct_user_activation path against the floor.

    Each dbt figure is taken twice: as wall time, and as the models' own execution time
    from run_results.json (dbt's fixed start-up and parse excluded, summed over dbt's
    threads), so a ratio can be read either way."""
    folder, raw_events = dataset(events, shape=shape)
    target = work_dir / "target"
    keys = (
        "build_s", "run_s", "run_models_s", "incremental_s", "incremental_models_s", "startup_s",
        "path_s", "path_models_s", "floor_s", "idle_s", "idle_models_s", "skipped_s", "peak_mb", "floor_peak_mb",
        "path_over_floor", "incremental_over_run",
    )
    samples: dict[str, list[float]] = {key: [] for key in keys}
    for run in range(runs):
        warehouse = work_dir / f"bench_{events}_{run}.duckdb"
        warehouse.unlink(missing_ok=True)
        load_folder(folder, warehouse, progress=False)
        new_day = _hold_out_last_day(warehouse)
        dbt = _dbt_target(warehouse, work_dir)
        env = dbt.env(colours=False)
        build = run_measured(dbt.command("build"), env)
        full_run = run_measured(dbt.command("run", "--full-refresh"), env)
        samples["run_models_s"].append(_models_seconds(target))
        startup = run_measured(dbt.command("run", "--select", "tag:no_such_tag"), env)
        path = run_measured(dbt.command("run", "--full-refresh", "--select", "+fct_user_activation"), env)
        samples["path_models_s"].append(_models_seconds(target))
        floor = _run_floor(warehouse)
        _append_held_out_day(warehouse)
        incremental = run_measured(dbt.command("run"), env)
        samples["incremental_models_s"].append(_models_seconds(target))
        # The same run with nothing new: what an hourly run costs before any data work
        # (dbt's start-up, every model's round trip, the marts rebuilt in full).
        idle = run_measured(dbt.command("run"), env)
        samples["idle_s"].append(idle.seconds)
        samples["idle_models_s"].append(_models_seconds(target))
        # The same hour through the tooling's check (`build --if-changed`): its first call
        # runs dbt and records the build, the second finds nothing changed and starts none.
        hourly = [sys.executable, "-m", "activation_warehouse", "build", "--if-changed", "run"]
        hourly_env = {**env, "ACTIVATION_WAREHOUSE_PATH": str(warehouse)}
        run_measured(hourly, hourly_env)
        samples["skipped_s"].append(run_measured(hourly, hourly_env).seconds)
        # Paired ratios: both sides of each measured in the same run, so a slow moment of
        # the machine moves both.
        samples["path_over_floor"].append(path.seconds / floor.seconds)
        samples["incremental_over_run"].append(incremental.seconds / full_run.seconds)
        samples["build_s"].append(build.seconds)
        samples["run_s"].append(full_run.seconds)
        samples["startup_s"].append(startup.seconds)
        samples["path_s"].append(path.seconds)
        samples["floor_s"].append(floor.seconds)
        samples["incremental_s"].append(incremental.seconds)
        # dbt's peak (DuckDB works inside the dbt process) apart from the floor script's, a
        # plain DuckDB session under DuckDB's own limit: the build is what the target bounds.
        samples["peak_mb"].append(max(t.peak_rss_mb for t in (build, full_run, startup, path, incremental, idle)))
        samples["floor_peak_mb"].append(floor.peak_rss_mb)
        print(
            f"  {raw_events:>12,} events  run {run + 1}/{runs}: build {build.seconds:6.1f} s, "
            f"run {full_run.seconds:6.1f} s, incremental (+{new_day:,} events) {incremental.seconds:6.1f} s, "
            f"nothing new {idle.seconds:6.1f} s, path {path.seconds:6.1f} s, floor {floor.seconds:6.1f} s, "
            f"peak {samples['peak_mb'][-1]:,.0f} MB",
            flush=True,
        )
        warehouse.unlink(missing_ok=True)
    result = {key: statistics.median(values) for key, values in samples.items()}
    result["peak_mb"] = max(samples["peak_mb"])
    result["floor_peak_mb"] = max(samples["floor_peak_mb"])
    # Each run's paired ratios, kept for the table: a median hides how far runs spread.
    for key in PAIRED:
        for number, value in enumerate(samples[key], start=1):
            result[f"{key}_run{number}"] = value
    result["raw_events"] = raw_events
    result["new_day_events"] = new_day
    result["events_per_s"] = raw_events / result["build_s"]
    return result


def _per_run(row: dict[str, float], key: str) -> str:
    """A paired ratio's value in each run, in run order ("1.91, 2.03, 1.88")."""
    prefix = f"{key}_run"
    runs = sorted(int(name.removeprefix(prefix)) for name in row if name.startswith(prefix))
    values = [row[f"{prefix}{number}"] for number in runs]
    return ", ".join(f"{value:.2f}" for value in values)


def ratios(results: list[dict[str, float]]) -> list[tuple[str, float, str]]:
    """The targets of the speed work (docs/performance.md) as (what, measured, target)
    rows, at the largest scale (and its step from the scale before it)."""
    large = results[-1]
    rows = [
        ("fct_user_activation path / floor, wall", large["path_s"] / large["floor_s"], "<= 1.5"),
        ("fct_user_activation path / floor, models only", large["path_models_s"] / large["floor_s"], "<= 1.5"),
        ("fct_user_activation path / floor, wall, median of the per-run ratios "
         f"({_per_run(large, 'path_over_floor')})", large["path_over_floor"], "<= 1.5"),
        ("incremental run (+1 day) / full run, wall", large["incremental_s"] / large["run_s"], "<= 0.05"),
        ("incremental run (+1 day) / full run, models only",
         large["incremental_models_s"] / large["run_models_s"], "<= 0.05"),
        ("incremental run (+1 day) / full run, wall, median of the per-run ratios "
         f"({_per_run(large, 'incremental_over_run')})", large["incremental_over_run"], "<= 0.05"),
        ("incremental run with nothing new / full run, wall", large["idle_s"] / large["run_s"], ""),
        ("incremental run with nothing new, wall (s)", large["idle_s"], "<= 8"),
        ("incremental run with nothing new through `activation-warehouse build --if-changed run`, wall (s)",
         large["skipped_s"], "<= 8"),
        ("peak memory of a dbt command (GB)", large["peak_mb"] / 1024, "<= 4"),
        ("peak memory of the floor script (GB)", large["floor_peak_mb"] / 1024, ""),
    ]
    if len(results) >= 2:
        small = results[-2]
        scale = large["raw_events"] / small["raw_events"]
        rows += [
            (f"full run, {large['raw_events']:,.0f} / {small['raw_events']:,.0f} events ({scale:.1f}x the data)",
             large["run_s"] / small["run_s"], "<= 12"),
            ("full build, same scales", large["build_s"] / small["build_s"], "<= 12"),
            ("peak memory, same scales", large["peak_mb"] / small["peak_mb"], ""),
        ]
    return rows


def render(results: list[dict[str, float]], runs: int) -> str:
    """The results as a Markdown table with the machine it ran on, then the ratios."""
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {memory_gib:.0f} GiB, Python "
        f"{platform.python_version()}, DuckDB {duckdb.__version__}; median of {runs} run(s); {datetime.now():%Y-%m-%d}",
        "",
        "| raw events | dbt build (s) | dbt run, full (s) | of which models (s) | events/s (build) "
        "| peak memory, dbt (MB) | incremental run, +1 day (s) | of which models (s) | dbt start-up (s) "
        "| fct_user_activation path (s) | of which models (s) | floor script (s) "
        "| incremental run, nothing new (s) | of which models (s) | nothing new, `build --if-changed` (s) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results:
        lines.append(
            f"| {row['raw_events']:,.0f} | {row['build_s']:.1f} | {row['run_s']:.1f} | {row['run_models_s']:.1f} | "
            f"{row['events_per_s']:,.0f} | {row['peak_mb']:,.0f} | {row['incremental_s']:.1f} | "
            f"{row['incremental_models_s']:.1f} | {row['startup_s']:.1f} | {row['path_s']:.1f} | "
            f"{row['path_models_s']:.1f} | {row['floor_s']:.1f} | {row['idle_s']:.1f} | {row['idle_models_s']:.1f} | "
            f"{row['skipped_s']:.1f} |"
        )
    lines += [
        "",
        "Models' time is the sum of their execution times in run_results.json, over dbt's two threads.",
        "",
        "| ratio | measured | target |",
        "|---|---:|---:|",
    ]
    for what, value, target in ratios(results):
        lines.append(f"| {what} | {value:.2f} | {target} |")
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The scales, runs and output file of `bench`."""
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000],
                        help="raw events per scale (default: 1000000 10000000)")
    parser.add_argument("--runs", type=int, default=3, help="fresh warehouses per scale; medians reported (default: 3)")
    parser.add_argument("--shape", choices=sorted(SHAPES), default="demo",
                        help="journey shape of the generated data: demo (~136 events/user) or short (~8) (default: demo)")
    parser.add_argument("--out", default=str(BENCH_DIR / "results.md"), help="Markdown table to write (default: bench/results.md)")


def run(args: argparse.Namespace) -> int:
    """Benchmark the build at the given scales and print (and save) the table."""
    work_dir = CACHE_DIR / "work"
    work_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for events in args.events:
        print(f"Scale ~{events:,} events ({args.shape} shape):", flush=True)
        results.append(benchmark_scale(events, args.runs, work_dir, args.shape))
    table = render(results, args.runs)
    Path(args.out).write_text(table + "\n")
    print(table)
    shutil.rmtree(work_dir, ignore_errors=True)
    return 0
