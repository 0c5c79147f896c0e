"""Command line of the tooling: ``python -m activation_warehouse <command>``.

Thin on purpose: each command parses its arguments and calls one typed function of the
package, so tests call the same functions directly.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

from activation_warehouse.paths import warehouse_path


def _parse_end(text: str) -> datetime:
    """Parse --end as a naive UTC datetime (a date means 00:00 UTC)."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    offset = parsed.utcoffset()
    return (parsed - offset).replace(tzinfo=None) if offset is not None else parsed


def _generate(args: argparse.Namespace) -> int:
    from activation_warehouse.generate import DemoConfig, accounts_for_events, generate_demo

    accounts = args.accounts
    if args.events is not None:
        accounts = accounts_for_events(args.events, args.users_per_account, args.days)
    config = DemoConfig(
        accounts=accounts,
        users_per_account=args.users_per_account,
        days=args.days,
        seed=args.seed,
        end=_parse_end(args.end) if args.end else None,
    )
    rows = generate_demo(Path(args.out), config, progress=not args.quiet)
    summary = ", ".join(f"{table} {count:,}" for table, count in rows.items())
    print(f"Demo data written to {args.out}: {summary}")
    return 0


def _load(args: argparse.Namespace) -> int:
    from activation_warehouse.load import LoadError, load_folder

    target = Path(args.warehouse) if args.warehouse else warehouse_path()
    try:
        report = load_folder(
            Path(args.folder), target, schema=args.schema, progress=not args.quiet,
            append=args.append, force=args.force,
        )
    except LoadError as error:
        print(f"load failed: {error}", file=sys.stderr)
        return 1
    total = sum(report.rows.values())
    verb = "Appended" if report.mode == "append" else "Loaded"
    print(f"{verb} {total:,} rows into {target} (schema {args.schema}) in {report.seconds:.1f} s")
    return 0


def _summary(args: argparse.Namespace) -> int:
    from activation_warehouse.summary import describe_build

    print(describe_build(Path(args.warehouse) if args.warehouse else warehouse_path()))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from activation_warehouse.settings import recorded_value
    from activation_warehouse.validate import DEFAULT_DOCS_DIR, ValidationSetupError, validate_warehouse

    target = Path(args.warehouse) if args.warehouse else warehouse_path()
    try:
        report = validate_warehouse(
            target,
            Path(args.docs_dir) if args.docs_dir else DEFAULT_DOCS_DIR,
            raw_schema=args.raw_schema or recorded_value(target, "raw_schema"),
            batch_rows=args.batch_rows,
        )
    except ValidationSetupError as error:
        print(f"validate failed: {error}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0 if report.success else 1


def _report(args: argparse.Namespace) -> int:
    from activation_warehouse.report import DEFAULT_REPORT_PATH, ReportError, write_report

    target = Path(args.warehouse) if args.warehouse else warehouse_path()
    try:
        result = write_report(target, Path(args.out) if args.out else DEFAULT_REPORT_PATH)
    except ReportError as error:
        print(f"report failed: {error}", file=sys.stderr)
        return 1
    as_of = f"{result.as_of:%Y-%m-%d %H:%M} UTC" if result.as_of else "unknown"
    print(f"Activation report ({result.verdict}, as of {as_of}) written in {result.seconds:.1f} s:")
    print(f"  {result.path}")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from activation_warehouse.publish import DEFAULT_PUBLISH_DIR, PublishError, PublishRefused, publish

    target = Path(args.warehouse) if args.warehouse else warehouse_path()
    try:
        report = publish(target, Path(args.out_dir) if args.out_dir else DEFAULT_PUBLISH_DIR, force=args.force)
    except PublishRefused as refused:
        print(refused, file=sys.stderr)
        return 1
    except PublishError as error:
        print(f"publish failed: {error}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


def _build(args: argparse.Namespace) -> int:
    from activation_warehouse.dbt_runner import DbtTarget, run_dbt

    dbt_args = list(args.dbt_args)
    if not dbt_args or dbt_args[0].startswith("-"):
        dbt_args.insert(0, "build")  # `build --full-refresh` means `dbt build --full-refresh`
    code = run_dbt(*dbt_args, target=DbtTarget(warehouse=warehouse_path())).returncode
    # dbt exits 1 for failed nodes and 2 for its own errors; 2 here means only "the
    # warehouse is held" (EXIT_LOCKED), so every dbt failure is 1.
    return 0 if code == 0 else 1


def _forget_user(args: argparse.Namespace) -> int:
    from activation_warehouse.forget import ForgetError, forget_user

    target = Path(args.warehouse) if args.warehouse else warehouse_path()
    try:
        report = forget_user(target, user_id=args.user_id, email=args.email, progress=not args.quiet)
    except ForgetError as error:
        print(f"forget-user failed: {error}", file=sys.stderr)
        return 1
    print(report.summary())
    print(
        "Also remove them from the raw files or source you load from (a new load would bring"
        " them back), then rerun `publish` and `report` if you publish or share them."
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, separate so tests and docs can inspect it."""
    parser = argparse.ArgumentParser(prog="activation-warehouse")
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write demo raw data, one Parquet file per raw table")
    generate.add_argument("--out", default="data/demo", help="output folder (default: data/demo)")
    generate.add_argument("--accounts", type=int, default=400, help="number of accounts (default: 400)")
    generate.add_argument("--events", type=int, default=None, help="aim for about this many raw events (overrides --accounts)")
    generate.add_argument("--users-per-account", type=float, default=5.0, help="mean users per account (default: 5)")
    generate.add_argument("--days", type=int, default=120, help="days of signups before --end (default: 120)")
    generate.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    generate.add_argument("--end", default=None, help="end time, ISO-8601 (default: now, UTC)")
    generate.add_argument("--quiet", action="store_true", help="no progress bar")
    generate.set_defaults(handler=_generate)

    load = commands.add_parser("load", help="load a folder of raw files into the warehouse, all or nothing")
    load.add_argument("folder", help="folder with one file per raw table (.parquet, .csv or .jsonl)")
    load.add_argument("--warehouse", default=None, help="DuckDB file (default: $ACTIVATION_WAREHOUSE_PATH or warehouse.duckdb)")
    load.add_argument("--schema", default="raw", help="raw schema (default: raw)")
    load.add_argument("--quiet", action="store_true", help="no progress output")
    load.add_argument(
        "--append", action="store_true",
        help="add the folder's events to raw.events (its other files replace their snapshot tables) instead of replacing everything",
    )
    load.add_argument("--force", action="store_true", help="with --append: append an events file already loaded (same SHA-256) again")
    load.set_defaults(handler=_load)

    summary = commands.add_parser("summary", help="say where the warehouse is, what it holds and how to query it")
    summary.add_argument("--warehouse", default=None, help="DuckDB file (default: $ACTIVATION_WAREHOUSE_PATH or warehouse.duckdb)")
    summary.set_defaults(handler=_summary)

    validate = commands.add_parser(
        "validate", help="run the Great Expectations suites on the built warehouse; exit 1 on any failure"
    )
    validate.add_argument("--warehouse", default=None, help="DuckDB file (default: $ACTIVATION_WAREHOUSE_PATH or warehouse.duckdb)")
    validate.add_argument("--docs-dir", default=None, help="folder for the Data Docs page index.html (default: target/data_docs)")
    validate.add_argument(
        "--raw-schema", default=None,
        help="raw schema (default: the raw_schema the build used, from marts.activation_settings)",
    )
    validate.add_argument("--batch-rows", type=int, default=500_000, help="rows per batch for big tables (default: 500000)")
    validate.set_defaults(handler=_validate)

    report = commands.add_parser(
        "report", help="write the activation report: one self-contained HTML file (reads the warehouse read-only)"
    )
    report.add_argument("--warehouse", default=None, help="DuckDB file (default: $ACTIVATION_WAREHOUSE_PATH or warehouse.duckdb; the published copy works too)")
    report.add_argument("--out", default=None, help="HTML file to write (default: reports/activation_report.html)")
    report.set_defaults(handler=_report)

    publish = commands.add_parser(
        "publish", help="copy the marts into a read-only DuckDB file (storage v1.0.0) and Parquet for BI, swapped in atomically"
    )
    publish.add_argument("--warehouse", default=None, help="DuckDB file (default: $ACTIVATION_WAREHOUSE_PATH or warehouse.duckdb)")
    publish.add_argument("--out-dir", default=None, help="publish folder (default: published/)")
    publish.add_argument(
        "--force", action="store_true",
        help="publish although the last build's tests failed (recorded in meta.publication)",
    )
    publish.set_defaults(handler=_publish)

    build = commands.add_parser(
        "build", help="run dbt (default: `dbt build`) on the warehouse with the project's profile and paths",
    )
    build.add_argument("dbt_args", nargs=argparse.REMAINDER, help="dbt's command and options (default: build)")
    build.set_defaults(handler=_build)

    forget = commands.add_parser(
        "forget-user", help="delete one person's raw rows (by user id or email) and rebuild every model from raw"
    )
    who = forget.add_mutually_exclusive_group(required=True)
    who.add_argument("--user-id", default=None, help="the person's raw user id")
    who.add_argument("--email", default=None, help="the person's email (looked up in raw.users)")
    forget.add_argument("--warehouse", default=None, help="DuckDB file (default: $ACTIVATION_WAREHOUSE_PATH or warehouse.duckdb)")
    forget.add_argument("--quiet", action="store_true", help="no dbt output")
    forget.set_defaults(handler=_forget_user)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the process exit code."""
    from activation_warehouse.warehouse_lock import EXIT_LOCKED, WarehouseLocked

    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    if argv[:1] == ["build"]:
        # Everything after `build` is dbt's, options included (argparse would claim them).
        args = argparse.Namespace(handler=_build, dbt_args=argv[1:])
    else:
        args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except WarehouseLocked as locked:
        print(locked, file=sys.stderr)
        return EXIT_LOCKED
