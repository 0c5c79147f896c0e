"""The ``generate`` command of the dev command line: write demo raw data."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from activation_warehouse.commands import EXIT_OK
from activation_warehouse.dev.generate.config import DemoConfig, accounts_for_events
from activation_warehouse.dev.generate.run import generate_demo
from activation_warehouse.dev.generate.shapes import SHAPES


def parse_end(text: str) -> datetime:
    """Parse --end as a naive UTC datetime (a date means 00:00 UTC)."""
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    offset = parsed.utcoffset()
    return (parsed - offset).replace(tzinfo=None) if offset is not None else parsed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The generator's knobs as options (defaults: DemoConfig's)."""
    parser.add_argument("--out", default="data/demo", help="output folder (default: data/demo)")
    parser.add_argument("--accounts", type=int, default=400, help="number of accounts (default: 400)")
    parser.add_argument("--events", type=int, default=None, help="aim for about this many raw events (overrides --accounts)")
    parser.add_argument("--users-per-account", type=float, default=5.0, help="mean users per account (default: 5)")
    parser.add_argument("--days", type=int, default=120, help="days of signups before --end (default: 120)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (default: 42)")
    parser.add_argument("--shape", choices=sorted(SHAPES), default="demo",
                        help="journey length: demo (~136 events/user) or short (~8) (default: demo)")
    parser.add_argument("--end", default=None, help="end time, ISO-8601 (default: now, UTC)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Write the demo data and say how many rows each table got."""
    accounts = args.accounts
    if args.events is not None:
        accounts = accounts_for_events(args.events, args.users_per_account, args.days, args.shape)
    config = DemoConfig(
        accounts=accounts,
        users_per_account=args.users_per_account,
        days=args.days,
        seed=args.seed,
        end=parse_end(args.end) if args.end else None,
        shape=args.shape,
    )
    rows = generate_demo(Path(args.out), config, progress=not args.quiet)
    summary = ", ".join(f"{table} {count:,}" for table, count in rows.items())
    print(f"Demo data written to {args.out}: {summary}")
    return EXIT_OK
