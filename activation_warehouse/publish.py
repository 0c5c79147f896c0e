"""Publish the marts for BI tools: a separate read-only DuckDB file plus one Parquet per mart.

The warehouse itself has a single-writer lock: while dbt builds, nobody can open it, and a
reader holding it makes the build fail. BI tools and analysts therefore read a published
copy that no build ever writes to:

``published/activation_marts.duckdb``
    Every table of schema ``marts``, the ``seeds`` that define them (the activation
    definition, size bands, buckets), and ``meta.publication`` / ``meta.published_tables``
    (when, from where, as of when, row counts). Written in DuckDB storage version
    ``v1.0.0``, which the DuckDB 1.1 inside common BI drivers opens. File mode 0444.
``published/parquet/current/{marts,seeds}/<table>.parquet``
    The same tables as Parquet; ``current`` is a symlink to a versioned folder.
``published/exports/stalled_users.{csv,parquet}``
    The nudge list for a reverse-ETL sync (activation_warehouse/exports.py).

How a publication stays atomic for readers:

1. The warehouse is attached ``READ_ONLY`` to an in-memory session, and a NEW file
   ``activation_marts.duckdb.tmp-<pid>`` is attached with ``STORAGE_VERSION 'v1.0.0'``; the
   tables are copied into it (with their table and column comments), row counts checked,
   the file detached (checkpointed, no WAL left), its header checked (storage version 64,
   the number of v1.0.0 files), fsynced, and renamed over the published file with
   ``os.replace``. A reader that had the old file open keeps its inode and goes on seeing
   the old marts; a reader that opens the path afterwards sees the new ones; nobody sees
   a half-written file, and no reader ever blocks a publication (or a build).
2. Parquet goes into a staging folder ``parquet/tmp-v<UTC time>-<pid>/``, which becomes the
   version ``parquet/v<UTC time>-<pid>/`` once its files and a ``_COMPLETE`` marker are
   fsynced (publish_versions.py); the symlink ``parquet/current`` is flipped with
   ``os.replace`` of a fresh symlink. The version ``current`` pointed to before is kept
   (a reader may be half-way through it); older ones are removed.
3. A publication killed at any point leaves only temporary names, which the next one
   removes; a half-written folder is never kept as the previous version.

Before copying, the latest tested build's results (``history.dbt_run_results``) are read:
failed tests refuse the publication unless ``force`` (publish_checks.py). Whether the
checks passed, failed (and were forced past) or were not recorded goes into
``meta.publication`` (columns ``checks``, ``checks_invocation_id``, ``forced``,
``failed_checks``).

Publications are serialised by an ``flock`` on ``published/.publish.lock``.
"""

from __future__ import annotations

import fcntl
import os
import struct
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import duckdb

from activation_warehouse.exports import commit_export, discard_export, stage_stalled_users_export
from activation_warehouse.paths import PROJECT_DIR
from activation_warehouse.publish_checks import ChecksVerdict, read_checks
from activation_warehouse.publish_versions import (
    STAGING_PREFIX, clean_leftovers, flip_current, fsync_dir, fsync_file, remove_quietly, seal,
)
from activation_warehouse.warehouse_lock import locked_from_error

#: Where publications go by default (override with --out-dir).
DEFAULT_PUBLISH_DIR = PROJECT_DIR / "published"
#: The published DuckDB file's name inside the publish folder.
PUBLISHED_FILE_NAME = "activation_marts.duckdb"
#: The storage version written: DuckDB 1.0 and 1.1 (and every newer DuckDB) open it.
STORAGE_VERSION = "v1.0.0"
#: The version number DuckDB writes into the main header of a v1.0.0 file
#: (bytes 8-11 are the magic ``DUCK``, bytes 12-19 the little-endian version number).
STORAGE_VERSION_NUMBER = 64
#: Schemas copied: the marts, and the seeds needed to read them.
PUBLISHED_SCHEMAS: tuple[str, ...] = ("marts", "seeds")
#: Alias of the published database inside the publishing session.
_PUB = "published_new"


class PublishError(RuntimeError):
    """A publication could not be made; the previously published files are untouched."""


class PublishRefused(PublishError):
    """The last tested build failed checks and --force was not given; `str()` is one line."""


@dataclass
class PublishReport:
    """What one publication wrote."""

    database: Path
    parquet_dir: Path
    tables: dict[str, int] = field(default_factory=dict)  # "schema.table" -> rows
    as_of: datetime | None = None
    seconds: float = 0.0
    checks: ChecksVerdict = field(default_factory=lambda: ChecksVerdict(state="unrecorded"))
    forced: bool = False

    def summary(self) -> str:
        marts = sum(1 for name in self.tables if name.startswith("marts."))
        return (
            f"Published {marts} marts ({len(self.tables)} tables, storage {STORAGE_VERSION}) "
            f"in {self.seconds:.1f} s:\n  {self.database}  (open it read-only)\n"
            f"  {self.parquet_dir}/{{marts,seeds}}/<table>.parquet\n"
            f"  {self.database.parent}/exports/stalled_users.{{csv,parquet}}  (the nudge list)"
            + (f"\n  FORCED past {len(self.checks.failed)} failed checks: {', '.join(self.checks.failed[:5])}"
               if self.forced else "")
        )


def published_database(out_dir: Path = DEFAULT_PUBLISH_DIR) -> Path:
    """The path BI tools open (read-only)."""
    return Path(out_dir) / PUBLISHED_FILE_NAME


def read_storage_version_number(path: Path) -> int:
    """The storage version number in a DuckDB file's main header (64 for v1.0.0 files)."""
    with open(path, "rb") as handle:
        header = handle.read(20)
    if len(header) < 20 or header[8:12] != b"DUCK":
        raise PublishError(f"{path} is not a DuckDB database file")
    return struct.unpack("<Q", header[12:20])[0]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _source_alias(warehouse: Path) -> str:
    """Attach the warehouse under its own catalog name (dbt-duckdb uses the file stem), so
    views whose SQL names that catalog still resolve."""
    stem = warehouse.stem
    return "source_warehouse" if stem.lower() in {"memory", "system", "temp", _PUB} else stem


@contextmanager
def _publish_lock(out_dir: Path) -> Iterator[None]:
    with open(out_dir / ".publish.lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _tables_to_copy(connection: duckdb.DuckDBPyConnection, source: str) -> list[tuple[str, str, str]]:
    """(schema, table, comment) of every table and view of the published schemas."""
    schemas = ", ".join(_literal(schema) for schema in PUBLISHED_SCHEMAS)
    return connection.execute(
        f"""
        select schema_name, table_name, comment from duckdb_tables()
        where database_name = ? and schema_name in ({schemas})
        union all
        select schema_name, view_name, comment from duckdb_views()
        where database_name = ? and schema_name in ({schemas}) and not internal
        order by 1, 2
        """,
        [source, source],
    ).fetchall()


def _copy_comments(connection: duckdb.DuckDBPyConnection, source: str, schema: str, table: str,
                   comment: str | None) -> None:
    target = f"{_PUB}.{_quote(schema)}.{_quote(table)}"
    if comment:
        connection.execute(f"comment on table {target} is {_literal(comment)}")
    for column, column_comment in connection.execute(
        "select column_name, comment from duckdb_columns()"
        " where database_name = ? and schema_name = ? and table_name = ? and comment is not null",
        [source, schema, table],
    ).fetchall():
        if column_comment:
            connection.execute(f"comment on column {target}.{_quote(column)} is {_literal(column_comment)}")


def _as_of(connection: duckdb.DuckDBPyConnection, source: str) -> datetime | None:
    exists = connection.execute(
        "select count(*) from duckdb_tables() where database_name = ? and schema_name = 'marts'"
        " and table_name = 'activation_decision'",
        [source],
    ).fetchall()[0][0]
    if not exists:
        return None
    rows = connection.execute(f"select max(as_of) from {_quote(source)}.marts.activation_decision").fetchall()
    return rows[0][0] if rows else None


def _write_database(
    warehouse: Path, new_file: Path, parquet_dir: Path, report: PublishReport, force: bool = False,
) -> None:
    source = _source_alias(warehouse)
    connection = duckdb.connect(":memory:")
    try:
        connection.execute("set TimeZone = 'UTC'")
        try:
            connection.execute(f"attach {_literal(str(warehouse))} as {_quote(source)} (read_only)")
        except duckdb.Error as error:
            locked = locked_from_error(error, warehouse)
            if locked is not None:
                raise locked from None
            raise PublishError(
                f"cannot open the warehouse {warehouse} read-only (is a build writing it?): {error}"
            ) from error
        report.checks = read_checks(connection, source)
        if report.checks.state == "failed":
            if not force:
                raise PublishRefused(report.checks.refusal())
            report.forced = True
        connection.execute(f"attach {_literal(str(new_file))} as {_PUB} (storage_version '{STORAGE_VERSION}')")
        tables = _tables_to_copy(connection, source)
        if not any(schema == "marts" for schema, _, _ in tables):
            raise PublishError(f"the warehouse {warehouse} has no marts: run `dbt build` first")
        report.as_of = _as_of(connection, source)
        for schema in sorted({schema for schema, _, _ in tables}):
            connection.execute(f"create schema {_PUB}.{_quote(schema)}")
            (parquet_dir / schema).mkdir(parents=True)
        for schema, table, comment in tables:
            origin = f"{_quote(source)}.{_quote(schema)}.{_quote(table)}"
            target = f"{_PUB}.{_quote(schema)}.{_quote(table)}"
            connection.execute(f"create table {target} as select * from {origin}")
            _copy_comments(connection, source, schema, table, comment)
            parquet = parquet_dir / schema / f"{table}.parquet"
            connection.execute(f"copy {target} to {_literal(str(parquet))} (format parquet, compression zstd)")
            copied, expected = connection.execute(
                f"select (select count(*) from {target}), (select count(*) from {origin})"
            ).fetchall()[0]
            if copied != expected:
                raise PublishError(f"{schema}.{table}: copied {copied} rows of {expected}")
            report.tables[f"{schema}.{table}"] = int(copied)
        connection.execute(f"create schema {_PUB}.meta")
        connection.execute(
            f"create table {_PUB}.meta.publication as select ? as published_at, ? as source_warehouse,"
            " ? as as_of, ? as storage_version, ? as published_by_duckdb, ? as checks,"
            " ?::varchar as checks_invocation_id, ? as forced, ?::varchar[] as failed_checks",
            [datetime.now(timezone.utc).replace(tzinfo=None), str(warehouse), report.as_of,
             STORAGE_VERSION, duckdb.__version__, report.checks.state, report.checks.invocation_id,
             report.forced, report.checks.failed],
        )
        connection.execute(
            f"create table {_PUB}.meta.published_tables (table_schema varchar, table_name varchar,"
            " row_count bigint, parquet_file varchar)"
        )
        connection.executemany(
            f"insert into {_PUB}.meta.published_tables values (?, ?, ?, ?)",
            [[name.split(".", 1)[0], name.split(".", 1)[1], rows,
              f"{name.split('.', 1)[0]}/{name.split('.', 1)[1]}.parquet"] for name, rows in report.tables.items()],
        )
        connection.execute(f"comment on table {_PUB}.meta.publication is 'When and from what this file was published (activation_warehouse.publish).'")
        connection.execute(f"detach {_PUB}")  # checkpoints: the file is complete, no WAL left
    finally:
        connection.close()


def publish(warehouse: Path, out_dir: Path = DEFAULT_PUBLISH_DIR, force: bool = False) -> PublishReport:
    """Copy the marts (and seeds) of `warehouse` into `out_dir` and swap them in atomically.

    Refuses (PublishRefused) when the last tested build has failed checks, unless `force`.
    """
    started = time.perf_counter()
    warehouse = Path(warehouse).resolve()
    out_dir = Path(out_dir).resolve()
    if not warehouse.is_file():
        raise PublishError(f"no warehouse at {warehouse}: run `make build` (or load and `dbt build`) first")
    out_dir.mkdir(parents=True, exist_ok=True)
    parquet_root = out_dir / "parquet"
    parquet_root.mkdir(exist_ok=True)
    final = published_database(out_dir)
    with _publish_lock(out_dir):
        current = parquet_root / "current"
        if current.exists() and not current.is_symlink():
            raise PublishError(f"{current} is a real folder, not the symlink publish maintains: move it away")
        clean_leftovers(out_dir, PUBLISHED_FILE_NAME)
        new_file = out_dir / f"{PUBLISHED_FILE_NAME}.tmp-{os.getpid()}"
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        version_dir = parquet_root / f"v{stamp}-{os.getpid()}"
        staging = parquet_root / f"{STAGING_PREFIX}{version_dir.name}"
        staging.mkdir()
        report = PublishReport(database=final, parquet_dir=parquet_root / "current")
        staged_exports: dict[Path, Path] = {}
        try:
            _write_database(warehouse, new_file, staging, report, force=force)
            for leftover in (Path(f"{new_file}.wal"),):
                if leftover.exists():
                    raise PublishError(f"{leftover} was left behind: the copy was not checkpointed")
            number = read_storage_version_number(new_file)
            if number != STORAGE_VERSION_NUMBER:
                raise PublishError(
                    f"{new_file} has storage version number {number}, not {STORAGE_VERSION_NUMBER} ({STORAGE_VERSION})"
                )
            staged_exports = stage_stalled_users_export(new_file, out_dir)
            seal(staging, version_dir)
            fsync_file(new_file)
            os.chmod(new_file, 0o444)
            os.replace(new_file, final)
            fsync_dir(out_dir)
        except BaseException:
            remove_quietly(new_file)
            remove_quietly(staging)
            remove_quietly(version_dir)
            discard_export(staged_exports)
            raise
        commit_export(staged_exports)
        flip_current(parquet_root, version_dir)
    report.seconds = time.perf_counter() - started
    return report
