"""The ledger of loaded files: ``<raw schema>.load_ledger``, one row per file a load wrote.

It answers "was this file loaded already?" (by content hash, so a renamed copy is caught
too) and "what do the raw tables hold?". A replace load empties it first, since the raw
tables then hold that load's files and nothing else. It is not a table of the raw data
contract: dbt's contract check reads only the sources of models/staging/tracker and
models/staging/app, and no model reads the ledger.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import NamedTuple

import duckdb

from activation_warehouse.load.common import ident

#: The ledger's table name inside the raw schema.
LEDGER_TABLE = "load_ledger"

LEDGER_COLUMNS = (
    ("file_name", "varchar"),  # the file's name inside the folder loaded
    ("table_name", "varchar"),  # the raw table it filled
    ("sha256", "varchar"),  # SHA-256 of the file's bytes, hex
    ("row_count", "bigint"),  # rows the file held
    ("loaded_at", "timestamp"),  # when the load committed, UTC
    ("mode", "varchar"),  # 'replace' or 'append'
)


class LedgerEntry(NamedTuple):
    """One file a load wrote."""

    file_name: str
    table_name: str
    sha256: str
    row_count: int


def earlier_loads(
    connection: duckdb.DuckDBPyConnection, schema: str, hashes: list[str]
) -> dict[str, tuple[str, datetime, str]]:
    """For each of `hashes` already in the ledger: the file name, when and how it was loaded."""
    exists = connection.execute(
        "select count(*) from information_schema.tables"
        " where table_catalog = current_database() and table_schema = ? and table_name = ?",
        [schema, LEDGER_TABLE],
    ).fetchone()
    if not hashes or not exists or not exists[0]:
        return {}
    rows = connection.execute(
        f"select sha256, file_name, loaded_at, mode from {ledger(schema)}"
        " where sha256 in (select unnest(?)) order by loaded_at",
        [hashes],
    ).fetchall()
    return {sha: (name, loaded_at, mode) for sha, name, loaded_at, mode in rows}


def record(
    connection: duckdb.DuckDBPyConnection, schema: str, entries: list[LedgerEntry], mode: str
) -> datetime:
    """Write this load's files into the ledger, inside the caller's transaction."""
    columns = ", ".join(f"{ident(name)} {sql_type}" for name, sql_type in LEDGER_COLUMNS)
    connection.execute(f"create table if not exists {ledger(schema)} ({columns})")
    if mode == "replace":
        connection.execute(f"delete from {ledger(schema)}")
    loaded_at = datetime.now(timezone.utc).replace(tzinfo=None)
    if entries:
        connection.executemany(
            f"insert into {ledger(schema)} values (?, ?, ?, ?, ?, ?)",
            [(*entry, loaded_at, mode) for entry in entries],
        )
    return loaded_at


def ledger(schema: str) -> str:
    """The ledger's qualified name."""
    return f"{ident(schema)}.{ident(LEDGER_TABLE)}"
