"""Tests of `load --append`, the ledger of loaded files, every problem of a folder reported in
one pass, and hostile files (a NUL byte, a value of megabytes, a row over the bound).

The daily routine with dbt (replace, build, append, incremental build, compared with a
full refresh) lives in test_load_daily.py; killed loads in test_load_killed.py.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from activation_warehouse.contract import RAW_TABLES
from activation_warehouse.load import LEDGER_TABLE, MAX_ROW_BYTES, LoadError, load_folder
from activation_warehouse.paths import PROJECT_DIR

from test_load import query, sample_rows, write_csv, write_folder

LEDGER = f"raw.{LEDGER_TABLE}"


def events_named(*ids: str) -> list[dict[str, object]]:
    """Valid event rows with the given ids (received 2026-03-02 10:00 UTC)."""
    template = sample_rows(1)["events"][0]
    return [{**template, "event_id": event_id, "received_at": "2026-03-02 10:00:00"} for event_id in ids]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "activation_warehouse", "load", *args],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A warehouse after a first (replace) load of 2 rows per raw table."""
    path = tmp_path / "warehouse.duckdb"
    load_folder(write_folder(tmp_path / "day1", sample_rows(2)), path, progress=False)
    return path


# --- append ---------------------------------------------------------------------------------


def test_append_adds_events_replaces_snapshots_and_keeps_tables_without_a_file(
    tmp_path: Path, warehouse: Path
) -> None:
    users = sample_rows(3)["users"]
    folder = write_folder(tmp_path / "day2", {"events": events_named("e-new-1", "e-new-2"), "users": users})

    report = load_folder(folder, warehouse, progress=False, append=True)

    assert report.mode == "append" and report.rows == {"events": 2, "users": 3}
    # 2 events of day 1 and 2 appended; the users snapshot of 3 rows replaces the 2.
    assert query(warehouse, "select event_id from raw.events order by event_id") == [
        ("e-new-1",), ("e-new-2",), ("event_id-0",), ("event_id-1",)
    ]
    assert query(warehouse, "select count(*) from raw.users") == [(3,)]
    for kept in ("accounts", "data_source_connections", "flag_exposures"):
        assert query(warehouse, f"select count(*) from raw.{kept}") == [(2,)]


def test_the_ledger_records_each_file_and_a_replace_starts_it_afresh(
    tmp_path: Path, warehouse: Path
) -> None:
    folder = write_folder(tmp_path / "day2", {"events": events_named("e-new-1")})
    load_folder(folder, warehouse, progress=False, append=True)

    rows = query(warehouse, f"select file_name, table_name, sha256, row_count, mode from {LEDGER}")
    day1 = sorted(f"{name}.csv" for name in RAW_TABLES)
    assert sorted(row[0] for row in rows if row[4] == "replace") == day1
    appended = [row for row in rows if row[4] == "append"]
    digest = hashlib.sha256((folder / "events.csv").read_bytes()).hexdigest()
    assert appended == [("events.csv", "events", digest, 1, "append")]
    assert query(warehouse, f"select count(distinct loaded_at) from {LEDGER}") == [(2,)]

    load_folder(write_folder(tmp_path / "again", sample_rows(1)), warehouse, progress=False)
    assert query(warehouse, f"select count(*), min(mode), max(row_count) from {LEDGER}") == [
        (len(RAW_TABLES), "replace", 1)
    ]


def test_an_events_file_loaded_twice_is_refused_unless_forced(tmp_path: Path, warehouse: Path) -> None:
    folder = write_folder(tmp_path / "day2", {"events": events_named("e-new-1")})
    load_folder(folder, warehouse, progress=False, append=True)
    # A renamed copy holds the same bytes: refused as well.
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "events.csv").write_bytes((folder / "events.csv").read_bytes())

    with pytest.raises(LoadError) as caught:
        load_folder(copy, warehouse, progress=False, append=True)

    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("events.csv was already loaded (append of events.csv at ")
    assert message.endswith("pass --force to append it again")
    assert query(warehouse, "select count(*) from raw.events") == [(3,)]

    load_folder(copy, warehouse, progress=False, append=True, force=True)
    assert query(warehouse, "select count(*) from raw.events where event_id = 'e-new-1'") == [(2,)]


def test_the_first_loads_events_file_appended_again_is_refused(tmp_path: Path, warehouse: Path) -> None:
    with pytest.raises(LoadError, match=r"^events.csv was already loaded \(replace of events.csv"):
        load_folder(tmp_path / "day1", warehouse, progress=False, append=True)
    assert query(warehouse, "select count(*) from raw.events") == [(2,)]


def test_an_unchanged_snapshot_is_replaced_without_complaint(tmp_path: Path, warehouse: Path) -> None:
    folder = tmp_path / "day2"
    folder.mkdir()
    (folder / "users.csv").write_bytes((tmp_path / "day1" / "users.csv").read_bytes())

    report = load_folder(folder, warehouse, progress=False, append=True)

    assert report.rows == {"users": 2}
    assert query(warehouse, "select count(*) from raw.users") == [(2,)]


def test_an_append_to_an_empty_warehouse_needs_a_first_load(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    folder = write_folder(tmp_path / "day2", {"events": events_named("e-1")})

    with pytest.raises(LoadError) as caught:
        load_folder(folder, empty, progress=False, append=True)

    assert caught.value.problems == [
        f"{name}: no file to append and raw.{name} does not exist yet;"
        " load a whole folder first (without --append)"
        for name in ("accounts", "users")
    ]


def test_an_append_of_a_folder_without_raw_files_is_refused(tmp_path: Path, warehouse: Path) -> None:
    (tmp_path / "nothing").mkdir()
    with pytest.raises(LoadError, match="no raw file in .*nothing to append"):
        load_folder(tmp_path / "nothing", warehouse, progress=False, append=True)


def test_the_command_line_appends_and_refuses_a_repeat(tmp_path: Path, warehouse: Path) -> None:
    folder = write_folder(tmp_path / "day2", {"events": events_named("e-new-1", "e-new-2")})

    first = run_cli(str(folder), "--append", "--quiet", "--warehouse", str(warehouse))
    again = run_cli(str(folder), "--append", "--quiet", "--warehouse", str(warehouse))
    forced = run_cli(str(folder), "--append", "--force", "--quiet", "--warehouse", str(warehouse))

    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(f"Appended 2 rows into {warehouse}")
    assert again.returncode == 1
    assert again.stderr.startswith("load failed: events.csv was already loaded")
    assert len(again.stderr.splitlines()) == 1
    assert forced.returncode == 0, forced.stderr
    assert query(warehouse, "select count(*) from raw.events") == [(6,)]


# --- every problem in one pass ----------------------------------------------------------------


def test_every_problem_of_a_folder_is_reported_in_one_pass(tmp_path: Path, warehouse: Path) -> None:
    tables = sample_rows(2)
    del tables["accounts"]  # a missing required file
    for row in tables["events"]:
        del row["occurred_at"]  # a missing column
    tables["flag_exposures"][1]["exposed_at"] = "soon"  # a bad type
    tables["users"] = [
        {("acount_id" if key == "account_id" else key): value for key, value in row.items()}
        for row in tables["users"]
    ]  # a header typo
    folder = write_folder(tmp_path / "bad", tables)
    before = {name: query(warehouse, f"select * from raw.{name}") for name in [*RAW_TABLES, LEDGER_TABLE]}

    with pytest.raises(LoadError) as caught:
        load_folder(folder, warehouse, progress=False)

    expected_events = ", ".join(RAW_TABLES["events"].column_names)
    assert caught.value.problems == [
        f"accounts: no file accounts.parquet, accounts.csv or accounts.jsonl in {folder}",
        f"events.csv: missing column 'occurred_at' (expected: {expected_events})",
        "column 'acount_id' in users.csv is not in the contract; did you mean 'account_id'?",
        "flag_exposures.csv: column 'exposed_at' expects timestamp; 1 value does not cast, e.g. 'soon'",
    ]
    assert str(caught.value).splitlines()[0] == "4 problems, nothing was loaded:"
    for name, rows in before.items():
        assert query(warehouse, f"select * from raw.{name}") == rows


def test_the_command_line_prints_every_problem_and_exits_non_zero(tmp_path: Path, warehouse: Path) -> None:
    tables = sample_rows(2)
    tables["accounts"][0]["employee_count"] = "many"
    tables["users"][1]["created_at"] = "later"
    folder = write_folder(tmp_path / "bad", tables)

    result = run_cli(str(folder), "--quiet", "--warehouse", str(warehouse))

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "load failed: 2 problems, nothing was loaded:",
        "  - accounts.csv: column 'employee_count' expects integer; 1 value does not cast, e.g. 'many'",
        "  - users.csv: column 'created_at' expects timestamp; 1 value does not cast, e.g. 'later'",
    ]


def test_an_unrelated_extra_column_is_no_near_miss(tmp_path: Path, warehouse: Path) -> None:
    tables = sample_rows(2)
    for row in tables["users"]:
        del row["role"]
        row["notes"] = "x"
    folder = write_folder(tmp_path / "bad", tables)

    with pytest.raises(LoadError) as caught:
        load_folder(folder, warehouse, progress=False)

    assert caught.value.problems == [
        f"users.csv: missing column 'role' (expected: {', '.join(RAW_TABLES['users'].column_names)})"
    ]


# --- hostile files ---------------------------------------------------------------------------


def test_a_nul_byte_in_a_csv_value_is_refused_naming_file_row_and_column(
    tmp_path: Path, warehouse: Path
) -> None:
    tables = sample_rows(3)
    tables["events"][1]["properties"] = '{"a": "x\x00y"}'
    tables["events"][2]["properties"] = "\x00"
    folder = write_folder(tmp_path / "bad", tables)

    with pytest.raises(LoadError) as caught:
        load_folder(folder, warehouse, progress=False)

    assert caught.value.problems == [
        "events.csv: row 2, column 'properties' holds a NUL byte (2 rows in all);"
        " a UTF-16 or binary file? Save it as UTF-8 text"
    ]
    assert query(warehouse, "select count(*) from raw.events") == [(2,)]


def test_a_property_of_megabytes_loads_whole(tmp_path: Path, warehouse: Path) -> None:
    """3 MB of JSON text in one CSV value: over DuckDB's default 2 MB row, which used to fail
    with "Value with unterminated quote found"."""
    tables = sample_rows(2)
    big = '{"blob": "' + "x" * 3_000_000 + '"}'
    tables["events"][0]["properties"] = big
    folder = write_folder(tmp_path / "big", tables)

    load_folder(folder, warehouse, progress=False)

    assert query(warehouse, "select length(properties) from raw.events where event_id = 'event_id-0'") == [
        (len(big),)
    ]


def test_a_csv_row_over_the_bound_is_refused_with_its_row_and_length(tmp_path: Path, warehouse: Path) -> None:
    tables = sample_rows(2)
    events = tables.pop("events")
    folder = write_folder(tmp_path / "huge", tables)
    value = "x" * (MAX_ROW_BYTES + 10)
    events[1]["properties"] = value
    write_csv(folder / "events.csv", events)
    # The row's bytes as the loader counts them: every value's UTF-8 bytes plus one
    # separator per value (the quotes around a value are not counted).
    size = sum(len(str(v).encode()) for v in events[1].values()) + len(events[1])

    with pytest.raises(LoadError) as caught:
        load_folder(folder, warehouse, progress=False)

    assert caught.value.problems == [
        f"events.csv: row 2 is {size:,} bytes long (column 'properties' alone {len(value):,}),"
        f" over the loader's limit of {MAX_ROW_BYTES:,} bytes for one CSV row;"
        " split the value or load the table from Parquet"
    ]
