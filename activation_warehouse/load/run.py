"""One load, end to end: check the whole folder, then write every table in one transaction.

Each file is read into a temporary text table (which lives in this connection only) and
checked; every problem of every file is collected before anything is written, and any
problem stops the load with the whole list. Then one transaction creates the schema if
needed, writes every raw table and the ledger, and commits: a load that fails or is killed
at any point leaves the raw tables as they were, or fully loaded, never half, and no
scratch table that could be mistaken for data (a temporary table dies with its process).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import duckdb

from activation_warehouse.contract import RAW_TABLES, RawTable
from activation_warehouse.load.cast import typed_select, value_problems
from activation_warehouse.load.common import LoadError, LoadReport, ident, one_line
from activation_warehouse.load.files import column_problems, file_columns, find_files, sha256
from activation_warehouse.load.ledger import LedgerEntry, earlier_loads, record
from activation_warehouse.load.read import long_row_problem, nul_problems, select_text

#: Raw tables an append adds rows to: the event stream, which arrives in batches (a batch
#: repeating rows already loaded is fine, the models de-duplicate). Every other raw table
#: is a snapshot of the application database: an append replaces it when its file is
#: there, since the newest snapshot is the truth (a deleted or changed user included) and
#: appending snapshots would pile up one copy of every row per day.
APPENDED_TABLES = frozenset({"events"})

#: For tests only: a load pauses (sleeps) at the named point so a test can kill it there.
#: Points: "checked" (every file read and checked, nothing written), "written" (inside the
#: transaction, every table written, not committed), "committed" (committed, not closed).
PAUSE_VARIABLE = "ACTIVATION_WAREHOUSE_LOAD_PAUSE_AT"
PAUSE_SECONDS = 300

#: DuckDB's memory limit for a load: the build's (profiles.yml, the same variable and
#: default; test_resource_bounds checks they agree). Without it DuckDB takes 80% of the
#: RAM, and a load of 100M events peaked at 20 GB (docs/performance.md).
MEMORY_LIMIT_VARIABLE = "ACTIVATION_WAREHOUSE_MEMORY_LIMIT"
MEMORY_LIMIT_DEFAULT = "3GB"


def load_folder(
    folder: Path,
    warehouse: Path,
    schema: str = "raw",
    progress: bool = True,
    append: bool = False,
    force: bool = False,
) -> LoadReport:
    """Load one file per raw table into `schema` of the DuckDB file `warehouse`, all or nothing.

    Replace (the default): the folder becomes the raw data. `append`: its events are added
    to raw.events, its other files replace their snapshot tables, and a table without a file
    keeps what it holds; an events file already loaded (same SHA-256) is refused unless
    `force`. Raises LoadError listing every problem found; then nothing was written.
    """
    started = time.perf_counter()
    folder = Path(folder)
    files, problems = find_files(folder, append)
    connection = _connect(Path(warehouse))
    try:
        rows, entries = _check(connection, files, schema, append, force, problems)
        _pause_for_tests("checked")
        _write(connection, files, schema, append, entries, progress)
    finally:
        # DuckDB allows one writer per file: never keep the lock after the load.
        connection.close()
    mode = "append" if append else "replace"
    return LoadReport(
        rows=rows,
        seconds=time.perf_counter() - started,
        mode=mode,
        files=[entry._asdict() for entry in entries],
    )


def _connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse with the session time zone pinned to UTC.

    Naive timestamps in files mean UTC, and DuckDB reads them in the session time zone, so
    the session's zone must not depend on the machine the loader runs on.
    """
    try:
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        from activation_warehouse.warehouse_lock import open_warehouse  # a held lock: one line, exit 2

        connection = open_warehouse(warehouse)
    except (duckdb.Error, OSError) as error:
        raise LoadError(f"{warehouse}: cannot open the warehouse: {one_line(error)}") from None
    connection.execute("set TimeZone = 'UTC'")
    limit = os.environ.get(MEMORY_LIMIT_VARIABLE) or MEMORY_LIMIT_DEFAULT
    try:
        # (SET takes no parameter; a quote in the value could only break the statement.)
        connection.execute(f"set memory_limit = '{limit.replace(chr(39), '')}'")
    except duckdb.Error as error:
        connection.close()
        raise LoadError(f"{MEMORY_LIMIT_VARIABLE}={limit}: not a memory limit DuckDB takes: {one_line(error)}") from None
    return connection


def _check(
    connection: duckdb.DuckDBPyConnection,
    files: dict[str, Path | None],
    schema: str,
    append: bool,
    force: bool,
    problems: list[str],
) -> tuple[dict[str, int], list[LedgerEntry]]:
    """Read every file into its text table and collect every problem; raise if there is any."""
    hashes = {name: sha256(path) for name, path in files.items() if path is not None}
    if append:
        problems += _append_problems(connection, files, schema, hashes, force)
    rows: dict[str, int] = {}
    for name, path in files.items():
        if path is not None:
            count, found = _read_and_check(connection, RAW_TABLES[name], path)
            problems += found
            rows[name] = count
        elif not append:
            rows[name] = 0
    if problems:
        raise LoadError(problems)
    entries = [
        LedgerEntry(path.name, name, hashes[name], rows[name])
        for name, path in files.items()
        if path is not None
    ]
    return rows, entries


def _append_problems(
    connection: duckdb.DuckDBPyConnection,
    files: dict[str, Path | None],
    schema: str,
    hashes: dict[str, str],
    force: bool,
) -> list[str]:
    """An append's own problems: an events file loaded before, a required table to keep
    that does not exist. Snapshot files are not refused when seen before: replacing a
    table with the same snapshot changes nothing, and an unchanged snapshot is common."""
    problems: list[str] = []
    if not force:
        appended = [hashes[name] for name in APPENDED_TABLES if name in hashes]
        for name in sorted(APPENDED_TABLES & hashes.keys()):
            earlier = earlier_loads(connection, schema, appended).get(hashes[name])
            if earlier:
                file_name, loaded_at, mode = earlier
                path = files[name]
                assert path is not None
                problems.append(
                    f"{path.name} was already loaded ({mode} of {file_name} at"
                    f" {loaded_at:%Y-%m-%d %H:%M:%S} UTC, same sha256 {hashes[name][:12]}...);"
                    " pass --force to append it again"
                )
    for name, path in files.items():
        if path is None and RAW_TABLES[name].required and not _table_exists(connection, schema, name):
            problems.append(
                f"{name}: no file to append and {schema}.{name} does not exist yet;"
                " load a whole folder first (without --append)"
            )
    return problems


def _read_and_check(
    connection: duckdb.DuckDBPyConnection, table: RawTable, path: Path
) -> tuple[int, list[str]]:
    """Read one file into its text table; its row count and every problem found in it."""
    try:
        header = file_columns(connection, path)
    except LoadError as error:
        return 0, error.problems
    except duckdb.Error as error:
        return 0, [f"{path.name}: cannot read the file: {one_line(error)}"]
    problems = column_problems(table, path, header)
    if problems:
        return 0, problems
    text_table = _text_table(table.name)
    try:
        connection.execute(
            f"create or replace temp table {text_table} as"
            f" {select_text(connection, table, path, header)}"
        )
    except duckdb.Error as error:
        long_row = long_row_problem(path, header) if path.suffix == ".csv" else None
        return 0, [long_row or f"{path.name}: cannot read the file: {one_line(error)}"]
    if path.suffix == ".csv":
        problems += nul_problems(connection, table, path, text_table)
    count, found = value_problems(connection, table, path, text_table)
    return count, problems + found


def _write(
    connection: duckdb.DuckDBPyConnection,
    files: dict[str, Path | None],
    schema: str,
    append: bool,
    entries: list[LedgerEntry],
    progress: bool,
) -> None:
    """Write every raw table and the ledger in one transaction: all of them or none."""
    rows = {entry.table_name: entry.row_count for entry in entries}
    connection.execute("begin transaction")
    try:
        connection.execute(f"create schema if not exists {ident(schema)}")
        for name, path in files.items():
            table = RAW_TABLES[name]
            target = f"{ident(schema)}.{ident(name)}"
            exists = _table_exists(connection, schema, name)
            if path is None and append and exists:
                continue  # an append keeps a table it has no file for
            if path is None:
                columns = ", ".join(f"{ident(c.name)} {c.sql_type}" for c in table.columns)
                connection.execute(f"create or replace table {target} ({columns})")
                message = "no file, loaded empty (an optional table)"
            elif append and name in APPENDED_TABLES and exists:
                names = ", ".join(ident(column) for column in table.column_names)
                connection.execute(
                    f"insert into {target} ({names}) {typed_select(table, _text_table(name))}"
                )
                message = f"{rows[name]:,} rows appended from {path.name}"
            else:
                connection.execute(
                    f"create or replace table {target} as {typed_select(table, _text_table(name))}"
                )
                message = f"{rows[name]:,} rows from {path.name}"
                if append:
                    message += " (a snapshot: replaces the table)"
            if progress:
                print(f"{schema}.{name}: {message}", file=sys.stderr)
        record(connection, schema, entries, "append" if append else "replace")
        _pause_for_tests("written")
        connection.execute("commit")
    except BaseException as error:
        connection.execute("rollback")
        if not isinstance(error, duckdb.Error):
            raise
        raise LoadError(
            f"{schema}: cannot write the new tables, the old ones are kept: {one_line(error)}"
        ) from None
    _pause_for_tests("committed")


def _table_exists(connection: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    found = connection.execute(
        "select count(*) from information_schema.tables"
        " where table_catalog = current_database() and table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(found and found[0])


def _text_table(name: str) -> str:
    # Fully qualified: an unqualified name would reach a same-named table of the warehouse
    # whenever the temporary one is absent (DuckDB looks in the temp catalog first).
    return f"temp.main.{ident(f'aw_text__{name}')}"


def _pause_for_tests(point: str) -> None:
    """Sleep at `point` when the test hook asks for it, after saying so on stderr."""
    if os.environ.get(PAUSE_VARIABLE) == point:
        print(f"load paused at {point}", file=sys.stderr, flush=True)
        time.sleep(PAUSE_SECONDS)
