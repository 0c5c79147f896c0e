"""Command line of the tooling: ``python -m activation_warehouse <command>``.

Thin on purpose: each command is one row of COMMANDS, its options and a handler that calls
one typed function of the package, so tests call the same functions directly. What the
commands share (``--warehouse``, exit codes, the held-warehouse and error answers) is
written once in commands.py. The dev tools (demo data, benchmarks) have a command line of
their own, ``python -m activation_warehouse.dev``, which this one never imports.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from activation_warehouse.commands import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    WAREHOUSE_HELP,
    Command,
    parser_for,
    run_command_line,
)
from activation_warehouse.paths import warehouse_path

PROG = "activation-warehouse"
#: The answer to `generate`, which moved to the dev tools (one line, exit 2).
GENERATE_MOVED = (
    "generate is a development tool now: run `python -m activation_warehouse.dev generate`"
    " (or `activation-warehouse-dev generate`) with the same options"
)


def _load(args: argparse.Namespace) -> int:
    from activation_warehouse.load import load_folder

    report = load_folder(
        Path(args.folder), args.warehouse, schema=args.schema, progress=not args.quiet,
        append=args.append, force=args.force,
    )
    total = sum(report.rows.values())
    verb = "Appended" if report.mode == "append" else "Loaded"
    print(f"{verb} {total:,} rows into {args.warehouse} (schema {args.schema}) in {report.seconds:.1f} s")
    return EXIT_OK


def _load_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", help="folder with one file per raw table (.parquet, .csv or .jsonl)")
    parser.add_argument("--schema", default="raw", help="raw schema (default: raw)")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.add_argument(
        "--append", action="store_true",
        help="add the folder's events to raw.events (its other files replace their snapshot tables) instead of replacing everything",
    )
    parser.add_argument("--force", action="store_true", help="with --append: append an events file already loaded (same SHA-256) again")


def _summary(args: argparse.Namespace) -> int:
    from activation_warehouse.summary import describe_build

    print(describe_build(args.warehouse))
    return EXIT_OK


def _validate(args: argparse.Namespace) -> int:
    from activation_warehouse.settings import recorded_value
    from activation_warehouse.validate import DEFAULT_DOCS_DIR, validate_warehouse

    report = validate_warehouse(
        args.warehouse,
        Path(args.docs_dir) if args.docs_dir else DEFAULT_DOCS_DIR,
        raw_schema=args.raw_schema or recorded_value(args.warehouse, "raw_schema"),
        batch_rows=args.batch_rows,
    )
    print(report.summary())
    return EXIT_OK if report.success else EXIT_FAILED


def _validate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--docs-dir", default=None, help="folder for the Data Docs page index.html (default: target/data_docs)")
    parser.add_argument(
        "--raw-schema", default=None,
        help="raw schema (default: the raw_schema the build used, from marts.activation_settings)",
    )
    parser.add_argument("--batch-rows", type=int, default=500_000, help="rows per batch for big tables (default: 500000)")


def _report(args: argparse.Namespace) -> int:
    from activation_warehouse.report import DEFAULT_REPORT_PATH, write_report

    result = write_report(args.warehouse, Path(args.out) if args.out else DEFAULT_REPORT_PATH)
    as_of = f"{result.as_of:%Y-%m-%d %H:%M} UTC" if result.as_of else "unknown"
    print(f"Activation report ({result.verdict}, as of {as_of}) written in {result.seconds:.1f} s:")
    print(f"  {result.path}")
    return EXIT_OK


def _report_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default=None, help="HTML file to write (default: reports/activation_report.html)")


def _publish(args: argparse.Namespace) -> int:
    from activation_warehouse.publish import DEFAULT_PUBLISH_DIR, publish

    report = publish(args.warehouse, Path(args.out_dir) if args.out_dir else DEFAULT_PUBLISH_DIR, force=args.force)
    print(report.summary())
    return EXIT_OK


def _publish_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out-dir", default=None, help="publish folder (default: published/)")
    parser.add_argument(
        "--force", action="store_true",
        help="publish although the last build's tests failed (recorded in meta.publication)",
    )


def _build(args: argparse.Namespace) -> int:
    from activation_warehouse.dbt_runner import DbtTarget, run_dbt
    from activation_warehouse.unchanged import IF_CHANGED, build_if_changed

    dbt_args = list(args.dbt_args)
    if_changed = IF_CHANGED in dbt_args
    dbt_args = [arg for arg in dbt_args if arg != IF_CHANGED]
    if not dbt_args or dbt_args[0].startswith("-"):
        dbt_args.insert(0, "build")  # `build --full-refresh` means `dbt build --full-refresh`
    target = DbtTarget(warehouse=warehouse_path())
    code = build_if_changed(
        dbt_args, target.warehouse, target.project_dir, target.env(colours=False),
        run=lambda command: run_dbt(*command, target=target).returncode, check=if_changed,
    )
    # dbt exits 1 for failed nodes and 2 for its own errors; 2 here means "this command
    # cannot run" (a held warehouse, EXIT_LOCKED), so every dbt failure is 1.
    return EXIT_OK if code == 0 else EXIT_FAILED


def _build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dbt_args", nargs=argparse.REMAINDER,
        help=(
            "dbt's command and options (default: build); with --if-changed, a plain build or run"
            " does not start dbt when nothing changed since the last successful one so run"
        ),
    )


def _forget_user(args: argparse.Namespace) -> int:
    from activation_warehouse.forget import forget_user

    report = forget_user(args.warehouse, user_id=args.user_id, email=args.email, progress=not args.quiet)
    print(report.summary())
    print(
        "Also remove them from the raw files or source you load from (a new load would bring"
        " them back), then rerun `publish` and `report` if you publish or share them."
    )
    return EXIT_OK


def _forget_user_arguments(parser: argparse.ArgumentParser) -> None:
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--user-id", default=None, help="the person's raw user id")
    who.add_argument("--email", default=None, help="the person's email (looked up in raw.users)")
    parser.add_argument("--quiet", action="store_true", help="no dbt output")


def _generate_moved(args: argparse.Namespace) -> int:
    # Answered without importing activation_warehouse.dev: the runtime never loads the dev tools.
    print(GENERATE_MOVED, file=sys.stderr)
    return EXIT_USAGE


def _generate_moved_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("options", nargs=argparse.REMAINDER, help="not read: the command names its new home")


COMMANDS: tuple[Command, ...] = (
    Command(
        "load", "load a folder of raw files into the warehouse, all or nothing", _load, _load_arguments,
        warehouse=WAREHOUSE_HELP, failures=("activation_warehouse.load:LoadError",),
    ),
    Command(
        "summary", "say where the warehouse is, what it holds and how to query it", _summary,
        warehouse=WAREHOUSE_HELP,
    ),
    Command(
        "validate", "run the Great Expectations suites on the built warehouse; exit 1 on any failure",
        _validate, _validate_arguments, warehouse=WAREHOUSE_HELP,
        failures=("activation_warehouse.validate:ValidationSetupError",),
    ),
    Command(
        "report", "write the activation report: one self-contained HTML file (reads the warehouse read-only)",
        _report, _report_arguments,
        warehouse="DuckDB file (default: $ACTIVATION_WAREHOUSE_PATH or warehouse.duckdb; the published copy works too)",
        failures=("activation_warehouse.report:ReportError",),
    ),
    Command(
        "publish", "copy the marts into a read-only DuckDB file (storage v1.0.0) and Parquet for BI, swapped in atomically",
        _publish, _publish_arguments, warehouse=WAREHOUSE_HELP,
        failures=("activation_warehouse.publish:PublishError",),
        refusals=("activation_warehouse.publish:PublishRefused",),
    ),
    Command(
        "build", "run dbt (default: `dbt build`) on the warehouse with the project's profile and paths", _build,
        _build_arguments, passthrough="dbt_args",
    ),
    Command(
        "forget-user", "delete one person's raw rows (by user id or email) and rebuild every model from raw",
        _forget_user, _forget_user_arguments, warehouse=WAREHOUSE_HELP,
        failures=("activation_warehouse.forget:ForgetError",),
    ),
    Command(
        "generate", "moved to the dev tools: activation-warehouse-dev generate", _generate_moved,
        _generate_moved_arguments, passthrough="options",
    ),
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, separate so tests and docs can inspect it."""
    return parser_for(PROG, COMMANDS)


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    return run_command_line(PROG, COMMANDS, argv)
