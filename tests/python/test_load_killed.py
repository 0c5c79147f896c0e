"""A load killed outright (SIGKILL) leaves the raw tables as they were, or fully loaded.

As in test_crash_safety.py, the kill lands at a named point, never at a time: the loader's
test hook (ACTIVATION_WAREHOUSE_LOAD_PAUSE_AT, activation_warehouse/load/run.py) makes it
say "load paused at <point>" on stderr and sleep there, and the test kills its process
group on that line. The points:

- checked: every file read into its temporary text table and checked, nothing written;
- written: inside the write transaction, every raw table and the ledger written, not
  committed;
- committed: the transaction committed, the warehouse not closed yet.

For a replace load and an append, killed at each point, the warehouse then opens
(read-only, then read-write: a write-ahead log left by the kill is replayed), holds the
raw tables and the ledger exactly as before the load (checked, written) or exactly as an
uninterrupted load leaves them (committed), holds no other table (no scratch table to be
mistaken for data), and the same load run again behaves as it would have: it loads, or,
for an append that had committed, refuses the repeated events file.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.contract import RAW_TABLES
from activation_warehouse.load import LEDGER_TABLE, PAUSE_VARIABLE, LoadError, load_folder
from activation_warehouse.paths import PROJECT_DIR

from test_load import sample_rows, write_folder
from test_load_append import events_named

POINTS = ("checked", "written", "committed")
#: A load that has not reached its pause point by then never will.
KILL_DEADLINE_SECONDS = 120
#: The ledger's columns but the commit time, which differs between two runs of one load.
LEDGER_COLUMNS = "file_name, table_name, sha256, row_count, mode"


def state(path: Path) -> dict[str, list[tuple]]:
    """Every table in the file, by qualified name, as sorted rows (the ledger's commit time
    left out); read-only, so a write-ahead log is replayed without being written back."""
    with duckdb.connect(str(path), read_only=True) as connection:
        names = connection.execute(
            "select schema_name, table_name from duckdb_tables() where not temporary order by all"
        ).fetchall()
        tables: dict[str, list[tuple]] = {}
        for schema, table in names:
            columns = LEDGER_COLUMNS if table == LEDGER_TABLE else "*"
            rows = connection.execute(f'select {columns} from "{schema}"."{table}"').fetchall()
            tables[f"{schema}.{table}"] = sorted(rows, key=repr)
    return tables


def load_killed_at(point: str, folder: Path, warehouse: Path, *options: str) -> None:
    """Run the load command and SIGKILL its process group when it pauses at `point`."""
    process = subprocess.Popen(
        [sys.executable, "-m", "activation_warehouse", "load", str(folder), "--warehouse", str(warehouse), *options],
        cwd=PROJECT_DIR,
        env={**os.environ, PAUSE_VARIABLE: point, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    watchdog = threading.Timer(KILL_DEADLINE_SECONDS, kill_group, (process.pid,))
    watchdog.start()
    seen: list[str] = []
    assert process.stderr is not None
    try:
        for line in process.stderr:
            seen.append(line)
            if line.strip() == f"load paused at {point}":
                kill_group(process.pid)
                break
        process.stderr.read()
        returncode = process.wait(timeout=60)
    finally:
        kill_group(process.pid)
        watchdog.cancel()
        process.stderr.close()
    assert returncode == -signal.SIGKILL, f"the load ended with {returncode}, not killed at {point}:\n{''.join(seen)}"


def kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The first load's folder, a replacing folder and an appended batch, and the warehouse
    after the first load (every case starts from a copy of it)."""
    root = tmp_path_factory.mktemp("load_killed")
    first = write_folder(root / "first", sample_rows(2))
    replacing = sample_rows(3)
    replacing["users"][0]["role"] = "changed"
    batch = {"events": events_named("e-new-1", "e-new-2"), "users": sample_rows(4)["users"]}
    loaded = root / "loaded.duckdb"
    load_folder(first, loaded, progress=False)
    return {
        "first": first,
        "replace": write_folder(root / "replace", replacing),
        "append": write_folder(root / "append", batch),
        "loaded": loaded,
    }


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("mode", ["replace", "append"])
def test_a_killed_load_leaves_the_raw_tables_as_before_or_fully_loaded(
    tmp_path: Path, folders: dict[str, Path], mode: str, point: str
) -> None:
    options = ["--append"] if mode == "append" else []
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(folders["loaded"], warehouse)
    before = state(warehouse)
    expected_after = tmp_path / "expected.duckdb"
    shutil.copy(folders["loaded"], expected_after)
    load_folder(folders[mode], expected_after, progress=False, append=mode == "append")
    after = state(expected_after)
    assert after != before
    assert set(after) == {f"raw.{name}" for name in [*RAW_TABLES, LEDGER_TABLE]}

    load_killed_at(point, folders[mode], warehouse, *options)

    assert state(warehouse) == (after if point == "committed" else before)
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("checkpoint")
    if mode == "append" and point == "committed":
        with pytest.raises(LoadError, match="already loaded"):
            load_folder(folders[mode], warehouse, progress=False, append=True)
    else:
        load_folder(folders[mode], warehouse, progress=False, append=mode == "append")
    assert state(warehouse) == after


@pytest.mark.parametrize("point", ["checked", "written"])
def test_a_killed_first_load_leaves_an_empty_warehouse(
    tmp_path: Path, folders: dict[str, Path], point: str
) -> None:
    warehouse = tmp_path / "warehouse.duckdb"

    load_killed_at(point, folders["first"], warehouse)

    assert state(warehouse) == {}
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        schemas = connection.execute("select schema_name from information_schema.schemata").fetchall()
    assert ("raw",) not in schemas
