"""Resource bounds: DuckDB's memory limit and spill folder come from the environment, and a
build under a deliberately small limit spills to disk instead of failing or being killed.

The profile reads ACTIVATION_WAREHOUSE_MEMORY_LIMIT (default 3GB: the bound a 10M build and a
100M run were measured under, docs/performance.md "Memory") and ACTIVATION_WAREHOUSE_TEMP_DIR (default
beside the warehouse file: `<file>.tmp`), both set once when the database opens (profiles.yml says why). The
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


def test_a_query_that_spills_works_from_any_working_folder_by_default(
    scratch_warehouse: ScratchWarehouse, tmp_path: Path
) -> None:
    """A sort of three million rows under a 64MB limit must spill. Run from a working folder
    with no `target/`, another target path and no spill folder named, as a user elsewhere
    would: the profile's default spill folder (beside the warehouse file) must be creatable
    there. The old default, a relative `target/duckdb_tmp`, failed here exactly when the
    data outgrew memory ("Failed to create directory")."""
    elsewhere = tmp_path / "another_working_folder"
    elsewhere.mkdir()
    result = scratch_warehouse.dbt(
        "show", "--inline",
        "select max(position) as rows_sorted from ("
        " select row_number() over (order by md5(cast(i as varchar))) as position from range(3000000) as r(i))",
        "--output", "json",
        cwd=elsewhere, check=False,
        ACTIVATION_WAREHOUSE_MEMORY_LIMIT="64MB", ACTIVATION_WAREHOUSE_TEMP_DIR=None,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert '"rows_sorted": 3000000' in result.stdout
    assert not (elsewhere / "target").exists()


def test_a_build_under_a_small_memory_limit_completes_with_the_same_marts(
    default_demo: tuple[ScratchWarehouse, Path], tmp_path: Path
) -> None:
    """Run as a user elsewhere would: from another working folder, with another target
    path and no spill folder named, so the profile's default spill folder must work there
    (a relative `target/duckdb_tmp` failed at the first spill when no `target/` existed)."""
    roomy, raw = default_demo
    elsewhere = tmp_path / "another_working_folder"
    elsewhere.mkdir()
    tight = ScratchWarehouse(path=tmp_path / "data" / "warehouse.duckdb", target_dir=tmp_path / "build_output")
    load_folder(raw, tight.path, progress=False)
    tight.dbt(
        "build", cwd=elsewhere,
        ACTIVATION_WAREHOUSE_MEMORY_LIMIT=SMALL_LIMIT, ACTIVATION_WAREHOUSE_TEMP_DIR=None,
    )
    assert not (elsewhere / "target").exists()
    assert mart_differences(roomy, tight) == []


def test_the_loader_takes_the_builds_memory_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A load runs under the build's limit: the same variable, and the same default as
    profiles.yml (read from its text, so a change to one that forgets the other fails)."""
    from activation_warehouse.load.run import MEMORY_LIMIT_DEFAULT, MEMORY_LIMIT_VARIABLE, _connect
    from activation_warehouse.paths import PROJECT_DIR

    profile = (PROJECT_DIR / "profiles.yml").read_text()
    assert f"env_var('{MEMORY_LIMIT_VARIABLE}', '{MEMORY_LIMIT_DEFAULT}')" in profile
    monkeypatch.setenv(MEMORY_LIMIT_VARIABLE, "700MB")
    connection = _connect(tmp_path / "w.duckdb")
    # DuckDB reports the limit in binary units: 700 MB is 667.5 MiB.
    assert connection.execute("select current_setting('memory_limit')").fetchone() == ("667.5 MiB",)
    connection.close()
