"""The run: one batch of accounts at a time, each from its own generator, appended to Parquet."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from activation_warehouse.contract import RAW_TABLES, tracking_plan
from activation_warehouse.dev.generate.config import DemoConfig, _check_config, _end_us
from activation_warehouse.dev.generate.dirt import OUT_OF_PLAN_EVENTS, _dirty_rows
from activation_warehouse.dev.generate.journeys import EXPLORE_EVENTS, RETURN_EVENTS, USAGE_EVENTS, VALUE_EVENTS, _journeys
from activation_warehouse.dev.generate.population import _make_accounts, _make_users
from activation_warehouse.dev.generate.shapes import journey_shape
from activation_warehouse.dev.generate.writers import _tables, arrow_schema


#: Accounts per batch. Part of the output's identity (each batch is seeded by its index), so
#: changing it changes the data for a given seed; it bounds memory (~250 accounts ≈ 150k–250k
#: events per batch at the default users per account and days).
BATCH_ACCOUNTS = 250


def _check_event_names() -> None:
    """Fail fast if the tracking-plan seed and this generator disagree about event names."""
    plan = tracking_plan()
    used = {"signed_up", "data_source_connected", "sync_started", "sync_completed", "sync_failed",
            "security_review_completed", *VALUE_EVENTS, *USAGE_EVENTS, *RETURN_EVENTS, *EXPLORE_EVENTS}
    missing = sorted(used - set(plan))
    if missing:
        raise RuntimeError(f"generator emits events missing from seeds/tracking_plan.csv: {missing}")
    if set(OUT_OF_PLAN_EVENTS) & set(plan):
        raise RuntimeError("OUT_OF_PLAN_EVENTS must stay outside the tracking plan")


def _generate_batch(
    config: DemoConfig, batch: int, first_user_no: int, end_us: int
) -> dict[str, pa.Table]:
    """All five tables for one batch of accounts, from its own (seed, batch) generator."""
    rng = np.random.default_rng([config.seed, batch])
    first = batch * BATCH_ACCOUNTS
    n = min(BATCH_ACCOUNTS, config.accounts - first)
    accounts = _make_accounts(rng, first, n, end_us, config.days)
    users = _make_users(rng, accounts, config.users_per_account, first_user_no, end_us)
    journeys = _journeys(rng, accounts, users, end_us, journey_shape(config.shape))
    rows = _dirty_rows(rng, journeys.events, users, accounts, end_us)
    return _tables(accounts, users, journeys, rows, rng)


def generate_demo(out_dir: Path, config: DemoConfig, progress: bool = True) -> dict[str, int]:
    """Write one Parquet file per raw table (events.parquet, accounts.parquet, users.parquet,
    data_source_connections.parquet, flag_exposures.parquet) into out_dir; return rows per table."""
    _check_config(config)
    _check_event_names()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    end_us = _end_us(config.end)
    batches = -(-config.accounts // BATCH_ACCOUNTS)
    counts = dict.fromkeys(RAW_TABLES, 0)
    writers = {name: pq.ParquetWriter(out_dir / f"{name}.parquet", arrow_schema(name), compression="zstd")
               for name in RAW_TABLES}
    users_so_far = 0
    try:
        for batch in tqdm(range(batches), desc="demo data", unit="batch", file=sys.stderr,
                          disable=not progress):
            tables = _generate_batch(config, batch, users_so_far, end_us)
            users_so_far += tables["users"].num_rows
            for name, table in tables.items():
                writers[name].write_table(table)
                counts[name] += table.num_rows
    finally:
        for writer in writers.values():
            writer.close()
    return counts
