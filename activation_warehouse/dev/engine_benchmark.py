"""The build on each engine: DuckDB, PostgreSQL and Spark, at the demo's default scale and
at about 1M events (`make bench-engines`, that is `activation-warehouse-dev bench-engines`;
table in bench/engines.md).

Each engine gets the same raw rows (loaded into DuckDB, then copied by
activation_warehouse.engines), one full `dbt build` (models, seeds and every test), and
its marts are compared with DuckDB's row for row, so a figure in the table is the time of
a build that is known to be right. A script, not a test: timings on a shared machine are
printed, never asserted.
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
from datetime import datetime
from pathlib import Path

from activation_warehouse.dbt_runner import DbtTarget
from activation_warehouse.dev.benchmark import BENCH_DIR, BENCH_END, CACHE_DIR, dataset, run_measured
from activation_warehouse.dev.engine_compare import (
    compare_rows,
    mart_relations,
    read_duckdb_table,
    read_postgres_table,
    read_spark_table,
)
from activation_warehouse.dev.generate import DemoConfig, generate_demo
from activation_warehouse.engines import PostgresSettings, copy_raw_to_postgres
from activation_warehouse.load import load_folder
from activation_warehouse.paths import PROJECT_DIR

ENGINES = ("duckdb", "postgres", "spark")
DEFAULT_SCALE = 0  # stands for "the demo's default DemoConfig" on the command line
#: A PostgreSQL database of the benchmark's own (scripts/postgres-server creates it).
PG_DATABASE = "activation_warehouse_bench"


def default_dataset(progress: bool = True) -> tuple[Path, int]:
    """The demo data at its default scale (what `make build` loads), cached."""
    folder = CACHE_DIR / "default"
    marker = folder / "rows.txt"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        rows = generate_demo(folder, DemoConfig(end=BENCH_END), progress=progress)
        marker.write_text(str(rows["events"]))
    return folder, int(marker.read_text())


def _target(work: Path, engine: str = "duckdb") -> DbtTarget:
    """The runs of one engine keep their target and logs apart under `work`."""
    return DbtTarget(
        warehouse=work / "warehouse.duckdb", target_dir=work / f"target_{engine}", log_dir=work / f"logs_{engine}",
        temp_dir=work / "duckdb_tmp",
    )


def _env(work: Path, **extra: str) -> dict[str, str]:
    return _target(work).env(
        colours=False, ACTIVATION_WAREHOUSE_SPARK_DIR=str(work / "spark"), ACTIVATION_WAREHOUSE_PG_DATABASE=PG_DATABASE,
        **extra,
    )


def _dbt_build(engine: str, work: Path, env: dict[str, str]) -> float:
    command = _target(work, engine).command("build", "--target", engine, "--full-refresh")
    return run_measured(command, env).seconds


def _copy_to_spark(work: Path, env: dict[str, str]) -> float:
    # A process of its own: Spark's embedded metastore admits one process at a time.
    code = (
        "import sys; from pathlib import Path; from activation_warehouse.engines import copy_raw_to_spark;"
        " copy_raw_to_spark(Path(sys.argv[1]), Path(sys.argv[2]), progress=False)"
    )
    return run_measured([sys.executable, "-c", code, str(work / "warehouse.duckdb"), str(work / "spark")], env).seconds


def _mismatches(work: Path, engine: str, settings: PostgresSettings) -> int:
    """How many marts differ from DuckDB's (0 when the engine's build is right)."""
    warehouse = work / "warehouse.duckdb"
    differing = 0
    for schema, table in mart_relations(work / "target_duckdb" / "manifest.json"):
        columns, expected = read_duckdb_table(warehouse, schema, table)
        if engine == "postgres":
            actual = read_postgres_table(schema, table, columns, settings)
        else:
            actual = read_spark_table(schema, table, columns, work / "spark")
        problems = compare_rows(columns, expected, actual)
        if problems:
            differing += 1
            print(f"  {engine} {schema}.{table} differs: {problems[0]}", flush=True)
    return differing


def benchmark_scale(events: int, engines: tuple[str, ...], runs: int, compare: bool) -> dict[str, float]:
    """One scale: load, then per engine the copy of the raw tables and a full build."""
    folder, raw_events = default_dataset() if events == DEFAULT_SCALE else dataset(events)
    work = CACHE_DIR / "engines_work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    env = _env(work)
    base = PostgresSettings.from_environment()
    settings = PostgresSettings(base.host, base.port, base.user, base.password, PG_DATABASE)
    load_folder(folder, work / "warehouse.duckdb", progress=False)
    result: dict[str, float] = {"raw_events": raw_events}
    for engine in engines:
        builds, copies = [], []
        for run in range(runs):
            if engine == "postgres":
                started = time.perf_counter()
                copy_raw_to_postgres(work / "warehouse.duckdb", settings, progress=False)
                copies.append(time.perf_counter() - started)
            elif engine == "spark":
                shutil.rmtree(work / "spark", ignore_errors=True)
                copies.append(_copy_to_spark(work, env))
            builds.append(_dbt_build(engine, work, env))
            print(f"  {raw_events:,} events, {engine} run {run + 1}: build {builds[-1]:.1f} s", flush=True)
        result[f"{engine}_build_s"] = statistics.median(builds)
        if copies:
            result[f"{engine}_copy_s"] = statistics.median(copies)
        if compare and engine != "duckdb":
            result[f"{engine}_differing_marts"] = _mismatches(work, engine, settings)
    shutil.rmtree(work, ignore_errors=True)
    return result


def render(results: list[dict[str, float]], engines: tuple[str, ...], runs: int, compare: bool) -> str:
    """The results as a Markdown table with the machine it ran on."""
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    names = {"duckdb": "DuckDB", "postgres": "PostgreSQL", "spark": "Spark (local[2])"}
    # (heading, cell of a result row), in column order
    columns: list[tuple[str, object]] = [("raw events", lambda row: f"{row['raw_events']:,.0f}")]
    for engine in engines:
        name = names[engine]
        if engine != "duckdb":
            columns.append((f"{name}: copy raw (s)", lambda row, e=engine: f"{row[f'{e}_copy_s']:.1f}"))
        columns.append((f"{name}: dbt build (s)", lambda row, e=engine: f"{row[f'{e}_build_s']:.1f}"))
        if compare and engine != "duckdb":
            columns.append((
                f"{name}: marts differing from DuckDB",
                lambda row, e=engine: f"{row[f'{e}_differing_marts']:.0f} of 20",
            ))
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {memory_gib:.0f} GiB, Python "
        f"{platform.python_version()}; median of {runs} run(s); {datetime.now():%Y-%m-%d}",
        "",
        "| " + " | ".join(heading for heading, _ in columns) + " |",
        "|" + "---:|" * len(columns),
    ]
    for row in results:
        lines.append("| " + " | ".join(cell(row) for _, cell in columns) + " |")  # type: ignore[operator]
    lines += [
        "",
        "A build is `dbt build --full-refresh`: seeds, every model and every data and unit test.",
        "Copy raw: the loaded DuckDB raw tables into the engine (COPY for PostgreSQL, Parquet for Spark).",
    ]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The scales, engines and output file of `bench-engines`."""
    parser.add_argument("--events", type=int, nargs="+", default=[DEFAULT_SCALE, 1_000_000],
                        help="raw events per scale; 0 is the demo's default scale")
    parser.add_argument("--engines", nargs="+", choices=ENGINES, default=list(ENGINES))
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-compare", action="store_true", help="skip the mart-by-mart comparison")
    parser.add_argument("--out", default=str(BENCH_DIR / "engines.md"))


def run(args: argparse.Namespace) -> int:
    """Benchmark every engine at the given scales and print (and save) the table."""
    engines = tuple(dict.fromkeys(["duckdb", *args.engines]))  # DuckDB is the reference
    server = [str(PROJECT_DIR / "scripts" / "postgres-server")]
    server_env = dict(os.environ, ACTIVATION_WAREHOUSE_PG_DATABASE=PG_DATABASE)
    if "postgres" in engines:
        subprocess.run([*server, "start"], env=server_env, check=True)
    results = []
    try:
        for events in args.events:
            print(f"Scale {'default' if events == DEFAULT_SCALE else f'~{events:,} events'}:", flush=True)
            results.append(benchmark_scale(events, engines, args.runs, not args.no_compare))
    finally:
        if "postgres" in engines:
            subprocess.run([*server, "stop"], env=server_env, check=False)
    table = render(results, engines, args.runs, not args.no_compare)
    Path(args.out).write_text(table + "\n")
    print(table)
    return 0
