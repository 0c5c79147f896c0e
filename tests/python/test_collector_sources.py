"""Events from a collector (Segment, RudderStack) instead of raw.events: the setting
event_collector (docs/pipelines.md, "Plugging in your pipeline").

The fixture tests/python/data/segment is shaped like Segment's documented warehouse schema:
`tracks` (one row per track call, standard columns), one table per tracked event (the same
standard columns plus one column per property), `identifies` (traits as columns), and the
application tables of the raw contract. Sixteen track calls, one of them retried:

    u1 (acc_a)  anonymous page view (a1) before signup, signed up, connected, a dashboard
                (activated), an insight 19 days later (the latest event: the as-of time)
    u2 (acc_a)  signed up, connected (the call retried 90 s later), an empty state: not activated
    u3 (acc_b)  signed up, a page view: never connected
    u4 (acc_b)  signed up, connected, invited a teammate 10 minutes later: activated
    u5 (acc_a)  internal staff: signed up and connected, kept out of every metric

Every number below is read off that story by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.contract import RAW_TABLES
from conftest import FIXTURES_DIR, ScratchWarehouse

SEGMENT_DIR = FIXTURES_DIR / "segment"
APP_TABLES = ("accounts", "users", "data_source_connections", "flag_exposures")
COLLECTOR_TABLES = tuple(
    sorted(path.stem for path in SEGMENT_DIR.glob("*.csv") if path.stem not in APP_TABLES)
)


def load_collector_fixture(
    warehouse: Path, collector_schema: str = "segment", extra_standard_column: str | None = None
) -> None:
    """The application tables into raw (the contract's types; exposures empty) and the
    collector's tables into `collector_schema` as the collector types them (times as
    timestamps, property columns as their values read). `extra_standard_column` adds a
    column every collector table has (RudderStack's `channel`), to prove it is not taken
    for a property."""
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema if not exists raw")
        for table in APP_TABLES:
            columns = ", ".join(f"{column.name} {column.sql_type}" for column in RAW_TABLES[table].columns)
            connection.execute(f"create table raw.{table} ({columns})")
            path = SEGMENT_DIR / f"{table}.csv"
            if path.exists():
                connection.execute(f"insert into raw.{table} select * from read_csv(?, header = true, all_varchar = true)", [str(path)])
        connection.execute(f"create schema {collector_schema}")
        for table in COLLECTOR_TABLES:
            connection.execute(
                f"create table {collector_schema}.{table} as select * from read_csv(?, header = true)",
                [str(SEGMENT_DIR / f"{table}.csv")],
            )
            if extra_standard_column:
                connection.execute(
                    f"alter table {collector_schema}.{table} add column {extra_standard_column} varchar default 'web'"
                )


def build(warehouse: ScratchWarehouse, **variables: str):
    return warehouse.dbt("build", "--vars", json.dumps(variables), check=False)
