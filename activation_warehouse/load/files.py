"""The folder and its files: which file holds which raw table, its columns, its content hash.

Everything here runs before any row is read, so problems of the folder as a whole (a
missing file, a misspelt header) are found cheaply and all at once.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
from pathlib import Path

import duckdb

from activation_warehouse.contract import FILE_FORMATS, RAW_TABLES, RawTable
from activation_warehouse.load.common import LoadError, and_list, one_line, or_list, quoted_list

#: How close a header name must be to a missing contract column to be named as its likely
#: misspelling (difflib's ratio): 'acount_id' against 'account_id' is 0.95, while
#: unrelated extra columns ('notes' against 'role') stay well below.
NEAR_MISS_CUTOFF = 0.8


def find_files(folder: Path, append: bool = False) -> tuple[dict[str, Path | None], list[str]]:
    """The one file of each raw table in `folder`, and every problem of the folder.

    Two files for one table are refused rather than guessed between, since either guess
    could load stale data. A table without a file maps to None: an optional table
    (contract.py) is then loaded empty, and on an append any table keeps what it holds.
    """
    if not folder.is_dir():
        raise LoadError(f"no folder {folder}")
    files: dict[str, Path | None] = {}
    problems: list[str] = []
    for table in RAW_TABLES:
        found = [
            folder / f"{table}{ending}"
            for ending in FILE_FORMATS
            if (folder / f"{table}{ending}").is_file()
        ]
        names = [f"{table}{ending}" for ending in FILE_FORMATS]
        files[table] = found[0] if len(found) == 1 else None
        if not found and RAW_TABLES[table].required and not append:
            problems.append(f"{table}: no file {or_list(names)} in {folder}")
        if len(found) > 1:
            problems.append(
                f"{table}: ambiguous, found {and_list([path.name for path in found])}"
                f" in {folder}; keep one"
            )
    if append and not problems and not any(files.values()):
        problems.append(f"no raw file in {folder} (expected e.g. events.csv); nothing to append")
    return files, problems


def file_columns(connection: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """The column names a file offers, read without reading its rows (JSON-lines: its keys).

    Raises duckdb.Error or LoadError when the file cannot be read at all.
    """
    if path.suffix == ".csv":
        return csv_header(path)
    if path.suffix == ".jsonl":
        keys = connection.execute(
            "select distinct unnest(json_keys(json)) from read_ndjson_objects(?)", [str(path)]
        ).fetchall()
        return [key for (key,) in keys]
    described = connection.execute(
        "select column_name from (describe select * from read_parquet(?))", [str(path)]
    ).fetchall()
    return [name for (name,) in described]


def csv_header(path: Path) -> list[str]:
    """The column names of a CSV file's first record, stripped of spaces and a byte-order mark."""
    try:
        with open(path, newline="", encoding="utf-8-sig", errors="replace") as handle:
            header = next(csv.reader(handle, strict=True), None)
    except (csv.Error, OSError) as error:
        raise LoadError(f"{path.name}: cannot read the header row: {one_line(error)}") from None
    if not header:
        raise LoadError(f"{path.name}: empty file, expected a header row")
    return [name.strip() for name in header]


def column_problems(table: RawTable, path: Path, available: list[str]) -> list[str]:
    """Every problem of a file's columns: missing, misspelt or repeated ones.

    Extra columns are simply not read, unless one is a near miss of a missing contract
    column: then the user most likely misspelt it, and naming both saves a search.
    """
    missing = [name for name in table.column_names if name not in set(available)]
    if len(missing) == len(table.column_names):
        # Likely not this format at all (a binary file, another delimiter): say so.
        return [
            f"{path.name}: none of the expected columns found"
            f" (expected: {', '.join(table.column_names)}); is it the right format?"
        ]
    problems: list[str] = []
    extra = [name for name in available if name not in table.column_names]
    for name in extra:
        close = difflib.get_close_matches(name, missing, n=1, cutoff=NEAR_MISS_CUTOFF)
        if close:
            problems.append(
                f"column '{name}' in {path.name} is not in the contract; did you mean '{close[0]}'?"
            )
            missing.remove(close[0])
    if missing:
        noun = "column" if len(missing) == 1 else "columns"
        problems.append(
            f"{path.name}: missing {noun} {quoted_list(missing)}"
            f" (expected: {', '.join(table.column_names)})"
        )
    repeated = [name for name in table.column_names if available.count(name) > 1]
    if repeated and path.suffix == ".csv":
        problems.append(f"{path.name}: column {quoted_list(repeated)} appears more than once")
    return problems


def sha256(path: Path) -> str:
    """The file's SHA-256, read in blocks so a file of gigabytes needs no memory for it."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
