"""The marts of two engines, read back and compared row for row.

A development tool: the engine tests (tests/python/test_engines_postgres.py and test_engines_spark.py, the conftest's scratch
builds) and `make bench-engines` check that PostgreSQL and Spark build the marts DuckDB
builds. Copying the raw tables onto an engine is runtime tooling and stays in
activation_warehouse.engines.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import duckdb

from activation_warehouse.engines import PostgresSettings, quote_identifier, spark_home

Rows = list[tuple]


def mart_relations(manifest_path: Path) -> list[tuple[str, str]]:
    """(schema, table) of every mart model a build wrote, from its manifest.

    The marts are what BI tools and analysts read, so they are what must agree across
    engines, views included: on DuckDB a projection mart (a deprecated version,
    fct_sessions, fct_user_milestones) is a view (macros/materializations/projection.sql)
    where the other engines write a table, and BI reads it either way. Ephemeral models are no relation at all.
    """
    import json

    manifest = json.loads(manifest_path.read_text())
    relations = [
        (node["schema"], node["alias"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["schema"] == "marts"
        and node["config"]["materialized"] != "ephemeral"
    ]
    return sorted(relations)


def read_duckdb_table(warehouse: Path, schema: str, table: str) -> tuple[list[str], Rows]:
    """Column names and rows of one table of a DuckDB warehouse."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        cursor = connection.execute(f"select * from {quote_identifier(schema)}.{quote_identifier(table)}")
        columns = [description[0] for description in cursor.description]
        return columns, cursor.fetchall()


def read_postgres_table(
    schema: str, table: str, columns: list[str], settings: PostgresSettings | None = None
) -> Rows:
    """The named columns of one PostgreSQL table, in that order."""
    connection = (settings or PostgresSettings.from_environment()).connect()
    try:
        with connection.cursor() as cursor:
            names = ", ".join(quote_identifier(column) for column in columns)
            cursor.execute(f"select {names} from {quote_identifier(schema)}.{quote_identifier(table)}")
            return list(cursor.fetchall())
    finally:
        connection.close()


def read_spark_table(schema: str, table: str, columns: list[str], home: Path | None = None) -> Rows:
    """The named columns of one Spark managed table, read from its Parquet files.

    Read by DuckDB, not by a Spark session: an embedded Derby metastore admits one process
    at a time, and a reader's session would lock the next `dbt` run out.
    """
    folder = (home or spark_home()) / "warehouse" / f"{schema}.db" / table
    files = sorted(str(path) for path in folder.glob("*.parquet"))
    if not files:
        return []
    names = ", ".join(quote_identifier(column) for column in columns)
    with duckdb.connect() as connection:
        connection.execute("set TimeZone = 'UTC'")
        return connection.execute(f"select {names} from read_parquet(?)", [files]).fetchall()


def _normalise(value: object) -> object:
    """One representation per value across drivers: Decimal as float, instants naive UTC."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(timezone.utc).replace(tzinfo=None)
    return value


def _sort_key(row: tuple) -> tuple:
    # Nulls first; floats rounded for ordering only, so rows equal to within the tolerance
    # meet in the same order on both sides.
    key = []
    for value in row:
        if value is None:
            key.append((0, ""))
        elif isinstance(value, bool):
            key.append((1, str(value)))
        elif isinstance(value, (int, float)):
            key.append((2, round(float(value), 6)))
        else:
            key.append((3, str(value)))
    return tuple(key)


def _same_value(expected: object, actual: object, tolerance: float) -> bool:
    import math

    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected == actual
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)):
        return math.isclose(float(expected), float(actual), rel_tol=tolerance, abs_tol=tolerance)
    return expected == actual


#: Columns stamped with the time of the build that wrote them (dq_incidents): two builds of
#: the same data differ there by construction, so comparisons of builds leave them out.
BUILD_TIME_COLUMNS = frozenset({"first_seen_at", "last_seen_at"})


def compare_rows(
    columns: list[str], expected: Rows, actual: Rows, tolerance: float = 1e-9, limit: int = 5
) -> list[str]:
    """Differences between two tables' rows as sets (order-free), numbers to a tolerance.

    Build-time columns (BUILD_TIME_COLUMNS) are not compared. Returns at most `limit`
    readable lines; an empty list means the tables are equal.
    """
    kept = [index for index, column in enumerate(columns) if column not in BUILD_TIME_COLUMNS]
    columns = [columns[index] for index in kept]
    left_rows = [tuple(_normalise(row[index]) for index in kept) for row in expected]
    right_rows = [tuple(_normalise(row[index]) for index in kept) for row in actual]
    problems: list[str] = []
    if len(left_rows) != len(right_rows):
        problems.append(f"{len(left_rows)} rows on DuckDB, {len(right_rows)} here")
        return problems
    # Rows equal to the bit pair off first (most of a large table, in a fraction of the
    # time a sort takes); only the rest are sorted and matched to the tolerance. Pairing
    # an exact match can only pass rows that are equal, so no difference is hidden.
    unmatched = Counter(left_rows)
    unmatched.subtract(Counter(right_rows))
    left = sorted(unmatched.elements(), key=_sort_key)
    right = sorted((-unmatched).elements(), key=_sort_key)
    for number, (want, got) in enumerate(zip(left, right)):
        for column, a, b in zip(columns, want, got):
            if not _same_value(a, b, tolerance):
                problems.append(f"row {number}: {column} is {b!r}, DuckDB has {a!r}")
                if len(problems) >= limit:
                    return problems
    return problems
