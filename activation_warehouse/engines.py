"""Raw tables onto the other engines: PostgreSQL and Spark.

The DuckDB loader stays the one place that reads files and enforces the raw contract
(types, required columns, the atomic swap). Another engine's raw schema is a copy of a
loaded DuckDB raw schema, so every engine starts from exactly the same rows: PostgreSQL
through ``COPY ... FROM STDIN`` (the fastest bulk path psycopg2 has), Spark through Parquet
files that the copy registers as tables in Spark's metastore.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from activation_warehouse.contract import RAW_TABLES, Column

# Contract types (DuckDB names) per engine; the other names are the same on every engine.
_POSTGRES_TYPES = {"varchar": "text", "double": "double precision"}
_SPARK_TYPES = {"varchar": "string"}


@dataclass(frozen=True)
class PostgresSettings:
    """Where the `postgres` target of profiles.yml connects (the same environment vars)."""

    host: str
    port: int
    user: str
    password: str
    database: str

    @classmethod
    def from_environment(cls) -> PostgresSettings:
        """Read the ACTIVATION_WAREHOUSE_PG_* variables, with the profile's defaults."""
        env = os.environ.get
        return cls(
            host=env("ACTIVATION_WAREHOUSE_PG_HOST", "127.0.0.1"),
            port=int(env("ACTIVATION_WAREHOUSE_PG_PORT", "5432")),
            user=env("ACTIVATION_WAREHOUSE_PG_USER", "activation"),
            password=env("ACTIVATION_WAREHOUSE_PG_PASSWORD", "activation"),
            database=env("ACTIVATION_WAREHOUSE_PG_DATABASE", "activation_warehouse"),
        )

    def connect(self):  # type: ignore[no-untyped-def]
        """A psycopg2 connection (imported here: only the PostgreSQL paths need the driver)."""
        import psycopg2

        return psycopg2.connect(
            host=self.host, port=self.port, user=self.user, password=self.password, dbname=self.database
        )


def spark_home() -> Path:
    """The folder for Spark's metastore and warehouse (the profile's ACTIVATION_WAREHOUSE_SPARK_DIR)."""
    return Path(os.environ.get("ACTIVATION_WAREHOUSE_SPARK_DIR", "target/spark")).resolve()


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _column_type(column: Column, types: dict[str, str]) -> str:
    return types.get(column.sql_type, column.sql_type)


def copy_raw_to_postgres(
    warehouse: Path,
    settings: PostgresSettings | None = None,
    schema: str = "raw",
    progress: bool = True,
) -> dict[str, int]:
    """Replace PostgreSQL's raw schema with the raw tables of a loaded DuckDB warehouse.

    One transaction: a reader sees the old raw schema or the new one, never half of it.
    Returns the rows copied per table.
    """
    settings = settings or PostgresSettings.from_environment()
    source = duckdb.connect(str(warehouse), read_only=True)
    target = settings.connect()
    rows: dict[str, int] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="pg_copy_") as scratch, target, target.cursor() as cursor:
            cursor.execute(f"drop schema if exists {_ident(schema)} cascade")
            cursor.execute(f"create schema {_ident(schema)}")
            for table in RAW_TABLES.values():
                started = time.perf_counter()
                columns = ", ".join(
                    f"{_ident(column.name)} {_column_type(column, _POSTGRES_TYPES)}"
                    for column in table.columns
                )
                qualified = f"{_ident(schema)}.{_ident(table.name)}"
                cursor.execute(f"create table {qualified} ({columns})")
                # CSV through a file: DuckDB writes it at full speed, and COPY's CSV keeps
                # nulls (unquoted empty) apart from empty strings (quoted "").
                csv_path = Path(scratch) / f"{table.name}.csv"
                names = ", ".join(_ident(name) for name in table.column_names)
                source.execute(
                    f"copy (select {names} from {_ident(schema)}.{_ident(table.name)}) "
                    f"to '{csv_path}' (format csv, header false, force_quote *)"
                )
                with csv_path.open("r", encoding="utf-8") as handle:
                    cursor.copy_expert(f"copy {qualified} ({names}) from stdin with (format csv)", handle)
                rows[table.name] = cursor.rowcount
                if progress:
                    print(
                        f"postgres: {schema}.{table.name} {rows[table.name]:,} rows "
                        f"in {time.perf_counter() - started:.1f} s",
                        flush=True,
                    )
            cursor.execute("analyze")
    finally:
        source.close()
        target.close()
    return rows


def spark_session(home: Path | None = None):  # type: ignore[no-untyped-def]
    """A local Spark session with the `spark` target's settings (profiles.yml).

    The metastore (Derby) and the table files live under one folder, so the loader and
    dbt, run one after the other, see the same tables.
    """
    from pyspark.sql import SparkSession

    home = home or spark_home()
    home.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_settings(home).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def spark_settings(home: Path) -> dict[str, str]:
    """The Spark settings shared by the loader and the profile (kept equal by a test)."""
    return {
        "spark.master": "local[2]",
        "spark.ui.enabled": "false",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.memory": "4g",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "1",
        "spark.sql.codegen.wholeStage": "false",
        "spark.sql.legacy.timeParserPolicy": "CORRECTED",
        "spark.sql.warehouse.dir": str(home / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={home / 'metastore_db'};create=true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={home}",
    }


def copy_raw_to_spark(
    warehouse: Path,
    home: Path | None = None,
    schema: str = "raw",
    progress: bool = True,
) -> dict[str, int]:
    """Replace Spark's raw database with the raw tables of a loaded DuckDB warehouse.

    DuckDB writes each table as Parquet; Spark reads it with the contract's types and
    saves it as a managed table, so the metastore owns the files and a later copy can
    drop them.
    """
    home = home or spark_home()
    source = duckdb.connect(str(warehouse), read_only=True)
    parquet_dir = home / "raw_parquet"
    shutil.rmtree(parquet_dir, ignore_errors=True)
    parquet_dir.mkdir(parents=True)
    try:
        for table in RAW_TABLES.values():
            names = ", ".join(_ident(name) for name in table.column_names)
            source.execute(
                f"copy (select {names} from {_ident(schema)}.{_ident(table.name)}) "
                f"to '{parquet_dir / table.name}.parquet' (format parquet)"
            )
    finally:
        source.close()

    spark = spark_session(home)
    rows: dict[str, int] = {}
    spark.sql(f"create database if not exists {schema}")
    for table in RAW_TABLES.values():
        started = time.perf_counter()
        frame = spark.read.parquet(str(parquet_dir / f"{table.name}.parquet"))
        typed = frame.selectExpr(
            *(
                f"cast(`{column.name}` as {_column_type(column, _SPARK_TYPES)}) as `{column.name}`"
                for column in table.columns
            )
        )
        spark.sql(f"drop table if exists {schema}.{table.name}")
        typed.write.format("parquet").saveAsTable(f"{schema}.{table.name}")
        rows[table.name] = spark.table(f"{schema}.{table.name}").count()
        if progress:
            print(
                f"spark: {schema}.{table.name} {rows[table.name]:,} rows in {time.perf_counter() - started:.1f} s",
                flush=True,
            )
    shutil.rmtree(parquet_dir, ignore_errors=True)
    return rows


# --- Reading the marts back, to compare engines --------------------------------------

Rows = list[tuple]


def mart_relations(manifest_path: Path) -> list[tuple[str, str]]:
    """(schema, table) of every mart model a build wrote, from its manifest.

    The marts are what BI tools and analysts read, so they are what must agree across
    engines; views and ephemeral models hold nothing of their own.
    """
    import json

    manifest = json.loads(manifest_path.read_text())
    relations = [
        (node["schema"], node["alias"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["schema"] == "marts"
        and node["config"]["materialized"] in ("table", "incremental")
    ]
    return sorted(relations)


def read_duckdb_table(warehouse: Path, schema: str, table: str) -> tuple[list[str], Rows]:
    """Column names and rows of one table of a DuckDB warehouse."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        cursor = connection.execute(f"select * from {_ident(schema)}.{_ident(table)}")
        columns = [description[0] for description in cursor.description]
        return columns, cursor.fetchall()


def read_postgres_table(
    schema: str, table: str, columns: list[str], settings: PostgresSettings | None = None
) -> Rows:
    """The named columns of one PostgreSQL table, in that order."""
    connection = (settings or PostgresSettings.from_environment()).connect()
    try:
        with connection.cursor() as cursor:
            names = ", ".join(_ident(column) for column in columns)
            cursor.execute(f"select {names} from {_ident(schema)}.{_ident(table)}")
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
    names = ", ".join(_ident(column) for column in columns)
    with duckdb.connect() as connection:
        connection.execute("set TimeZone = 'UTC'")
        return connection.execute(f"select {names} from read_parquet(?)", [files]).fetchall()


def _normalise(value: object) -> object:
    """One representation per value across drivers: Decimal as float, instants naive UTC."""
    from datetime import datetime, timezone
    from decimal import Decimal

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
    left = sorted((tuple(_normalise(row[index]) for index in kept) for row in expected), key=_sort_key)
    right = sorted((tuple(_normalise(row[index]) for index in kept) for row in actual), key=_sort_key)
    problems: list[str] = []
    if len(left) != len(right):
        problems.append(f"{len(left)} rows on DuckDB, {len(right)} here")
        return problems
    for number, (want, got) in enumerate(zip(left, right)):
        for column, a, b in zip(columns, want, got):
            if not _same_value(a, b, tolerance):
                problems.append(f"row {number}: {column} is {b!r}, DuckDB has {a!r}")
                if len(problems) >= limit:
                    return problems
    return problems
