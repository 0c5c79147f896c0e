"""An incremental model's table has the columns the model writes, or the run says how to repair it.

An incremental run adds rows to the table an earlier run built. When a new version of the
project changes an incremental model's columns (int_events__sessionized lost `user_id` and
`anonymous_id` on 2026-12-06), the table a warehouse still holds has the old ones, and the
model's SQL failed deep inside (its tombstones take the table's columns) with DuckDB's
"Set operations can only apply to expressions with the same number of result columns".
The materialization (macro assert_table_has_the_model_columns) compares the table with the
columns the model's YAML documents and stops with the command that repairs it; that is only
sound while every incremental model documents exactly the columns it builds, which the
first test holds.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb

from conftest import ScratchWarehouse

INCREMENTAL = {"fingerprinted_incremental", "incremental"}


def test_every_incremental_model_documents_exactly_the_columns_it_builds(scenario_build: ScratchWarehouse) -> None:
    manifest = json.loads((scenario_build.target_dir / "manifest.json").read_text(encoding="utf-8"))
    models = [
        node for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] in INCREMENTAL
    ]
    assert {model["name"] for model in models} >= {"int_events__classified", "int_events__sessionized", "fct_events"}
    differences = {}
    for model in models:
        built = scenario_build.query(
            "select lower(column_name) from duckdb_columns() "  # noqa: S608 (names from dbt's manifest)
            f"where schema_name = '{model['schema']}' and table_name = '{model['alias']}' order by column_index"
        )
        documented = [name.lower() for name in model["columns"]]
        if [row[0] for row in built] != documented:
            differences[model["name"]] = ([row[0] for row in built], documented)
    assert differences == {}


def test_a_table_built_with_other_columns_stops_the_run_with_its_repair(
    scenario_build: ScratchWarehouse, tmp_path: Path
) -> None:
    """A table as an earlier version built it (a column the model no longer writes), whose
    fingerprint record is gone as after a code change: the run stops naming the column and
    the command; a full refresh of the model repairs it, and the next run passes."""
    folder = tmp_path / "warehouse"
    shutil.copytree(scenario_build.path.parent, folder)
    warehouse = ScratchWarehouse.in_folder(folder)
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute("alter table intermediate.int_events__sessionized add column anonymous_id varchar")
        connection.execute(
            "delete from history.table_fingerprints where relation_name like '%int_events__sessionized%'"
        )
    # (int_run_window too: an incremental model reads this invocation's run window.)
    selected = ("--select", "int_run_window", "int_events__sessionized")
    stopped = warehouse.dbt("run", *selected, check=False)
    assert stopped.returncode != 0
    output = " ".join(stopped.stdout.split())
    assert "no longer writes anonymous_id" in output, output[-2000:]
    assert "dbt build --full-refresh --select int_events__sessionized+" in output

    warehouse.dbt("run", "--full-refresh", *selected)
    warehouse.dbt("run", *selected)
    columns = {row[0] for row in warehouse.query(
        "select column_name from duckdb_columns() where table_name = 'int_events__sessionized'"
    )}
    assert "anonymous_id" not in columns
