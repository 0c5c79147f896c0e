"""Schema drift in the raw tables: what a build does when the raw schema changes under it.

Raw tables are filled by pipelines the project does not own (on other engines, or a
replica's loader), so their schema can drift. The contract (models/staging/*/_*__sources.yml,
each column's data_type) is checked by the on-run-start hook validate_raw_contract: an
extra column is ignored, while a missing table or column, or a column of a type no model
can read, stops `dbt build` before any model with one message naming the table, the
column and what was expected. (A file handed to the loader is checked by the loader
itself, before it reaches the warehouse: test_load.py.)
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.contract import RAW_TABLES
from activation_warehouse.validate.definitions import raw_source_tables
from activation_warehouse.load import load_folder

from conftest import FIXTURES_DIR, ScratchWarehouse, mart_differences

pytestmark = pytest.mark.dbt


@pytest.fixture(scope="module")
def drift_warehouse(tmp_path_factory: pytest.TempPathFactory) -> ScratchWarehouse:
    """One warehouse path and target folder for every drift case: dbt's partial parse then
    survives from case to case (a new path is a new profile, which forces a full parse)."""
    root = tmp_path_factory.mktemp("drift")
    return ScratchWarehouse(path=root / "warehouse.duckdb", target_dir=root / "target")


def _scenario_warehouse(warehouse: ScratchWarehouse) -> ScratchWarehouse:
    """`warehouse` emptied and holding the scenario's raw tables, nothing built yet."""
    for stale in warehouse.path.parent.glob(warehouse.path.name + "*"):
        stale.unlink()
    load_folder(FIXTURES_DIR / "scenario", warehouse.path, progress=False)
    return warehouse


def _alter(warehouse: ScratchWarehouse, *statements: str) -> None:
    with duckdb.connect(str(warehouse.path)) as connection:
        for statement in statements:
            connection.execute(statement)


def _relations_built(warehouse: ScratchWarehouse) -> list[str]:
    """Every table or view outside the raw schema: what a stopped build must not have made."""
    return [
        f"{schema}.{name}"
        for schema, name in warehouse.query(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema != 'raw'"
        )
    ]


def test_an_extra_raw_column_is_ignored(scenario_build: ScratchWarehouse, tmp_path: Path) -> None:
    """New columns in every raw table change no mart: staging selects what it reads by name."""
    warehouse = ScratchWarehouse(path=tmp_path / "warehouse.duckdb", target_dir=tmp_path / "target")
    shutil.copy(scenario_build.path, warehouse.path)
    _alter(warehouse, *(
        f"alter table raw.{table} add column added_by_the_pipeline varchar default 'surprise'"
        for table in ("events", "accounts", "users", "data_source_connections", "flag_exposures")
    ))
    warehouse.dbt("run", "--full-refresh")
    assert mart_differences(scenario_build, warehouse) == []


@pytest.mark.parametrize(
    ("drift", "message"),
    [
        pytest.param(
            "alter table raw.users drop column role",
            "raw.users: missing column role (expected text)",
            id="a-missing-column",
        ),
        pytest.param(
            "alter table raw.events drop column received_at",
            "raw.events: missing column received_at (expected timestamp)",
            id="a-missing-required-timestamp",
        ),
        pytest.param(
            "create or replace table raw.accounts as"
            " select * replace (employee_count > 100 as employee_count) from raw.accounts",
            "raw.accounts.employee_count: found type BOOLEAN, expected integer",
            id="a-boolean-where-an-integer-belongs",
        ),
        pytest.param(
            "create or replace table raw.events as"
            " select * replace (epoch(received_at) as received_at) from raw.events",
            "raw.events.received_at: found type DOUBLE, expected timestamp",
            id="epoch-seconds-where-a-timestamp-belongs",
        ),
        pytest.param(
            "create or replace table raw.data_source_connections as"
            " select * replace (cast(connected_at as timestamptz) as connected_at)"
            " from raw.data_source_connections",
            "raw.data_source_connections.connected_at: found type TIMESTAMP WITH TIME ZONE,"
            " expected timestamp",
            id="a-time-zone-aware-timestamp",
        ),
        pytest.param(
            "drop table raw.flag_exposures",
            "raw.flag_exposures: the table does not exist (expected columns exposure_id,"
            " user_id, flag_key, variant, exposed_at)",
            id="a-missing-table",
        ),
    ],
)
def test_drift_stops_the_build_at_the_start_naming_table_and_column(
    drift_warehouse: ScratchWarehouse, drift: str, message: str
) -> None:
    warehouse = _scenario_warehouse(drift_warehouse)
    _alter(warehouse, drift)
    result = warehouse.dbt("build", check=False)
    assert result.returncode != 0
    assert "The raw tables do not meet the raw data contract" in result.stdout
    assert message in result.stdout
    # Stopped before anything: no seed, model or test ran, nothing was created.
    assert " START sql" not in result.stdout and " START seed" not in result.stdout
    assert _relations_built(warehouse) == []


def test_every_problem_is_named_in_the_one_message(drift_warehouse: ScratchWarehouse) -> None:
    """Several drifts at once are reported together, so one fix-and-rerun cycle suffices."""
    warehouse = _scenario_warehouse(drift_warehouse)
    _alter(
        warehouse,
        "alter table raw.users drop column email",
        "alter table raw.events drop column properties",
    )
    result = warehouse.dbt("build", check=False)
    assert result.returncode != 0
    assert "raw.events: missing column properties (expected text)" in result.stdout
    assert "raw.users: missing column email (expected text)" in result.stdout


def test_the_sources_and_the_loader_read_one_contract() -> None:
    """The hook checks the sources' YAML and the loader checks contract.py: both must say the
    same columns in the same type families, or a file the loader accepts stops the build."""
    families = {"varchar": "text", "timestamp": "timestamp", "integer": "integer", "boolean": "boolean"}
    raw_tables = raw_source_tables()
    declared = {
        table["name"]: [(column["name"], column["data_type"]) for column in table["columns"]]
        for table in raw_tables
    }
    expected = {
        name: [(column.name, families[column.sql_type]) for column in table.columns]
        for name, table in RAW_TABLES.items()
    }
    assert declared == expected
    # Which tables may be empty or absent: the loader's contract and the sources' meta
    # (read by dq_source_freshness) must agree too.
    declared_required = {
        table["name"]: table.get("config", {}).get("meta", {}).get("required", True) for table in raw_tables
    }
    assert declared_required == {name: table.required for name, table in RAW_TABLES.items()}
    assert declared_required == {
        "events": True, "accounts": True, "users": True, "data_source_connections": False, "flag_exposures": False,
    }
