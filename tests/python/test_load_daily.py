"""The daily append routine (docs/loading-data.md, "Daily append routine"), end to end.

Day 1: a folder is loaded (replace) and `dbt build` builds everything. Day 2: the next
folder is loaded with `load --append` (the command line, as a scheduler runs it) and an
ordinary, incremental `dbt build` follows. The warehouse must then hold exactly what a
`dbt build --full-refresh` of the same raw data holds, every intermediate table and mart
compared as row sets (test_incremental.snapshot: the bookkeeping column loaded_through
left out). Both builds pass the raw contract check (validate_raw_contract) with the
ledger raw.load_ledger beside the raw tables: it is no contract table.

The two day folders are cut from the scenario (tests/python/data/scenario) at SPLIT_AT, as
test_crash_safety.py cuts it: day 1 holds every raw row dated before it (51 of the 100
events), day 2 the later events and the application tables' whole snapshots (an append
replaces a snapshot table). Written as Parquet, which carries every raw text exactly.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.contract import RAW_TABLES
from activation_warehouse.load import APPENDED_TABLES, load_folder
from activation_warehouse.paths import PROJECT_DIR

from conftest import FIXTURES_DIR, ScratchWarehouse
from test_crash_safety import SPLIT_AT, SPLIT_COLUMNS
from test_incremental import snapshot, table_differences

pytestmark = pytest.mark.dbt

#: Unit tests read their own fixtures, never the raw tables: left out to save a third of
#: each build.
BUILD = ("build", "--exclude", "resource_type:unit_test")
SCHEMAS = ("intermediate", "marts")


def raw_rows(path: Path) -> dict[str, list[tuple]]:
    """Every raw table of the contract as sorted rows."""
    with duckdb.connect(str(path), read_only=True) as connection:
        return {
            name: sorted(connection.execute(f"select * from raw.{name}").fetchall(), key=repr)
            for name in RAW_TABLES
        }


def cut_day_folders(root: Path) -> tuple[Path, Path, Path]:
    """The scenario loaded whole (the reference raw data), and its day-1 and day-2 folders."""
    whole = root / "whole.duckdb"
    load_folder(FIXTURES_DIR / "scenario", whole, progress=False)
    day1, day2 = root / "day1", root / "day2"
    day1.mkdir()
    day2.mkdir()
    with duckdb.connect(str(whole), read_only=True) as connection:
        for name, column in SPLIT_COLUMNS.items():
            connection.execute(
                f"copy (select * from raw.{name} where {column} < ?) to '{day1 / name}.parquet'",
                [SPLIT_AT],
            )
            # Day 2's events are the later ones; its snapshots hold every row.
            later = name in APPENDED_TABLES
            connection.execute(
                f"copy (select * from raw.{name} {f'where {column} >= ?' if later else ''})"
                f" to '{day2 / name}.parquet'",
                [SPLIT_AT] if later else [],
            )
    return whole, day1, day2


def test_an_append_then_an_incremental_build_equals_a_full_refresh(tmp_path: Path) -> None:
    whole, day1, day2 = cut_day_folders(tmp_path)
    daily = ScratchWarehouse.in_folder(tmp_path / "daily")

    report = load_folder(day1, daily.path, progress=False)
    assert 0 < report.rows["events"] < len(raw_rows(whole)["events"])
    daily.dbt(*BUILD)
    appended = subprocess.run(
        [sys.executable, "-m", "activation_warehouse", "load", str(day2), "--append",
         "--quiet", "--warehouse", str(daily.path)],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
    )
    assert appended.returncode == 0, appended.stderr
    # A precondition: day 1 plus the appended day 2 is the scenario's raw data, exactly.
    assert raw_rows(daily.path) == raw_rows(whole)
    daily.dbt(*BUILD)

    refreshed = ScratchWarehouse.in_folder(tmp_path / "refreshed")
    shutil.copy(daily.path, refreshed.path)
    refreshed.dbt(*BUILD, "--full-refresh")

    assert table_differences(snapshot(daily.path, SCHEMAS), snapshot(refreshed.path, SCHEMAS)) == []
