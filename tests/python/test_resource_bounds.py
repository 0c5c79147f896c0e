"""Resource bounds: DuckDB's memory limit and spill folder come from the environment, and a
build under a deliberately small limit spills to disk instead of failing or being killed.

The profile reads ACTIVATION_WAREHOUSE_MEMORY_LIMIT (default 50% of the machine's RAM, the
share DuckDB advises against the OOM killer) and ACTIVATION_WAREHOUSE_TEMP_DIR (default
target/duckdb_tmp), both set once when the database opens (profiles.yml says why). The
smallest limit that completed the default demo when measured is in the README,
"Settings"; the test runs at a limit with headroom above it, so it proves spilling works
without flaking on the margin.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from activation_warehouse.load import load_folder

from conftest import ScratchWarehouse, mart_differences

pytestmark = pytest.mark.dbt

#: Far below what the default demo's widest models hold in memory (they spill).
SMALL_LIMIT = "192MB"


def test_the_profile_takes_memory_and_spill_settings_from_the_environment(
    scratch_warehouse: ScratchWarehouse, tmp_path: Path
) -> None:
    spill = tmp_path / "spill_here"
    result = scratch_warehouse.dbt(
        "show", "--inline",
        "select current_setting('memory_limit') as memory_limit,"
        " current_setting('temp_directory') as temp_directory",
        "--output", "json",
        ACTIVATION_WAREHOUSE_MEMORY_LIMIT="300MB", ACTIVATION_WAREHOUSE_TEMP_DIR=str(spill),
    )
    assert "286.1 MiB" in result.stdout  # 300 MB = 300,000,000 bytes
    assert str(spill) in result.stdout


def test_a_build_under_a_small_memory_limit_completes_with_the_same_marts(
    default_demo: tuple[ScratchWarehouse, Path], tmp_path: Path
) -> None:
    roomy, raw = default_demo
    tight = ScratchWarehouse(path=tmp_path / "warehouse.duckdb", target_dir=tmp_path / "target")
    load_folder(raw, tight.path, progress=False)
    tight.dbt("build", ACTIVATION_WAREHOUSE_MEMORY_LIMIT=SMALL_LIMIT)
    assert mart_differences(roomy, tight) == []
