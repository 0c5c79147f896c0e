"""A model's column_compression config decides how DuckDB stores the columns it names.

DuckDB's own choice for strings (DICT_FSST) costs the most and saves the least on a column
of unique ids: the event models store event_id in zstd, which is cheaper to write and
smaller (macros/engine/duckdb_column_compression.sql, docs/performance.md). The method can
only be given in a CREATE TABLE's column list, so a model that names one is created from
a column list and one insert, or, with an enforced contract, through the contract's own
column list. These tests hold that the config reaches the storage on both paths and that a
config naming a column the model does not return, or an unknown method, stops the model.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import ScratchWarehouse, project_copy


def _stored_compressions(warehouse: ScratchWarehouse, relation: str, column: str) -> set[str]:
    """Every compression DuckDB used for the values of `column` in `relation` (schema.table)."""
    rows = warehouse.query(
        f"select distinct lower(compression) from pragma_storage_info('{relation}') "  # noqa: S608 (manifest names)
        f"where column_name = '{column}' and segment_type != 'VALIDITY'"
    )
    return {row[0] for row in rows}


def test_every_named_column_is_stored_with_its_method(scenario_build: ScratchWarehouse) -> None:
    """Through both paths: the event models (a column list from the query) and fct_events
    (an enforced contract); a string column not named keeps DuckDB's own choice."""
    manifest = json.loads((scenario_build.target_dir / "manifest.json").read_text(encoding="utf-8"))
    named = {
        node["name"]: (f"{node['schema']}.{node['alias']}", node["config"]["column_compression"],
                       node["config"]["contract"]["enforced"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("column_compression")
    }
    assert set(named) == {"int_events__classified", "int_events__resolved", "int_events__sessionized", "fct_events"}
    assert named["fct_events"][2] and not named["int_events__resolved"][2]
    for name, (relation, compression, _) in named.items():
        for column, method in compression.items():
            assert _stored_compressions(scenario_build, relation, column) == {method}, name
    assert "zstd" not in _stored_compressions(scenario_build, named["fct_events"][0], "event_name")


def test_a_column_not_returned_or_an_unknown_method_stops_the_model(
    scenario_build: ScratchWarehouse, tmp_path: Path
) -> None:
    """Six models of a project copy on a copy of the scenario's warehouse, on both paths:
    without a contract, one whose config is right (its integer column stored uncompressed,
    as named), one naming a column it does not return, one naming a method DuckDB has not,
    one also given sorted_by (DuckLake's config, which dbt-duckdb drops with a warning for
    DuckDB's own tables, so the compression holds; on DuckLake the two stop the model, a
    path this machine cannot reach, having no DuckLake extension); with an enforced
    contract, one right and one naming a column its contract does not list."""
    project = project_copy(tmp_path / "project")
    probes = {
        "compression_probe_kept": ("{'id': 'uncompressed', 'name': 'zstd'}", "", "ok"),
        "compression_probe_missing": ("{'missing': 'zstd'}", "", "names column missing, which the model does not return"),
        "compression_probe_unknown": ("{'name': 'gzip'}", "", "names 'gzip' for column name"),
        "compression_probe_sorted": ("{'name': 'zstd'}", ", sorted_by='id'", "ok"),
        "compression_probe_contract_kept": ("{'name': 'zstd'}", ", contract={'enforced': true}", "ok"),
        "compression_probe_contract_missing": (
            "{'missing': 'zstd'}", ", contract={'enforced': true}",
            "names column missing, which the model does not return (its contract lists id, name)",
        ),
    }
    for model, (compression, more_config, _) in probes.items():
        (project / "models" / f"{model}.sql").write_text(
            f"{{{{ config(materialized='table', column_compression={compression}{more_config}) }}}}\n"
            "select range as id, 'name ' || range as name from range(3000)\n",
            encoding="utf-8",
        )
    contracted = [model for model, (_, more_config, _) in probes.items() if "contract" in more_config]
    (project / "models" / "_compression_probes.yml").write_text(
        "version: 2\nmodels:\n" + "".join(
            f"  - name: {model}\n    columns:\n"
            "      - name: id\n        data_type: bigint\n"
            "      - name: name\n        data_type: varchar\n"
            for model in contracted
        ),
        encoding="utf-8",
    )
    folder = tmp_path / "warehouse"
    shutil.copytree(scenario_build.path.parent, folder)
    warehouse = ScratchWarehouse(path=folder / "warehouse.duckdb", target_dir=folder / "target", project_dir=project)
    result = warehouse.dbt("run", "--select", *probes, check=False)
    assert result.returncode != 0
    output = " ".join(result.stdout.split())
    for model, (_, _, expected) in probes.items():
        if expected == "ok":
            continue
        assert f"Model {model}: column_compression {expected}" in output, output[-3000:]
    assert _stored_compressions(warehouse, "main.compression_probe_kept", "id") == {"uncompressed"}
    assert "sorted_by/sort_by is only supported for DuckLake relations" in output
    for kept in ("compression_probe_kept", "compression_probe_sorted", "compression_probe_contract_kept"):
        assert _stored_compressions(warehouse, f"main.{kept}", "name") == {"zstd"}, kept
        assert warehouse.scalar(f"select count(*) from main.{kept}") == 3000  # noqa: S608 (a probe's name)
