"""Contracts' primary keys on DuckDB (macros/engine/duckdb_primary_key_after_insert.sql).

The project adds each key with ALTER TABLE after the insert instead of declaring it in the
CREATE TABLE (an index built key by key through a large insert held memory no other query
could spill). These tests hold what the declared key gave: every key a contract declares
is on its table, and a build whose rows break the key fails and leaves the table it would
have replaced, rows and key, as it was.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import ScratchWarehouse, project_copy

pytestmark = pytest.mark.dbt


def _declared_primary_keys(manifest_path: Path) -> dict[tuple[str, str], list[str]]:
    """(schema, alias) → primary key columns of every model with an enforced contract
    that declares one, as a model constraint or on a column."""
    manifest = json.loads(manifest_path.read_text())
    keys: dict[tuple[str, str], list[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or not node["config"]["contract"]["enforced"]:
            continue
        columns = [
            column
            for constraint in node["constraints"] if constraint["type"] == "primary_key"
            for column in constraint["columns"]
        ] + [
            name
            for name, column in node["columns"].items()
            if any(constraint["type"] == "primary_key" for constraint in column["constraints"])
        ]
        if columns:
            keys[(node["schema"], node["alias"])] = columns
    return keys


def _primary_keys(warehouse: ScratchWarehouse) -> dict[tuple[str, str], list[str]]:
    return {
        (schema, table): list(columns)
        for schema, table, columns in warehouse.query(
            "select schema_name, table_name, constraint_column_names from duckdb_constraints()"
            " where constraint_type = 'PRIMARY KEY'"
        )
    }


def test_every_declared_primary_key_is_on_its_table(scenario_build: ScratchWarehouse) -> None:
    declared = _declared_primary_keys(scenario_build.target_dir / "manifest.json")
    # The marts with keys today (fct_user_milestones, the two versions of
    # fct_user_activation, the decision tables...): a manifest read wrong finds none.
    assert len(declared) >= 10
    built = _primary_keys(scenario_build)
    assert {relation: built.get(relation) for relation in declared} == declared


def test_rows_breaking_the_key_fail_the_build_and_keep_the_table(
    scenario_build: ScratchWarehouse, tmp_path: Path
) -> None:
    """A mart of the project's kind (marts' default materialization, enforced contract,
    a model-level key) whose second row repeats the first's key when asked to."""
    project = project_copy(tmp_path / "project")
    (project / "models" / "marts" / "key_probe.sql").write_text(
        "select 1 as probe_id, 'a' as label\n"
        "union all\n"
        "select {{ env_var('KEY_PROBE_SECOND_ID', '2') }} as probe_id, 'b' as label\n"
    )
    (project / "models" / "marts" / "_key_probe.yml").write_text(
        "models:\n"
        "  - name: key_probe\n"
        "    config:\n"
        "      contract: {enforced: true}\n"
        "    constraints:\n"
        "      - type: primary_key\n"
        "        columns: [probe_id, label]\n"
        "    columns:\n"
        "      - {name: probe_id, data_type: integer}\n"
        "      - {name: label, data_type: varchar}\n"
    )
    warehouse = ScratchWarehouse(tmp_path / "warehouse.duckdb", tmp_path / "target", project)
    shutil.copy(scenario_build.path, warehouse.path)

    warehouse.dbt("run", "--select", "key_probe")
    assert _primary_keys(warehouse)[("marts", "key_probe")] == ["probe_id", "label"]

    # (1, 'b') does not repeat (1, 'a'): the key is on both columns, not the first alone.
    warehouse.dbt("run", "--select", "key_probe", KEY_PROBE_SECOND_ID="1")
    assert sorted(warehouse.query("select probe_id, label from marts.key_probe")) == [(1, "a"), (1, "b")]

    (project / "models" / "marts" / "key_probe.sql").write_text(
        "select 1 as probe_id, 'a' as label\n"
        "union all\n"
        "select 1 as probe_id, 'a' as label\n"
    )
    result = warehouse.dbt("run", "--select", "key_probe", check=False)
    assert result.returncode != 0
    # DuckDB checks a key added in the transaction when it commits; the message names the
    # repeated key either way.
    assert "duplicate key" in result.stdout.lower(), result.stdout[-3000:]
    assert sorted(warehouse.query("select probe_id, label from marts.key_probe")) == [(1, "a"), (1, "b")]
    assert _primary_keys(warehouse)[("marts", "key_probe")] == ["probe_id", "label"]
