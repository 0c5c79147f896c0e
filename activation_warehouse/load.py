"""Load a folder of raw files into the warehouse's raw schema, all or nothing.

A user hands the project one file per raw table (``<table>.parquet``, ``.csv`` or
``.jsonl``, see ``docs/loading-data.md``). Every file column is
read as text first, because type guessing damages raw data (a CSV id ``12`` becomes
``12.0``, a JSON ``properties`` object becomes a struct), and only then cast by the contract
in ``contract.py``. Text columns are stored exactly as read: judging them is the staging
layer's job, and the loader must never drop or "fix" what staging is there to count.

Every new table is built and validated beside the old ones (``<schema>.<table>__loading``)
and swapped in inside one transaction, so a bad file leaves yesterday's raw data untouched.
"""

from __future__ import annotations

import csv
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from activation_warehouse.contract import FILE_FORMATS, RAW_TABLES, Column, RawTable

#: Suffix of the scratch tables a load builds before swapping them in.
SCRATCH_SUFFIX = "__loading"

#: The timestamp shapes the contract accepts: 'YYYY-MM-DD[( |T)HH:MM[:SS[.f]][Z|±HH[:MM]]]'.
#: DuckDB's own cast is far more lenient (it takes 'epoch', 'infinity', '+25:00', time zone
#: names), so the shape is checked before the cast is trusted.
TIMESTAMP_PATTERN = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
    r"(Z|[+-](0[0-9]|1[0-8])(:?[0-5][0-9])?)?)?"
)

#: DuckDB's integer cast rounds '12.5' to 13 and accepts '1e3' and '1_000'; only digits
#: (with an all-zero fraction, as float-typed writers such as pandas produce) are integers.
INTEGER_PATTERN = r"[+-]?[0-9]+(\.0*)?"

#: Spellings of a boolean that writers actually produce (pandas, PostgreSQL, spreadsheets).
#: DuckDB's own cast would also take 'yes' and 'y', which are more likely a mistake here.
BOOLEAN_WORDS = {"true": True, "t": True, "1": True, "false": False, "f": False, "0": False}

INTEGER_TYPES = {
    "tinyint", "smallint", "integer", "int", "bigint", "hugeint",
    "utinyint", "usmallint", "uinteger", "ubigint", "uhugeint",
}  # fmt: skip
TEXT_TYPES = {"varchar", "text", "string"}
TIMESTAMP_TYPES = {"timestamp", "datetime"}

#: Longest example value quoted in an error message, so the message stays one short line.
EXAMPLE_MAX_CHARS = 60

#: Longest DuckDB reason quoted in an error message.
REASON_MAX_CHARS = 300


class LoadError(Exception):
    """One-line, human message naming the file and the problem.

    The command line prints it as is, so it must make sense without a traceback.
    """


@dataclass(frozen=True)
class LoadReport:
    """What a successful load did: rows per raw table and how long it took."""

    rows: dict[str, int]
    seconds: float


def load_folder(
    folder: Path, warehouse: Path, schema: str = "raw", progress: bool = True
) -> LoadReport:
    """Load one file per raw table into `schema` of the DuckDB file `warehouse`, all or nothing.

    Files are looked up before anything is read, read and validated into scratch tables,
    and swapped in inside one transaction: a bad file leaves yesterday's raw data untouched
    and no scratch table behind.
    """
    started = time.perf_counter()
    folder = Path(folder)
    files = find_files(folder)
    connection = _connect(Path(warehouse))
    try:
        rows = _load(connection, files, schema, progress)
    finally:
        # DuckDB allows one writer per file: never keep the lock after the load.
        connection.close()
    return LoadReport(rows=rows, seconds=time.perf_counter() - started)


def find_files(folder: Path) -> dict[str, Path | None]:
    """The one file of each raw table in `folder`, before any of them is read.

    Failing here is cheap and tells the user about the folder as a whole; two files for one
    table are refused rather than guessed between, since either guess could load stale data.
    An optional table (contract.py: exposures, connections) may have no file: it maps to
    None and is loaded empty, so a product with no experiments yet needs no dummy file.
    """
    if not folder.is_dir():
        raise LoadError(f"no folder {folder}")
    files: dict[str, Path | None] = {}
    for table in RAW_TABLES:
        found = [
            folder / f"{table}{ending}"
            for ending in FILE_FORMATS
            if (folder / f"{table}{ending}").is_file()
        ]
        names = [f"{table}{ending}" for ending in FILE_FORMATS]
        if not found and not RAW_TABLES[table].required:
            files[table] = None
            continue
        if not found:
            raise LoadError(f"{table}: no file {_or_list(names)} in {folder}")
        if len(found) > 1:
            raise LoadError(
                f"{table}: ambiguous, found {_and_list([path.name for path in found])}"
                f" in {folder}; keep one"
            )
        files[table] = found[0]
    return files


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
        raise LoadError(f"{warehouse}: cannot open the warehouse: {_one_line(error)}") from None
    connection.execute("set TimeZone = 'UTC'")
    return connection


def _load(
    connection: duckdb.DuckDBPyConnection,
    files: dict[str, Path | None],
    schema: str,
    progress: bool,
) -> dict[str, int]:
    """Build every scratch table, then swap them all in; on any failure undo the scratch work."""
    schema_existed = _schema_exists(connection, schema)
    connection.execute(f"create schema if not exists {_ident(schema)}")
    rows: dict[str, int] = {}
    try:
        for name, path in files.items():
            if path is None:
                rows[name] = _build_empty_scratch_table(connection, RAW_TABLES[name], schema)
                if progress:
                    print(f"{schema}.{name}: no file, loaded empty (an optional table)", file=sys.stderr)
                continue
            rows[name] = _build_scratch_table(connection, RAW_TABLES[name], path, schema)
            if progress:
                print(f"{schema}.{name}: {rows[name]:,} rows from {path.name}", file=sys.stderr)
        _swap_in(connection, schema, list(files))
    except BaseException:
        _clean_up(connection, schema, list(files), drop_schema=not schema_existed)
        raise
    return rows


def _schema_exists(connection: duckdb.DuckDBPyConnection, schema: str) -> bool:
    """Whether `schema` is already in the warehouse, so a failed first load can remove it."""
    found = connection.execute(
        "select count(*) from information_schema.schemata"
        " where catalog_name = current_database() and schema_name = ?",
        [schema],
    ).fetchone()
    return bool(found and found[0])


def _build_empty_scratch_table(connection: duckdb.DuckDBPyConnection, table: RawTable, schema: str) -> int:
    """The typed scratch table of an optional raw table that has no file: no rows, the
    contract's columns, so the models and the schema check read it like any other."""
    columns = ", ".join(f"{_ident(column.name)} {column.sql_type}" for column in table.columns)
    connection.execute(f"create or replace table {_scratch(schema, table.name)} ({columns})")
    return 0


def _build_scratch_table(
    connection: duckdb.DuckDBPyConnection, table: RawTable, path: Path, schema: str
) -> int:
    """Read `path` as text, validate it against the contract and write the typed scratch table.

    The text lands in a temporary table first so that validation and the typed copy read
    the file once, and a failed cast can be reported with an example value.
    """
    # Fully qualified: an unqualified name would reach a same-named table of the warehouse
    # whenever the temporary one is absent (DuckDB looks in the temp catalog first).
    text_table = f"temp.main.{_ident(f'aw_text__{table.name}')}"
    try:
        select_text = TEXT_READERS[path.suffix](connection, table, path)
        connection.execute(f"create or replace temp table {text_table} as {select_text}")
        if path.suffix == ".jsonl":
            # A key is missing only if no line has it; this needs the whole file, read once more.
            _check_json_keys(connection, table, path)
    except duckdb.Error as error:
        raise LoadError(f"{path.name}: cannot read the file: {_one_line(error)}") from None
    try:
        row_count = _validate(connection, table, path, text_table)
        typed = ", ".join(
            f"cast({_typed_expression(column)} as {column.sql_type}) as {_ident(column.name)}"
            for column in table.columns
        )
        connection.execute(
            f"create or replace table {_scratch(schema, table.name)} as "
            f"select {typed} from {text_table}"
        )
    finally:
        connection.execute(f"drop table if exists {text_table}")
    return row_count


# --- reading each format as text ---------------------------------------------------------


def _select_csv_text(
    connection: duckdb.DuckDBPyConnection, table: RawTable, path: Path
) -> str:
    """A select of the contract's columns of a CSV file, every value as read.

    The dialect is pinned (comma, double quote, a header row, strict) instead of sniffed:
    DuckDB 2.0's sniffer silently reads a file with broken quoting as a one-column or
    quote-less file, and a failed sniff only says "could not detect the dialect". The header
    is read here and the columns handed to DuckDB, so its parser reports the real reason
    and the line. An unquoted empty field is null; a quoted one ("") stays an empty string.
    """
    header = _csv_header(path)
    _require_columns(table, path, header)
    repeated = [name for name in table.column_names if header.count(name) > 1]
    if repeated:
        raise LoadError(f"{path.name}: column {_quoted_list(repeated)} appears more than once")
    names = [
        name if name in table.column_names else f"column{position}"
        for position, name in enumerate(header)
    ]
    columns = ", ".join(f"{_literal(name)}: 'varchar'" for name in names)
    reader = (
        f"read_csv({_literal(str(path))}, header = true, auto_detect = false,"
        f" columns = {{{columns}}}, delim = ',', quote = '\"', escape = '\"',"
        " strict_mode = true, allow_quoted_nulls = false, null_padding = false)"
    )
    return f"select {_column_list(table)} from {reader}"


def _csv_header(path: Path) -> list[str]:
    """The column names of a CSV file's first record, stripped of spaces and a byte-order mark."""
    try:
        with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
            header = next(csv.reader(handle, strict=True), None)
    except (csv.Error, OSError) as error:
        raise LoadError(f"{path.name}: cannot read the header row: {_one_line(error)}") from None
    if not header:
        raise LoadError(f"{path.name}: empty file, expected a header row")
    return [name.strip() for name in header]


def _select_jsonl_text(
    connection: duckdb.DuckDBPyConnection, table: RawTable, path: Path
) -> str:
    """A select of the contract's columns of a JSON-lines file, every value as text.

    Declaring each column 'varchar' (no auto-detection) makes DuckDB keep a string's text
    unquoted and write any other JSON value, an object or array included, as compact JSON
    text: a ``properties`` object becomes its JSON text, the contract's promise. (Numbers
    are re-printed: ``1e3`` becomes ``1000.0``.) A key absent from a line is null there.
    """
    columns = ", ".join(f"{_literal(name)}: 'varchar'" for name in table.column_names)
    reader = (
        f"read_json({_literal(str(path))}, format = 'newline_delimited', records = true,"
        f" auto_detect = false, columns = {{{columns}}})"
    )
    return f"select {_column_list(table)} from {reader}"


def _check_json_keys(connection: duckdb.DuckDBPyConnection, table: RawTable, path: Path) -> None:
    """Refuse a JSON-lines file in which no line has one of the contract's keys.

    A key missing from some lines means null there; missing from every line it is a
    misspelt or absent column, which the declared-columns read cannot tell from all nulls.
    """
    keys = connection.execute(
        "select distinct unnest(json_keys(json)) from read_ndjson_objects(?)", [str(path)]
    ).fetchall()
    _require_columns(table, path, [key for (key,) in keys])


def _select_parquet_text(
    connection: duckdb.DuckDBPyConnection, table: RawTable, path: Path
) -> str:
    """A select of the contract's columns of a Parquet file, each value rendered as text.

    Parquet columns carry their own types, so each is turned into the text a CSV of the same
    data would hold: a time-zone-aware timestamp as ISO-8601 UTC ('2026-03-02T08:15:00Z';
    DuckDB's plain cast gives '2026-03-02 08:15:00+00' in the session zone, hence UTC is
    pinned), a struct, map or list as JSON (the plain cast gives "{'a': 1}", not JSON).
    """
    described = connection.execute(
        "select column_name, column_type from (describe select * from read_parquet(?))",
        [str(path)],
    ).fetchall()
    types = {name: column_type for name, column_type in described}
    _require_columns(table, path, list(types))
    expressions = ", ".join(
        f"{_parquet_as_text(_ident(name), types[name])} as {_ident(name)}"
        for name in table.column_names
    )
    return f"select {expressions} from read_parquet({_literal(str(path))})"


def _parquet_as_text(column: str, column_type: str) -> str:
    """The SQL that renders one Parquet column of DuckDB type `column_type` as text."""
    upper = column_type.upper()
    if upper == "TIMESTAMP WITH TIME ZONE":
        return f"regexp_replace(replace(cast({column} as varchar), ' ', 'T'), '\\+00$', 'Z')"
    if upper.startswith(("STRUCT", "MAP", "UNION")) or upper.endswith("]"):
        return f"cast(to_json({column}) as varchar)"
    return f"cast({column} as varchar)"


TEXT_READERS: dict[str, Callable[[duckdb.DuckDBPyConnection, RawTable, Path], str]] = {
    ".csv": _select_csv_text,
    ".jsonl": _select_jsonl_text,
    ".parquet": _select_parquet_text,
}


def _require_columns(table: RawTable, path: Path, available: list[str]) -> None:
    """Refuse a file without every contract column; extra columns are simply not read."""
    missing = [name for name in table.column_names if name not in set(available)]
    if len(missing) == len(table.column_names):
        # Likely not this format at all (a binary file, another delimiter): say so.
        raise LoadError(
            f"{path.name}: none of the expected columns found"
            f" (expected: {', '.join(table.column_names)}); is it the right format?"
        )
    if missing:
        noun = "column" if len(missing) == 1 else "columns"
        raise LoadError(
            f"{path.name}: missing {noun} {_quoted_list(missing)}"
            f" (expected: {', '.join(table.column_names)})"
        )


# --- casting by the contract ---------------------------------------------------------------


def _value(column: Column) -> str:
    """The column's text with surrounding spaces removed and an empty string read as null."""
    return f"nullif(trim({_ident(column.name)}), '')"


def _typed_expression(column: Column) -> str:
    """The SQL that casts one text column to its contract type; null where it does not cast.

    Text columns are passed through untouched: the staging layer judges them.
    """
    sql_type = column.sql_type.lower()
    value = _value(column)
    if sql_type in TEXT_TYPES:
        return _ident(column.name)
    if sql_type in INTEGER_TYPES:
        return (
            f"case when regexp_full_match({value}, '{INTEGER_PATTERN}')"
            f" then try_cast({value} as {sql_type}) end"
        )
    if sql_type == "boolean":
        cases = " ".join(
            f"when {_literal(word)} then {'true' if flag else 'false'}"
            for word, flag in BOOLEAN_WORDS.items()
        )
        return f"case lower({value}) {cases} end"
    if sql_type in TIMESTAMP_TYPES:
        # Cast to timestamptz (an offset is honoured, no offset means UTC in this session)
        # and take the UTC wall clock: a plain timestamp cast silently drops the offset.
        instant = (
            f"case when regexp_full_match({value}, '{TIMESTAMP_PATTERN}')"
            f" then timezone('UTC', try_cast({value} as timestamptz)) end"
        )
        return (
            f"case when {instant} between timestamp '0001-01-01'"
            f" and timestamp '9999-12-31 23:59:59.999999' then {instant} end"
        )
    # A type the contract does not use today: DuckDB's own cast is the best judge available.
    return f"try_cast({value} as {sql_type})"


def _does_not_cast(column: Column) -> str | None:
    """The SQL condition "a value is present but does not cast", or None for text columns."""
    if column.sql_type.lower() in TEXT_TYPES:
        return None
    return f"({_value(column)} is not null and ({_typed_expression(column)}) is null)"


def _validate(
    connection: duckdb.DuckDBPyConnection, table: RawTable, path: Path, text_table: str
) -> int:
    """Count the rows and refuse values that do not cast or nulls the contract forbids.

    One aggregate pass counts every problem; an example value is fetched only on failure.
    """
    checks: list[tuple[str, Column, str]] = []
    for column in table.columns:
        condition = _does_not_cast(column)
        if condition is not None:
            checks.append(("cast", column, condition))
    for column in table.columns:
        if not column.nullable:
            checks.append(("null", column, f"(({_typed_expression(column)}) is null)"))
    counts_sql = ", ".join(["count(*)"] + [f"count(*) filter (where {c})" for _, _, c in checks])
    counts = connection.execute(f"select {counts_sql} from {text_table}").fetchone()
    assert counts is not None
    for (kind, column, condition), count in zip(checks, counts[1:]):
        if not count:
            continue
        if kind == "cast":
            example = connection.execute(
                f"select {_ident(column.name)} from {text_table}"
                f" where {condition} order by rowid limit 1"
            ).fetchone()
            shown = repr(example[0] if example else "")
            if len(shown) > EXAMPLE_MAX_CHARS:
                shown = shown[: EXAMPLE_MAX_CHARS - 4] + "...'"
            values = "1 value does not cast" if count == 1 else f"{count:,} values do not cast"
            raise LoadError(
                f"{path.name}: column '{column.name}' expects {column.sql_type};"
                f" {values}, e.g. {shown}"
            )
        rows = "1 row has" if count == 1 else f"{count:,} rows have"
        raise LoadError(f"{path.name}: column '{column.name}' must not be null; {rows} no value")
    return int(counts[0])


# --- the swap and the clean-up -------------------------------------------------------------


def _swap_in(connection: duckdb.DuckDBPyConnection, schema: str, tables: list[str]) -> None:
    """Replace the old raw tables by the scratch ones inside one transaction.

    DuckDB 2.0 cannot rename a schema, but dropping and renaming tables inside one
    transaction is atomic: readers see either all old tables or all new ones.
    """
    connection.execute("begin transaction")
    try:
        for name in tables:
            connection.execute(f"drop table if exists {_ident(schema)}.{_ident(name)}")
            connection.execute(f"alter table {_scratch(schema, name)} rename to {_ident(name)}")
        connection.execute("commit")
    except BaseException as error:
        connection.execute("rollback")
        if not isinstance(error, duckdb.Error):
            raise
        raise LoadError(
            f"{schema}: cannot swap the new tables in, the old ones are kept: {_one_line(error)}"
        ) from None


def _clean_up(
    connection: duckdb.DuckDBPyConnection, schema: str, tables: list[str], drop_schema: bool
) -> None:
    """Drop every scratch table (and the schema if this load created it) after a failure.

    Best effort: the error being raised matters more than a clean-up that also fails.
    """
    try:
        for name in tables:
            connection.execute(f"drop table if exists {_scratch(schema, name)}")
        if drop_schema:
            connection.execute(f"drop schema if exists {_ident(schema)}")
    except duckdb.Error:
        pass


# --- small helpers -------------------------------------------------------------------------


def _one_line(error: BaseException) -> str:
    """DuckDB's reason for an error, on one line and without its list of possible fixes.

    DuckDB's CSV errors run over twenty lines (the offending line, fixes, every option);
    the line number and the reason, which sits last before the fixes, are what a user needs.
    """
    lines: list[str] = []
    for line in str(error).splitlines():
        if line.startswith(("Possible fix", "Possible Solution", "  file = ")):
            break
        if line.strip():
            lines.append(line.strip())
    if not lines:
        return type(error).__name__
    first = re.sub(r"^[A-Za-z ]+ Error: ", "", lines[0])
    if first.startswith("CSV Error on Line") and len(lines) > 1:
        first = f"{first}: {lines[-1]}"
    if len(first) > REASON_MAX_CHARS:
        first = first[: REASON_MAX_CHARS - 3] + "..."
    return first


def _column_list(table: RawTable) -> str:
    return ", ".join(_ident(name) for name in table.column_names)


def _scratch(schema: str, table: str) -> str:
    return f"{_ident(schema)}.{_ident(table + SCRATCH_SUFFIX)}"


def _ident(name: str) -> str:
    """A quoted SQL identifier, so a schema or column name is never pasted in raw."""
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    """A quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _quoted_list(names: list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
