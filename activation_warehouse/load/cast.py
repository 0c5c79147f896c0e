"""Casting text by the raw contract, and finding every value that does not cast.

Text columns are stored exactly as read: judging them is the staging layer's job, and the
loader must never drop or "fix" what staging is there to count.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from activation_warehouse.contract import Column, RawTable
from activation_warehouse.load.common import ident, literal, shown

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


def _value(column: Column) -> str:
    """The column's text with surrounding spaces removed and an empty string read as null."""
    return f"nullif(trim({ident(column.name)}), '')"


def typed_expression(column: Column) -> str:
    """The SQL that casts one text column to its contract type; null where it does not cast.

    Text columns are passed through untouched: the staging layer judges them.
    """
    sql_type = column.sql_type.lower()
    value = _value(column)
    if sql_type in TEXT_TYPES:
        return ident(column.name)
    if sql_type in INTEGER_TYPES:
        return (
            f"case when regexp_full_match({value}, '{INTEGER_PATTERN}')"
            f" then try_cast({value} as {sql_type}) end"
        )
    if sql_type == "boolean":
        cases = " ".join(
            f"when {literal(word)} then {'true' if flag else 'false'}"
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


def typed_select(table: RawTable, text_table: str) -> str:
    """The select of a text table's rows cast to the contract's types."""
    typed = ", ".join(
        f"cast({typed_expression(column)} as {column.sql_type}) as {ident(column.name)}"
        for column in table.columns
    )
    return f"select {typed} from {text_table}"


def _does_not_cast(column: Column) -> str | None:
    """The SQL condition "a value is present but does not cast", or None for text columns."""
    if column.sql_type.lower() in TEXT_TYPES:
        return None
    return f"({_value(column)} is not null and ({typed_expression(column)}) is null)"


def value_problems(
    connection: duckdb.DuckDBPyConnection, table: RawTable, path: Path, text_table: str
) -> tuple[int, list[str]]:
    """The row count, and a line per column holding values that do not cast or forbidden nulls.

    One aggregate pass counts every problem; an example value is fetched only on failure.
    """
    checks: list[tuple[str, Column, str]] = []
    for column in table.columns:
        condition = _does_not_cast(column)
        if condition is not None:
            checks.append(("cast", column, condition))
    for column in table.columns:
        if not column.nullable:
            # A value that is present but does not cast is reported above, not again here.
            absent = ident(column.name) if column.sql_type.lower() in TEXT_TYPES else _value(column)
            checks.append(("null", column, f"({absent} is null)"))
    counts_sql = ", ".join(["count(*)"] + [f"count(*) filter (where {c})" for _, _, c in checks])
    counts = connection.execute(f"select {counts_sql} from {text_table}").fetchone()
    assert counts is not None
    problems: list[str] = []
    for (kind, column, condition), count in zip(checks, counts[1:]):
        if not count:
            continue
        if kind == "cast":
            example = connection.execute(
                f"select {ident(column.name)} from {text_table}"
                f" where {condition} order by rowid limit 1"
            ).fetchone()
            values = "1 value does not cast" if count == 1 else f"{count:,} values do not cast"
            problems.append(
                f"{path.name}: column '{column.name}' expects {column.sql_type};"
                f" {values}, e.g. {shown(example[0] if example else '')}"
            )
        else:
            rows = "1 row has" if count == 1 else f"{count:,} rows have"
            problems.append(
                f"{path.name}: column '{column.name}' must not be null; {rows} no value"
            )
    return int(counts[0]), problems
