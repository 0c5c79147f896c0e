"""What the engine tests share: which engines to leave out, how many marts there are, and
the comparison of every mart of a DuckDB build with another engine's copy.

The PostgreSQL tests (test_engines_postgres.py) and the Spark tests (test_engines_spark.py)
live in two files so that `pytest -n 2 --dist loadfile` runs them on two workers at once
instead of holding one worker for both engines' minutes.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

from activation_warehouse.dev.engine_compare import compare_rows, mart_relations, read_duckdb_table
from activation_warehouse.paths import PROJECT_DIR

from conftest import ScratchWarehouse

#: Engines left out on purpose (ACTIVATION_WAREHOUSE_SKIP_ENGINES=postgres,spark); a missing
#: engine otherwise fails its tests, never skips them.
SKIPPED = {name.strip() for name in os.environ.get("ACTIVATION_WAREHOUSE_SKIP_ENGINES", "").split(",")}
#: Every mart is compared: one relation per model file anywhere under models/marts (counted
#: from the files, recursively, so marts kept in subfolders count too: a second route to the
#: manifest's list that the comparison walks).
MART_COUNT = len(list((PROJECT_DIR / "models" / "marts").rglob("*.sql")))

#: Reads one table of the other engine: (schema, table, columns) -> rows.
TableReader = Callable[[str, str, list[str]], list[tuple]]


def skip_if_asked(engine: str) -> None:
    """Skip the calling test when the developer left `engine` out by the variable."""
    if engine in SKIPPED:
        pytest.skip(f"{engine} left out by ACTIVATION_WAREHOUSE_SKIP_ENGINES")


def compare_marts(duckdb_build: ScratchWarehouse, read: TableReader, engine: str) -> tuple[int, list[str]]:
    """Compare every mart of the DuckDB build with `read(schema, table, columns)`: the number
    of marts compared and one line per difference (none when the engines agree)."""
    relations = mart_relations(duckdb_build.target_dir / "manifest.json")
    problems: list[str] = []
    for schema, table in relations:
        columns, expected = read_duckdb_table(duckdb_build.path, schema, table)
        actual = read(schema, table, columns)
        problems += [f"{engine} {schema}.{table}: {line}" for line in compare_rows(columns, expected, actual)]
    return len(relations), problems
