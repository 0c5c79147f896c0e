"""Reading each file format as text, and the hostile-file checks that only text can see.

Every file column is read as text first, because type guessing damages raw data (a CSV id
``12`` becomes ``12.0``, a JSON ``properties`` object becomes a struct); the contract's
casts come later (cast.py).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb

from activation_warehouse.contract import RawTable
from activation_warehouse.load.common import ident, literal

#: The longest CSV row (and JSON-lines object) the loader reads, in bytes: 64 MiB. DuckDB's
#: own default (2 MB) refuses a row holding one big ``properties`` JSON text with the
#: misleading "Value with unterminated quote found"; 64 MiB holds any event a tracker sends
#: (they cap payloads at a few MB) while bounding the memory one row can take.
MAX_ROW_BYTES = 64 * 1024 * 1024


def select_csv_text(table: RawTable, path: Path, header: list[str]) -> str:
    """A select of the contract's columns of a CSV file, every value as read.

    The dialect is pinned (comma, double quote, a header row, strict) instead of sniffed:
    DuckDB 2.0's sniffer silently reads a file with broken quoting as a one-column or
    quote-less file, and a failed sniff only says "could not detect the dialect". The header
    is read by files.csv_header and the columns handed to DuckDB, so its parser reports the
    real reason and the line. An unquoted empty field is null; a quoted one ("") stays an
    empty string.
    """
    names = [
        name if name in table.column_names else f"column{position}"
        for position, name in enumerate(header)
    ]
    columns = ", ".join(f"{literal(name)}: 'varchar'" for name in names)
    reader = (
        f"read_csv({literal(str(path))}, header = true, auto_detect = false,"
        f" columns = {{{columns}}}, delim = ',', quote = '\"', escape = '\"',"
        " strict_mode = true, allow_quoted_nulls = false, null_padding = false,"
        f" max_line_size = {MAX_ROW_BYTES})"
    )
    return f"select {column_list(table)} from {reader}"


def select_jsonl_text(table: RawTable, path: Path, header: list[str]) -> str:
    """A select of the contract's columns of a JSON-lines file, every value as text.

    Declaring each column 'varchar' (no auto-detection) makes DuckDB keep a string's text
    unquoted and write any other JSON value, an object or array included, as compact JSON
    text: a ``properties`` object becomes its JSON text, the contract's promise. (Numbers
    are re-printed: ``1e3`` becomes ``1000.0``.) A key absent from a line is null there.
    """
    columns = ", ".join(f"{literal(name)}: 'varchar'" for name in table.column_names)
    reader = (
        f"read_json({literal(str(path))}, format = 'newline_delimited', records = true,"
        f" auto_detect = false, columns = {{{columns}}}, maximum_object_size = {MAX_ROW_BYTES})"
    )
    return f"select {column_list(table)} from {reader}"


def select_parquet_text(
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
    types = dict(described)
    expressions = ", ".join(
        f"{_parquet_as_text(ident(name), types[name])} as {ident(name)}"
        for name in table.column_names
    )
    return f"select {expressions} from read_parquet({literal(str(path))})"


def _parquet_as_text(column: str, column_type: str) -> str:
    """The SQL that renders one Parquet column of DuckDB type `column_type` as text."""
    upper = column_type.upper()
    if upper == "TIMESTAMP WITH TIME ZONE":
        return f"regexp_replace(replace(cast({column} as varchar), ' ', 'T'), '\\+00$', 'Z')"
    if upper.startswith(("STRUCT", "MAP", "UNION")) or upper.endswith("]"):
        return f"cast(to_json({column}) as varchar)"
    return f"cast({column} as varchar)"


def select_text(
    connection: duckdb.DuckDBPyConnection, table: RawTable, path: Path, header: list[str]
) -> str:
    """The select reading `path` as text, whatever its format."""
    if path.suffix == ".parquet":
        return select_parquet_text(connection, table, path)
    readers: dict[str, Callable[[RawTable, Path, list[str]], str]] = {
        ".csv": select_csv_text,
        ".jsonl": select_jsonl_text,
    }
    return readers[path.suffix](table, path, header)


def nul_problems(
    connection: duckdb.DuckDBPyConnection, table: RawTable, path: Path, text_table: str
) -> list[str]:
    """A line per column of a CSV file holding a NUL byte, naming its first row.

    A NUL in a CSV is never data: it is the mark of a UTF-16 export or a binary file read
    as text, whose every value would load as garbage. (A JSON-lines file's ``\\u0000`` is
    an escape someone wrote on purpose, carried like any other character.) Rows count from
    1 after the header; the text table keeps the file's order.
    """
    checks = [f"strpos({ident(name)}, chr(0)) > 0" for name in table.column_names]
    parts = ", ".join(
        f"count(*) filter (where {check}), min(rowid) filter (where {check})" for check in checks
    )
    found = connection.execute(f"select {parts} from {text_table}").fetchone()
    assert found is not None
    problems: list[str] = []
    for index, name in enumerate(table.column_names):
        count, first = found[2 * index], found[2 * index + 1]
        if count:
            also = "" if count == 1 else f" ({count:,} rows in all)"
            problems.append(
                f"{path.name}: row {first + 1:,}, column '{name}' holds a NUL byte{also};"
                " a UTF-16 or binary file? Save it as UTF-8 text"
            )
    return problems


def long_row_problem(path: Path, header: list[str], limit: int | None = None) -> str | None:
    """The real cause of a CSV read failure when one row is longer than `limit`, or None.

    DuckDB's reader stops at a row over its bound with a message about quoting or line size
    that hides which value is long; Python's csv module (no bound) finds the row and its
    length. Rows count from 1 after the header. Only run after a failed read.
    """
    limit = MAX_ROW_BYTES if limit is None else limit
    csv.field_size_limit(sys.maxsize)
    try:
        with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
            reader = csv.reader(handle)
            next(reader, None)
            for number, record in enumerate(reader, start=1):
                size = sum(len(value.encode("utf-8")) for value in record) + len(record)
                if size > limit:
                    longest = max(range(len(record)), key=lambda i: len(record[i]))
                    name = header[longest] if longest < len(header) else f"number {longest + 1}"
                    return (
                        f"{path.name}: row {number:,} is {size:,} bytes long (column '{name}'"
                        f" alone {len(record[longest].encode('utf-8')):,}),"
                        f" over the loader's limit of {limit:,} bytes for one CSV row;"
                        " split the value or load the table from Parquet"
                    )
    except (csv.Error, OSError):
        return None
    return None


def column_list(table: RawTable) -> str:
    return ", ".join(ident(name) for name in table.column_names)
