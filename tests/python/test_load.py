"""Tests of the raw-file loader: each format read as text and cast by the contract, every
error one line naming its file, and a failed load leaving the old raw data untouched."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from activation_warehouse.contract import RAW_TABLES
from activation_warehouse.load import LEDGER_TABLE, LoadError, LoadReport, load_folder

Rows = list[dict[str, Any]]


# --- fixture data, derived from the contract so the tests follow it ----------------------


def sample_value(sql_type: str, column: str, index: int) -> Any:
    """A valid value of one contract column, as a file would hold it."""
    if sql_type == "integer":
        return 10 + index
    if sql_type == "boolean":
        return index % 2 == 0
    if sql_type == "timestamp":
        return f"2026-03-0{index + 1} 09:15:00"
    return f"{column}-{index}"


def sample_rows(count: int = 2) -> dict[str, Rows]:
    """`count` valid rows for every raw table."""
    return {
        name: [
            {c.name: sample_value(c.sql_type, c.name, i) for c in table.columns}
            for i in range(count)
        ]
        for name, table in RAW_TABLES.items()
    }


def as_text(value: Any) -> str:
    """How a CSV writer would spell a value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def write_csv(path: Path, rows: Rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({key: as_text(value) for key, value in row.items()} for row in rows)


def write_jsonl(path: Path, rows: Rows) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in rows)


def write_parquet(path: Path, rows: Rows) -> None:
    pq.write_table(pa.Table.from_pylist(rows), path)


WRITERS: dict[str, Callable[[Path, Rows], None]] = {
    ".csv": write_csv,
    ".jsonl": write_jsonl,
    ".parquet": write_parquet,
}


def write_folder(folder: Path, tables: dict[str, Rows], ending: str = ".csv") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        WRITERS[ending](folder / f"{name}{ending}", rows)
    return folder


def query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def column_types(warehouse: Path, table: str, schema: str = "raw") -> dict[str, str]:
    rows = query(
        warehouse,
        "select column_name, data_type from information_schema.columns"
        f" where table_schema = '{schema}' and table_name = '{table}' order by ordinal_position",
    )
    return dict(rows)


def expect_error(folder: Path, warehouse: Path, file_name: str, *fragments: str) -> str:
    """Load `folder`, expect a LoadError on one line naming `file_name` and each fragment."""
    with pytest.raises(LoadError) as caught:
        load_folder(folder, warehouse, progress=False)
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message, message
    assert file_name in message, message
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


# --- successful loads -----------------------------------------------------------------------


def test_csv_is_read_as_text_and_cast_by_the_contract(tmp_path: Path, warehouse: Path) -> None:
    tables = sample_rows()
    tables["events"][0].update(
        event_id="12", received_at="2026-03-02T09:15:00+02:00", occurred_at="not a time"
    )
    tables["events"][1].update(received_at="2026-03-02T09:15:00.5Z", properties="")
    tables["accounts"][0].update(account_id="007", employee_count="", is_test="f")
    tables["accounts"][1].update(employee_count=" 42 ", is_test="TRUE", created_at="")
    folder = write_folder(tmp_path / "in", tables, ".csv")

    report = load_folder(folder, warehouse, progress=False)

    assert isinstance(report, LoadReport)
    assert report.rows == {name: 2 for name in RAW_TABLES}
    for name, table in RAW_TABLES.items():
        types = column_types(warehouse, name)
        assert list(types) == table.column_names
        assert [t.lower() for t in types.values()] == [c.sql_type for c in table.columns]
    events = query(
        warehouse, "select event_id, received_at, occurred_at, properties from raw.events"
    )
    assert events == [
        ("12", dt.datetime(2026, 3, 2, 7, 15), "not a time", "properties-0"),
        ("event_id-1", dt.datetime(2026, 3, 2, 9, 15, 0, 500000), "occurred_at-1", None),
    ]
    accounts = query(
        warehouse, "select account_id, employee_count, is_test, created_at from raw.accounts"
    )
    assert accounts == [
        ("007", None, False, dt.datetime(2026, 3, 1, 9, 15)),
        ("account_id-1", 42, True, None),
    ]


def test_csv_quoting_bom_and_line_feeds(tmp_path: Path, warehouse: Path) -> None:
    folder = write_folder(tmp_path / "in", sample_rows())
    names = RAW_TABLES["events"].column_names
    properties = '{"path": "/a,b", "q": "say \\"hi\\"\nbye"}'  # commas, quotes, a line break
    row = {name: f"{name}-x" for name in names}
    row.update(received_at="2026-03-02 09:15:00", properties=properties, event_name="")
    quoted = ",".join('"' + row[name].replace('"', '""') + '"' for name in names)
    text = "\ufeff" + ",".join(names) + "\n" + quoted + "\n"  # a byte-order mark, line feeds
    (folder / "events.csv").write_bytes(text.encode("utf-8"))

    load_folder(folder, warehouse, progress=False)

    loaded = query(warehouse, "select event_id, event_name, properties from raw.events")
    assert loaded == [("event_id-x", "", properties)]  # a quoted empty text stays ''


def test_naive_times_are_utc_whatever_the_machine_zone(
    tmp_path: Path, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        load_folder(write_folder(tmp_path / "in", sample_rows()), warehouse, progress=False)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert query(warehouse, "select received_at from raw.events limit 1") == [
        (dt.datetime(2026, 3, 1, 9, 15),)
    ]


def test_jsonl_object_properties_become_json_text(tmp_path: Path, warehouse: Path) -> None:
    properties = {"connection_id": "c-1", "rows_synced": 1200, "nested": {"ok": True, "x": [1]}}
    tables = sample_rows(3)
    tables["events"][0].update(event_id=12, properties=properties)
    tables["events"][0]["received_at"] = "2026-03-02T09:15:00+02:00"
    tables["events"][1].update(properties='{"already": "text"}', user_id=None)
    del tables["events"][2]["properties"]  # a key absent from one line is null there
    tables["accounts"][0].update(employee_count=None, is_test=True)
    folder = write_folder(tmp_path / "in", tables, ".jsonl")

    load_folder(folder, warehouse, progress=False)

    events = query(
        warehouse, "select event_id, user_id, received_at, properties from raw.events"
    )
    assert events[0][0] == "12"
    assert events[0][2] == dt.datetime(2026, 3, 2, 7, 15)
    assert json.loads(events[0][3]) == properties
    assert events[1][1:] == (None, dt.datetime(2026, 3, 2, 9, 15), '{"already": "text"}')
    assert events[2][3] is None
    assert query(warehouse, "select employee_count, is_test from raw.accounts")[0] == (None, True)


def test_parquet_columns_are_rendered_as_text_then_cast(tmp_path: Path, warehouse: Path) -> None:
    tables = sample_rows()
    paris = dt.timezone(dt.timedelta(hours=2))
    properties = {"surface": "home", "count": 3}
    for index, row in enumerate(tables["events"]):
        row.update(
            event_id=12 + index,  # an integer column in the file: still the text '12'
            received_at=dt.datetime(2026, 3, 2, 9, 15, tzinfo=paris),
            occurred_at=dt.datetime(2026, 3, 2, 9, 14, 30, tzinfo=paris),
            properties=properties,  # a struct column in the file: JSON text in the warehouse
        )
    for row in tables["accounts"]:
        row["created_at"] = dt.datetime(2026, 3, 1, 8, 0)  # naive: read as UTC
    folder = write_folder(tmp_path / "in", tables, ".parquet")

    load_folder(folder, warehouse, progress=False)

    events = query(
        warehouse, "select event_id, received_at, occurred_at, properties from raw.events"
    )
    assert events[0][:3] == ("12", dt.datetime(2026, 3, 2, 7, 15), "2026-03-02T07:14:30Z")
    assert json.loads(events[0][3]) == properties
    accounts = query(warehouse, "select employee_count, is_test, created_at from raw.accounts")
    assert accounts[0] == (10, True, dt.datetime(2026, 3, 1, 8, 0))


def test_formats_mix_and_extra_columns_and_files_are_ignored(
    tmp_path: Path, warehouse: Path
) -> None:
    tables = sample_rows()
    for rows in tables.values():
        for row in rows:
            row["extra_column"] = "ignored"
    folder = tmp_path / "in"
    for (name, rows), ending in zip(tables.items(), [".csv", ".jsonl", ".parquet"] * 2):
        write_folder(folder, {name: rows}, ending)
    (folder / "notes.txt").write_text("not a table")
    (folder / "events_old.csv").write_text("garbage")

    report = load_folder(folder, warehouse, progress=False)

    assert report.rows == {name: 2 for name in RAW_TABLES}
    assert "extra_column" not in column_types(warehouse, "events")


def test_reloading_replaces_rather_than_appends(tmp_path: Path, warehouse: Path) -> None:
    load_folder(write_folder(tmp_path / "first", sample_rows(3)), warehouse, progress=False)
    load_folder(write_folder(tmp_path / "second", sample_rows(2)), warehouse, progress=False)

    for name in RAW_TABLES:
        assert query(warehouse, f"select count(*) from raw.{name}") == [(2,)]


def test_schema_is_created_and_progress_goes_to_stderr(
    tmp_path: Path, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load_folder(write_folder(tmp_path / "in", sample_rows()), warehouse, schema="landing")

    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == len(RAW_TABLES)
    assert lines[0] == "landing.events: 2 rows from events.csv"
    assert query(warehouse, "select count(*) from landing.users") == [(2,)]


def test_no_progress_when_asked(
    tmp_path: Path, warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load_folder(write_folder(tmp_path / "in", sample_rows()), warehouse, progress=False)
    assert capsys.readouterr().err == ""


def test_optional_tables_without_a_file_load_empty_with_the_contract_columns(
    tmp_path: Path, warehouse: Path
) -> None:
    """A product with no experiments (and none of its connections yet) hands no file for
    those tables: they load empty, typed as the contract says, and the old rows go."""
    load_folder(write_folder(tmp_path / "before", sample_rows()), warehouse, progress=False)
    tables = sample_rows()
    del tables["flag_exposures"], tables["data_source_connections"]
    report = load_folder(write_folder(tmp_path / "in", tables), warehouse, progress=False)

    assert report.rows["flag_exposures"] == 0 and report.rows["data_source_connections"] == 0
    assert query(warehouse, "select count(*) from raw.flag_exposures") == [(0,)]
    assert query(warehouse, "select count(*) from raw.data_source_connections") == [(0,)]
    assert column_types(warehouse, "flag_exposures") == {
        column.name: column.sql_type.upper() for column in RAW_TABLES["flag_exposures"].columns
    }
    assert query(warehouse, "select count(*) from raw.users") == [(2,)]


# --- errors -------------------------------------------------------------------------------


def test_missing_table_file(tmp_path: Path, warehouse: Path) -> None:
    tables = sample_rows()
    del tables["users"]
    folder = write_folder(tmp_path / "in", tables)

    message = expect_error(folder, warehouse, "users")
    assert message == f"users: no file users.parquet, users.csv or users.jsonl in {folder}"


def test_two_files_for_one_table_are_ambiguous(tmp_path: Path, warehouse: Path) -> None:
    folder = write_folder(tmp_path / "in", sample_rows())
    write_jsonl(folder / "events.jsonl", sample_rows()["events"])

    expect_error(folder, warehouse, "events.csv", "ambiguous", "events.jsonl")


def test_missing_column(tmp_path: Path, warehouse: Path) -> None:
    tables = sample_rows()
    for row in tables["events"]:
        del row["received_at"]
    folder = write_folder(tmp_path / "in", tables)

    message = expect_error(folder, warehouse, "events.csv")
    expected = ", ".join(RAW_TABLES["events"].column_names)
    assert message == f"events.csv: missing column 'received_at' (expected: {expected})"


@pytest.mark.parametrize("ending", [".jsonl", ".parquet"])
def test_missing_column_in_other_formats(tmp_path: Path, warehouse: Path, ending: str) -> None:
    tables = sample_rows()
    for row in tables["users"]:
        del row["email"]
    folder = write_folder(tmp_path / "in", tables, ending)

    expect_error(folder, warehouse, f"users{ending}", "missing column 'email'")


def test_garbage_parquet_is_unreadable(tmp_path: Path, warehouse: Path) -> None:
    folder = write_folder(tmp_path / "in", sample_rows())
    (folder / "events.csv").unlink()
    (folder / "events.parquet").write_bytes(b"\x00\x01 this is not parquet \xff\xfe" * 20)

    expect_error(folder, warehouse, "events.parquet", "cannot read the file")


def test_binary_file_named_csv_has_none_of_the_columns(tmp_path: Path, warehouse: Path) -> None:
    folder = write_folder(tmp_path / "in", sample_rows())
    (folder / "events.csv").write_bytes(bytes(range(256)) * 8)

    expect_error(folder, warehouse, "events.csv", "none of the expected columns")


def test_empty_csv_has_no_header(tmp_path: Path, warehouse: Path) -> None:
    folder = write_folder(tmp_path / "in", sample_rows())
    (folder / "events.csv").write_text("")

    expect_error(folder, warehouse, "events.csv", "empty file")


def test_csv_with_broken_quoting_is_unreadable(tmp_path: Path, warehouse: Path) -> None:
    folder = write_folder(tmp_path / "in", sample_rows())
    names = RAW_TABLES["users"].column_names
    good = ",".join(f"v{i}" for i in range(len(names)))
    broken = '"unterminated,' + ",".join("x" for _ in names[1:])
    (folder / "users.csv").write_text("\n".join([",".join(names), good, broken, good]) + "\n")

    expect_error(folder, warehouse, "users.csv", "cannot read the file", "quote")


def test_csv_with_a_row_too_long_is_unreadable(tmp_path: Path, warehouse: Path) -> None:
    folder = write_folder(tmp_path / "in", sample_rows())
    names = RAW_TABLES["users"].column_names
    row = ",".join(f"v{i}" for i in range(len(names)))
    (folder / "users.csv").write_text(f"{','.join(names)}\n{row}\n{row},surplus\n")

    expect_error(folder, warehouse, "users.csv", "Line: 3")


def test_malformed_jsonl_is_unreadable(tmp_path: Path, warehouse: Path) -> None:
    folder = write_folder(tmp_path / "in", sample_rows(), ".jsonl")
    with open(folder / "events.jsonl", "a", encoding="utf-8") as handle:
        handle.write('{"event_id": "broken\n')

    expect_error(folder, warehouse, "events.jsonl", "cannot read the file")


def test_value_that_does_not_cast(tmp_path: Path, warehouse: Path) -> None:
    tables = sample_rows(5)
    for row, value in zip(tables["accounts"], ["twelve", "12", "many", "", "lots"]):
        row["employee_count"] = value
    folder = write_folder(tmp_path / "in", tables)

    message = expect_error(folder, warehouse, "accounts.csv")
    assert message == (
        "accounts.csv: column 'employee_count' expects integer;"
        " 3 values do not cast, e.g. 'twelve'"
    )


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("received_at", "infinity"),
        ("received_at", "epoch"),
        ("received_at", "2026-02-30 10:00:00"),
        ("received_at", "2026-03-02T10:00:00+25:00"),
        ("received_at", "9999-12-31T23:00:00-05:00"),
        ("received_at", "yesterday"),
        ("received_at", "03/02/2026"),
    ],
)
def test_timestamps_outside_the_accepted_shapes_are_refused(
    tmp_path: Path, warehouse: Path, column: str, value: str
) -> None:
    tables = sample_rows()
    tables["events"][1][column] = value
    folder = write_folder(tmp_path / "in", tables)

    expect_error(folder, warehouse, "events.csv", f"'{column}' expects timestamp", value)


@pytest.mark.parametrize("value", ["12.5", "1e3", "1_000", "99999999999"])
def test_integers_are_not_rounded_or_guessed(tmp_path: Path, warehouse: Path, value: str) -> None:
    tables = sample_rows()
    tables["accounts"][0]["employee_count"] = value
    folder = write_folder(tmp_path / "in", tables)

    expect_error(folder, warehouse, "accounts.csv", "expects integer; 1 value does not cast")


def test_boolean_that_does_not_cast(tmp_path: Path, warehouse: Path) -> None:
    tables = sample_rows()
    tables["users"][0]["is_internal"] = "maybe"
    folder = write_folder(tmp_path / "in", tables, ".jsonl")

    expect_error(folder, warehouse, "users.jsonl", "'is_internal' expects boolean", "'maybe'")


@pytest.mark.parametrize("ending", [".csv", ".jsonl"])
def test_null_received_at_is_refused(tmp_path: Path, warehouse: Path, ending: str) -> None:
    tables = sample_rows(3)
    tables["events"][0]["received_at"] = None
    tables["events"][2]["received_at"] = None
    folder = write_folder(tmp_path / "in", tables, ending)

    message = expect_error(folder, warehouse, f"events{ending}")
    assert message == (
        f"events{ending}: column 'received_at' must not be null; 2 rows have no value"
    )


def test_null_primary_key_is_refused(tmp_path: Path, warehouse: Path) -> None:
    tables = sample_rows()
    tables["flag_exposures"][1]["exposure_id"] = None
    folder = write_folder(tmp_path / "in", tables, ".parquet")

    expect_error(folder, warehouse, "flag_exposures.parquet", "'exposure_id' must not be null")


def test_missing_folder(tmp_path: Path, warehouse: Path) -> None:
    with pytest.raises(LoadError, match="no folder"):
        load_folder(tmp_path / "nowhere", warehouse, progress=False)


# --- all or nothing -------------------------------------------------------------------------


def _break_events_type(folder: Path) -> None:
    tables = sample_rows()
    tables["events"][0]["received_at"] = "whenever"
    write_folder(folder, tables)


def _break_users_file(folder: Path) -> None:
    write_folder(folder, sample_rows())
    (folder / "users.csv").write_text('user_id,"account_id\n1,2\n')


def _drop_last_file(folder: Path) -> None:
    # The last required table: an optional one (exposures) may have no file.
    write_folder(folder, sample_rows())
    (folder / f"{[name for name, table in RAW_TABLES.items() if table.required][-1]}.csv").unlink()


def _garbage_last_parquet(folder: Path) -> None:
    write_folder(folder, sample_rows())
    last = list(RAW_TABLES)[-1]
    (folder / f"{last}.csv").unlink()
    (folder / f"{last}.parquet").write_bytes(b"garbage")


def _two_files_for_users(folder: Path) -> None:
    write_folder(folder, sample_rows())
    write_jsonl(folder / "users.jsonl", sample_rows()["users"])


def _missing_column_in_last_table(folder: Path) -> None:
    tables = sample_rows()
    last = list(RAW_TABLES)[-1]
    for row in tables[last]:
        del row[RAW_TABLES[last].column_names[-1]]
    write_folder(folder, tables, ".jsonl")


def _null_received_at(folder: Path) -> None:
    tables = sample_rows()
    tables["events"][1]["received_at"] = None
    write_folder(folder, tables, ".parquet")


@pytest.mark.parametrize(
    "break_folder",
    [
        _break_events_type,
        _break_users_file,
        _drop_last_file,
        _garbage_last_parquet,
        _two_files_for_users,
        _missing_column_in_last_table,
        _null_received_at,
    ],
)
def test_a_failed_load_leaves_the_old_raw_tables_untouched(
    tmp_path: Path, warehouse: Path, break_folder: Callable[[Path], None]
) -> None:
    load_folder(write_folder(tmp_path / "good", sample_rows(3)), warehouse, progress=False)
    # The ledger of loaded files (raw.load_ledger) must not change either.
    kept = [*RAW_TABLES, LEDGER_TABLE]
    before = {name: query(warehouse, f"select * from raw.{name}") for name in kept}
    bad = tmp_path / "bad"
    break_folder(bad)

    with pytest.raises(LoadError) as caught:
        load_folder(bad, warehouse, progress=False)

    assert "\n" not in str(caught.value)
    for name in kept:
        assert query(warehouse, f"select * from raw.{name}") == before[name]
    tables = query(warehouse, "select table_name from information_schema.tables")
    assert sorted(name for (name,) in tables) == sorted(kept)


def test_a_failed_first_load_leaves_no_schema_behind(tmp_path: Path, warehouse: Path) -> None:
    bad = tmp_path / "bad"
    _break_events_type(bad)

    with pytest.raises(LoadError):
        load_folder(bad, warehouse, progress=False)

    schemas = query(warehouse, "select schema_name from information_schema.schemata")
    assert ("raw",) not in schemas
    assert query(warehouse, "select count(*) from information_schema.tables") == [(0,)]


def test_the_warehouse_is_closed_after_a_load(tmp_path: Path, warehouse: Path) -> None:
    load_folder(write_folder(tmp_path / "in", sample_rows()), warehouse, progress=False)
    # Another process cannot open the file while the loader still holds DuckDB's lock.
    script = "import duckdb, sys; duckdb.connect(sys.argv[1]).execute('select 1')"
    subprocess.run([sys.executable, "-c", script, str(warehouse)], check=True, timeout=60)
