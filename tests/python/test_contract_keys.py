"""Contracts' primary keys on DuckDB (macros/engine/duckdb_primary_key_check.sql).

On DuckDB the project builds no index for a contract's key: the build checks the key
with a query in its own transaction (an index declared in the CREATE TABLE held memory no
other query could spill; one added by ALTER TABLE cost seconds at the commit, during which
no other model could commit). These tests hold what the declared key gave: every keyed
mart's rows are unique and not null on its key, and a build whose rows break the key (a
repeated key, a null in it) fails and leaves the table it would have replaced as it was.
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


def test_every_declared_primary_key_holds_on_its_table(scenario_build: ScratchWarehouse) -> None:
    declared = _declared_primary_keys(scenario_build.target_dir / "manifest.json")
    # The marts with keys today (fct_user_milestones, the two versions of
    # fct_user_activation, the decision tables...): a manifest read wrong finds none.
    assert len(declared) >= 10
    broken = {}
    for (schema, table), columns in declared.items():
        key = ", ".join(columns)
        nulls = " or ".join(f"{column} is null" for column in columns)
        offending = scenario_build.scalar(
            f"select count(*) from (select {key} from {schema}.{table} group by {key}"  # noqa: S608
            f" having count(*) > 1 or {nulls}) as offending"
        )
        rows = scenario_build.scalar(f"select count(*) from {schema}.{table}")  # noqa: S608
        if offending or not rows:
            broken[(schema, table)] = (offending, rows)
    assert broken == {}


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

    # (1, 'b') does not repeat (1, 'a'): the key is on both columns, not the first alone.
    warehouse.dbt("run", "--select", "key_probe", KEY_PROBE_SECOND_ID="1")
    assert sorted(warehouse.query("select probe_id, label from marts.key_probe")) == [(1, "a"), (1, "b")]

    # A repeated key, then a null in a key column (a declared key implies NOT NULL, though
    # the probe's columns carry no not_null constraint of their own): each fails the
    # build, named in the message, and the table stays as it was.
    for second_row, named in (("1 as probe_id, 'a' as label", "1, a"), ("2 as probe_id, null as label", "2, null")):
        (project / "models" / "marts" / "key_probe.sql").write_text(
            f"select 1 as probe_id, 'a' as label\nunion all\nselect {second_row}\n"
        )
        result = warehouse.dbt("run", "--select", "key_probe", check=False)
        assert result.returncode != 0
        assert "duplicate key or null" in result.stdout.lower(), result.stdout[-3000:]
        assert f'."key_probe": {named}' in result.stdout, result.stdout[-3000:]
        assert sorted(warehouse.query("select probe_id, label from marts.key_probe")) == [(1, "a"), (1, "b")]

    # An incremental model's later runs insert without the check: a key on one is refused
    # with a message, not left unchecked.
    (project / "models" / "marts" / "key_probe.sql").write_text(
        "{{ config(materialized='incremental', on_schema_change='fail') }}\nselect 1 as probe_id, 'a' as label\n"
    )
    result = warehouse.dbt("run", "--select", "key_probe", "--full-refresh", check=False)
    assert result.returncode != 0
    assert "declares a primary key and is incremental" in result.stdout, result.stdout[-3000:]
