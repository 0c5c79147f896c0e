"""What a finished build holds, printed for the person who just ran it."""

from __future__ import annotations

from pathlib import Path

from activation_warehouse.warehouse_lock import open_warehouse

#: The tables worth a count after a build, with the schema they live in.
SUMMARY_TABLES: tuple[str, ...] = (
    "raw.events",
    "marts.fct_events",
    "marts.event_quarantine",
    "marts.event_duplicates",
)


def table_counts(warehouse: Path, tables: tuple[str, ...] = SUMMARY_TABLES) -> dict[str, int | None]:
    """Row counts of the given tables (None for a table the build has not made)."""
    counts: dict[str, int | None] = {}
    with open_warehouse(warehouse, read_only=True) as connection:
        existing = {
            f"{schema}.{name}"
            for schema, name in connection.execute(
                "select table_schema, table_name from information_schema.tables"
            ).fetchall()
        }
        for table in tables:
            counts[table] = (
                connection.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608 - fixed names
                if table in existing
                else None
            )
    return counts


def describe_build(warehouse: Path) -> str:
    """A short text: where the warehouse is, what it holds, and how to query it."""
    lines = [f"Warehouse: {warehouse}"]
    for table, count in table_counts(warehouse).items():
        lines.append(f"  {table:<28} {'not built' if count is None else f'{count:,} rows'}")
    lines += [
        "Query it (while no build runs; DuckDB allows one writer):",
        f"  .venv/bin/python -c \"import duckdb; print(duckdb.connect('{warehouse}', read_only=True)"
        ".sql('select event_name, count(*) from marts.fct_events group by all order by 2 desc'))\"",
    ]
    return "\n".join(lines)
