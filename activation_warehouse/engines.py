"""Raw tables onto the other engines: PostgreSQL and Spark.

Runtime tooling: docs/engines.md has a team running on PostgreSQL or Spark load with it.
Reading the marts back and comparing engines is a development tool
(activation_warehouse.dev.engine_compare).

The DuckDB loader stays the one place that reads files and enforces the raw contract
(types, required columns, the atomic swap). Another engine's raw schema is a copy of a
loaded DuckDB raw schema, so every engine starts from exactly the same rows: PostgreSQL
through ``COPY ... FROM STDIN`` (the fastest bulk path psycopg2 has), Spark through Parquet
files that the copy registers as tables in Spark's metastore.
"""

from __future__ import annotations

import os
import shutil
import subprocess
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


def quote_identifier(name: str) -> str:
    """A name as a double-quoted SQL identifier, so any table or column name reads as itself."""
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
            cursor.execute(f"drop schema if exists {quote_identifier(schema)} cascade")
            cursor.execute(f"create schema {quote_identifier(schema)}")
            for table in RAW_TABLES.values():
                started = time.perf_counter()
                columns = ", ".join(
                    f"{quote_identifier(column.name)} {_column_type(column, _POSTGRES_TYPES)}"
                    for column in table.columns
                )
                qualified = f"{quote_identifier(schema)}.{quote_identifier(table.name)}"
                cursor.execute(f"create table {qualified} ({columns})")
                # CSV through a file: DuckDB writes it at full speed, and COPY's CSV keeps
                # nulls (unquoted empty) apart from empty strings (quoted "").
                csv_path = Path(scratch) / f"{table.name}.csv"
                names = ", ".join(quote_identifier(name) for name in table.column_names)
                source.execute(
                    f"copy (select {names} from {quote_identifier(schema)}.{quote_identifier(table.name)}) "
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


def spark_session(home: Path | None = None, dump_classes_to: Path | None = None):  # type: ignore[no-untyped-def]
    """A local Spark session with the `spark` target's settings (profiles.yml).

    The metastore (Derby) and the table files live under one folder, so the loader and
    dbt, run one after the other, see the same tables. With `dump_classes_to`, the JVM
    writes its class-data archive there as it exits (`spark_class_archive`).
    """
    from pyspark.sql import SparkSession

    home = home or spark_home()
    home.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_settings(home, dump_classes_to).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def spark_class_archive(home: Path) -> Path:
    """The Spark folder's class-data archive: the JVM's classes as the loader's session
    left them, loaded, verified and laid out, which every later session of the folder maps
    instead of reading and checking some 19,000 classes from Spark's jars again. It halves
    a session's start and saves about 5 s of the scenario's build (docs/engines.md, "The
    class-data archive"). A JVM that finds no archive there, or one made by another Java or
    another pyspark, runs as it would without it (the latter with a one-line warning)."""
    return home / "jvm-classes.jsa"


def spark_settings(home: Path, dump_classes_to: Path | None = None) -> dict[str, str]:
    """The Spark settings shared by the loader and the profile (kept equal by a test).
    The JVM maps the folder's class-data archive; with `dump_classes_to` it writes one there
    at exit instead (a JVM cannot do both)."""
    classes = (
        # Writing an archive logs a warning per class it leaves out (hundreds): not news.
        f"-XX:ArchiveClassesAtExit={dump_classes_to} -Xlog:cds*=off" if dump_classes_to
        else f"-XX:SharedArchiveFile={spark_class_archive(home)}"
    )
    return {
        "spark.master": "local[2]",
        "spark.ui.enabled": "false",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.memory": "4g",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "1",
        "spark.default.parallelism": "1",
        "spark.sql.codegen.wholeStage": "false",
        "spark.sql.codegen.factoryMode": "NO_CODEGEN",
        "spark.sql.autoBroadcastJoinThreshold": "-1",
        "spark.sql.join.preferSortMergeJoin": "false",
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.legacy.timeParserPolicy": "CORRECTED",
        "spark.sql.warehouse.dir": str(home / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={home / 'metastore_db'};create=true",
        # The full compiler's code cache, whatever spark_jvm_options() asks (docs/engines.md).
        "spark.driver.extraJavaOptions": (
            f"-Dderby.system.home={home} -XX:ReservedCodeCacheSize=240m {classes} {spark_jvm_options()}"
        ),
    }


def spark_jvm_options() -> str:
    """JVM flags added to Spark's driver (the profile's ACTIVATION_WAREHOUSE_SPARK_JVM_OPTIONS);
    none by default. The tests pass `-XX:TieredStopAtLevel=1 -XX:+UseSerialGC`: on tiny
    data a JVM that lives two minutes spends more on the optimising compiler and parallel
    garbage collection than they return. The settings keep the code cache at the full
    compiler's size before these flags, since the client compiler alone would get one too
    small for a build (docs/engines.md)."""
    return os.environ.get("ACTIVATION_WAREHOUSE_SPARK_JVM_OPTIONS", "")


def copy_raw_to_spark(
    warehouse: Path,
    home: Path | None = None,
    schema: str = "raw",
    progress: bool = True,
) -> dict[str, int]:
    """Replace Spark's raw database with the raw tables of a loaded DuckDB warehouse.

    DuckDB writes each table as Parquet; Spark reads it with the contract's types and
    saves it as a managed table, so the metastore owns the files and a later copy can
    drop them. The first copy into a folder also leaves the JVM's class-data archive there
    (`spark_class_archive`; about 20 s, once). The copy
    ends the JVM it started before returning, which frees the embedded metastore for dbt.
    """
    home = home or spark_home()
    source = duckdb.connect(str(warehouse), read_only=True)
    parquet_dir = home / "raw_parquet"
    shutil.rmtree(parquet_dir, ignore_errors=True)
    parquet_dir.mkdir(parents=True)
    try:
        for table in RAW_TABLES.values():
            names = ", ".join(quote_identifier(name) for name in table.column_names)
            source.execute(
                f"copy (select {names} from {quote_identifier(schema)}.{quote_identifier(table.name)}) "
                f"to '{parquet_dir / table.name}.parquet' (format parquet)"
            )
    finally:
        source.close()

    from pyspark import SparkContext

    # Only a JVM the copy starts is the copy's to end (and to write an archive).
    owns_jvm = SparkContext._gateway is None
    spark, partial_archive = _loader_session(home, write_archive=owns_jvm)
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
    if owns_jvm:
        _end_loader_session(spark, home, partial_archive, progress)
    return rows


def _loader_session(home: Path, write_archive: bool):  # type: ignore[no-untyped-def]
    """The loader's Spark session, and the file its JVM writes the class-data archive to
    (None when it writes none: the folder has one, the JVM is not the loader's own, or it
    cannot write one). Written under a temporary name and renamed once whole (`_end_loader_session`),
    so a load stopped halfway leaves no half-written archive for a later JVM to map."""
    from pyspark.errors import PySparkRuntimeError

    archive = spark_class_archive(home)
    if not write_archive or archive.exists():
        return spark_session(home), None
    partial = archive.with_name(archive.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        return spark_session(home, dump_classes_to=partial), partial
    except PySparkRuntimeError:
        # A JVM that cannot write an archive does not start with the option at all (a
        # Java without the JDK's base archive, or -Xshare:off among the user's flags):
        # the load goes on without one, as it did before archives existed.
        return spark_session(home), None


def _end_loader_session(spark, home: Path, partial_archive: Path | None, progress: bool) -> None:  # type: ignore[no-untyped-def]
    """Stop Spark and wait for its JVM to exit (closing its stdin is pyspark's signal to
    exit): the metastore is then free for dbt, and a JVM writing the class-data archive has
    written all of it, which then takes its final name."""
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    started = time.perf_counter()
    spark.stop()
    process = getattr(gateway, "proc", None)
    exit_code = None
    if process is not None:
        if process.stdin is not None:
            process.stdin.close()
        try:
            exit_code = process.wait(timeout=600)
        except subprocess.TimeoutExpired:
            process.kill()
    if partial_archive is None:
        return
    if exit_code == 0 and partial_archive.exists():
        partial_archive.replace(spark_class_archive(home))
        if progress:
            print(f"spark: the JVM's class-data archive written in {time.perf_counter() - started:.1f} s", flush=True)
    else:
        partial_archive.unlink(missing_ok=True)
