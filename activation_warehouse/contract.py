"""The raw data contract (docs/loading-data.md; the sources of models/staging/tracker and
models/staging/app declare the same) as data.

One home for the raw tables' names, columns and types, so the demo-data generator, the
loader and the tests cannot drift apart. Types are DuckDB SQL type names; the loader reads
every file column as text and casts it to these.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Column:
    """One raw column: its name, its DuckDB type and whether the contract allows nulls."""

    name: str
    sql_type: str
    nullable: bool = True


@dataclass(frozen=True)
class RawTable:
    """One raw table of the contract, with its columns in contract order."""

    name: str
    columns: tuple[Column, ...]
    #: A required table must hold rows for the build to mean anything. An optional one may
    #: be empty or absent: a product with no feature flags yet has no exposures, and one
    #: that has just launched may have no data-source connections.
    required: bool = True

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]


RAW_TABLES: dict[str, RawTable] = {
    table.name: table
    for table in (
        RawTable(
            "events",
            (
                Column("event_id", "varchar"),
                Column("event_name", "varchar"),
                Column("user_id", "varchar"),
                Column("anonymous_id", "varchar"),
                Column("account_id", "varchar"),
                Column("occurred_at", "varchar"),
                # The collector sets it: the contract promises it is always present and valid.
                Column("received_at", "timestamp", nullable=False),
                Column("properties", "varchar"),
            ),
        ),
        RawTable(
            "accounts",
            (
                Column("account_id", "varchar", nullable=False),
                Column("account_name", "varchar"),
                Column("employee_count", "integer"),
                Column("industry", "varchar"),
                Column("signup_channel", "varchar"),
                Column("created_at", "timestamp"),
                Column("is_test", "boolean"),
            ),
        ),
        RawTable(
            "users",
            (
                Column("user_id", "varchar", nullable=False),
                Column("account_id", "varchar"),
                Column("email", "varchar"),
                Column("role", "varchar"),
                Column("created_at", "timestamp"),
                Column("is_internal", "boolean"),
            ),
        ),
        RawTable(
            "data_source_connections",
            (
                Column("connection_id", "varchar", nullable=False),
                Column("account_id", "varchar"),
                Column("created_by_user_id", "varchar"),
                Column("source_type", "varchar"),
                Column("vendor", "varchar"),
                Column("connected_at", "timestamp"),
                Column("status", "varchar"),
            ),
            required=False,
        ),
        RawTable(
            "flag_exposures",
            (
                Column("exposure_id", "varchar", nullable=False),
                Column("user_id", "varchar"),
                Column("flag_key", "varchar"),
                Column("variant", "varchar"),
                Column("exposed_at", "timestamp"),
            ),
            required=False,
        ),
    )
}

#: File endings the loader accepts, in the order it looks for them.
FILE_FORMATS: tuple[str, ...] = (".parquet", ".csv", ".jsonl")

#: Where the project's seeds live; the tracking plan seed is the one home of event names.
SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"


def tracking_plan(seeds_dir: Path = SEEDS_DIR) -> dict[str, bool]:
    """Event names of the tracking plan seed, each with whether it is a user action.

    Read from the dbt seed rather than repeated here, so the generator and the models can
    never disagree about which events exist.
    """
    with open(seeds_dir / "tracking_plan.csv", newline="", encoding="utf-8") as handle:
        return {
            row["event_name"]: row["is_user_action"].strip().lower() == "true"
            for row in csv.DictReader(handle)
        }
