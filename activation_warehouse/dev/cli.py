"""Command line of the dev tools: ``python -m activation_warehouse.dev <command>``.

The same shape as the runtime command line (commands.py): one row per command, its options
and its function. Each tool's module holds its options (``add_arguments``) and its work
(``run``), so the rows below are all this file holds.
"""

from __future__ import annotations

import argparse

from activation_warehouse.commands import Command, parser_for, run_command_line
from activation_warehouse.dev import benchmark, engine_benchmark
from activation_warehouse.dev.generate import cli as generate

PROG = "activation-warehouse-dev"

COMMANDS: tuple[Command, ...] = (
    Command("generate", "write demo raw data, one Parquet file per raw table", generate.run, generate.add_arguments),
    Command(
        "bench", "time dbt builds at a few scales (cached demo data); table in bench/results.md",
        benchmark.run, benchmark.add_arguments,
    ),
    Command(
        "bench-engines",
        "a full build on DuckDB, PostgreSQL and Spark, marts compared with DuckDB's; table in bench/engines.md",
        engine_benchmark.run, engine_benchmark.add_arguments,
    ),
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, separate so tests and docs can inspect it."""
    return parser_for(PROG, COMMANDS)


def main(argv: list[str] | None = None) -> int:
    """Run one dev command; returns the process exit code."""
    return run_command_line(PROG, COMMANDS, argv)
