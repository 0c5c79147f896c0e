"""Restated raw data stops an incremental build; every invocation's results are kept.

An incremental run re-reads only the raw rows received since its lookback start, so raw
rows deleted, replayed or altered in days an earlier build already read would leave the
warehouse silently different from a full refresh. Each build records per received day
what it read (history.raw_event_days, over the rows received before C = latest received_at
- incremental_lookback_hours); the next incremental run recomputes those figures, records
the changed days in history.raw_event_restatements and stops with one line naming them
and the repair. docs/incremental-builds.md, "Restated raw data".

The stream is a small generated demo (8 accounts, 30 days, received 2026-05-02 to
2026-05-31; no row is received on 2026-05-03). A template warehouse is built once from the
rows received before 2026-05-30; each case edits a copy's raw.events the way a real
pipeline restates data, and the expected days are computed here from the rows the edit
touched that were received before C (the template's latest received_at - 3 hours, the
default lookback), independently of the macros.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.dev.generate import DemoConfig, generate_demo
from activation_warehouse.load import load_folder

from conftest import ScratchWarehouse, mart_differences
from test_incremental import RAW_EVENT_COLUMNS, insert_rows

pytestmark = pytest.mark.dbt

STREAM = DemoConfig(accounts=8, days=30, end=datetime(2026, 6, 1), seed=11)
#: Rows received from here on are held back from the template: the "new days" appended later.
APPENDED_FROM = datetime(2026, 5, 30)
LOOKBACK = timedelta(hours=3)  # incremental_lookback_hours' default
REPAIR = "rebuild with: dbt build --full-refresh"

#: An edit of raw.events: given a read-write connection and C, it changes rows and returns
#: the received days it changed before C and the change kinds, in the line's order.
Edit = Callable[[duckdb.DuckDBPyConnection, datetime], tuple[set[date], str]]


def _days(connection: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> set[date]:
    return {day for (day,) in connection.execute(sql, params or []).fetchall()}


def lose_a_day(connection: duckdb.DuckDBPyConnection, cutoff: datetime) -> tuple[set[date], str]:
    """A re-sync that dropped one whole received day."""
    connection.execute("delete from raw.events where cast(received_at as date) = date '2026-05-20'")
    return {date(2026, 5, 20)}, "rows deleted"


def rename_an_event(connection: duckdb.DuckDBPyConnection, cutoff: datetime) -> tuple[set[date], str]:
    """A collector replay that renamed one event on three days: ids and counts stay."""
    where = (
        "event_name = 'sync_completed' and cast(received_at as date)"
        " between date '2026-05-14' and date '2026-05-16'"
    )
    touched = _days(connection, f"select distinct cast(received_at as date) from raw.events where {where}")
    assert touched == {date(2026, 5, 14), date(2026, 5, 15), date(2026, 5, 16)}
    connection.execute(f"update raw.events set event_name = 'sync_done' where {where}")
    return touched, "rows altered"


def strip_a_required_property(connection: duckdb.DuckDBPyConnection, cutoff: datetime) -> tuple[set[date], str]:
    """A week of events whose required connection_id was stripped from the properties."""
    where = (
        "properties like '%\"connection_id\": %' and cast(received_at as date)"
        " between date '2026-05-18' and date '2026-05-24'"
    )
    touched = _days(connection, f"select distinct cast(received_at as date) from raw.events where {where}")
    assert len(touched) == 7
    connection.execute(
        "update raw.events set properties = regexp_replace(properties, '\"connection_id\": \"[^\"]*\",? ?', '')"
        f" where {where}"
    )
    return touched, "rows altered"


def make_half_a_day_late(connection: duckdb.DuckDBPyConnection, cutoff: datetime) -> tuple[set[date], str]:
    """The morning of 2026-05-10 re-delivered three days later (received_at moved)."""
    where = "cast(received_at as date) = date '2026-05-10' and hour(received_at) < 12"
    assert connection.execute(f"select count(*) from raw.events where {where}").fetchone()[0] > 0
    connection.execute(f"update raw.events set received_at = received_at + interval 3 day where {where}")
    # The day they left lost rows, the day they landed (before C) gained them.
    return {date(2026, 5, 10), date(2026, 5, 13)}, "rows deleted or added"


def replay_batches(connection: duckdb.DuckDBPyConnection, cutoff: datetime) -> tuple[set[date], str]:
    """Collector replays of six alternate days: duplicates with their old received_at."""
    days = [date(2026, 5, 4) + timedelta(days=2 * n) for n in range(6)]
    connection.execute(
        "insert into raw.events select * from raw.events where cast(received_at as date) in"
        f" ({', '.join(f'date {str(day)!r}' for day in days)})"
    )
    return set(days), "rows added"


def garble_two_percent_of_every_day(connection: duckdb.DuckDBPyConnection, cutoff: datetime) -> tuple[set[date], str]:
    """2% of every day's rows (at least one) get an occurred_at no parser reads."""
    chosen = """
        select row_id, received_at
        from (
            select
                rowid as row_id, received_at,
                row_number() over (partition by cast(received_at as date) order by received_at, event_id) as nth,
                count(*) over (partition by cast(received_at as date)) as day_rows
            from raw.events
        )
        where nth <= greatest(1, round(day_rows * 0.02))
    """
    touched = _days(
        connection, f"select distinct cast(received_at as date) from ({chosen}) where received_at < ?", [cutoff]
    )
    connection.execute(
        "update raw.events set occurred_at = 'yesterday-ish'"
        f" where rowid in (select row_id from ({chosen}))"
    )
    return touched, "rows altered"


def day_ranges(days: set[date]) -> str:
    """The line's day list, written independently of the macro: consecutive days as
    'first..last', at most five items (four and 'and N more days')."""
    ranges: list[list[date]] = []
    for day in sorted(days):
        if ranges and day - ranges[-1][1] == timedelta(days=1):
            ranges[-1][1] = day
        else:
            ranges.append([day, day])
    items = [str(first) if first == last else f"{first}..{last}" for first, last in ranges]
    if len(items) > 5:
        more = sum((last - first).days + 1 for first, last in ranges[4:])
        items = [*items[:4], f"and {more} more day{'s' if more > 1 else ''}"]
    return ", ".join(items)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A warehouse built once from the rows received before APPENDED_FROM, with the rows
    held back and C of its build."""
    root = tmp_path_factory.mktemp("restatement")
    generate_demo(root / "raw", STREAM, progress=False)
    warehouse = ScratchWarehouse.in_folder(root / "template")
    load_folder(root / "raw", warehouse.path, progress=False)
    with duckdb.connect(str(warehouse.path)) as connection:
        held_back = connection.execute(
            f"select {', '.join(RAW_EVENT_COLUMNS)} from raw.events where received_at >= ?", [APPENDED_FROM]
        ).fetchall()
        connection.execute("delete from raw.events where received_at >= ?", [APPENDED_FROM])
        latest = connection.execute("select max(received_at) from raw.events").fetchone()[0]
    assert held_back
    warehouse.dbt("seed")
    warehouse.dbt("run")
    return {"root": root, "warehouse": warehouse, "held_back": held_back, "cutoff": latest - LOOKBACK}


def _copy(template: dict, name: str) -> ScratchWarehouse:
    """A copy of the built template, in a folder of its own laid out as every scratch
    warehouse, so its first dbt run starts from the session's parse."""
    shutil.rmtree(template["root"] / name, ignore_errors=True)
    warehouse = ScratchWarehouse.in_folder(template["root"] / name)
    shutil.copy(template["warehouse"].path, warehouse.path)
    return warehouse


def _restated_days(warehouse: ScratchWarehouse) -> list[dict[str, str]]:
    """The rows of the interface macro dq_restated_days(), through `dbt show` (no hooks run)."""
    result = warehouse.dbt("show", "--inline", "{{ dq_restated_days() }}", "--output", "json", "--limit", "-1")
    lines = result.stdout.splitlines()
    start = next(index for index, line in enumerate(lines) if line == "{")
    return json.loads("\n".join(lines[start:]))["show"]


def _recorded_figures(warehouse: ScratchWarehouse) -> list[tuple]:
    """history.raw_event_days' figures, by received day."""
    return warehouse.query(
        "select received_date, raw_rows, fingerprint from history.raw_event_days"
        " where received_date is not null order by received_date"
    )


def _figures_in_one_pass(warehouse: ScratchWarehouse) -> list[tuple]:
    """The same figures in one pass over raw.events: per received day, the rows received
    before the recorded cutoff and the sum of DuckDB's hash of each row's contract columns
    (the definition in macros/cross_db/row_hash.sql)."""
    return warehouse.query(
        f"select cast(received_at as date) as received_date, count(*),"
        f" cast(sum(cast(hash({', '.join(RAW_EVENT_COLUMNS)}) as hugeint)) as varchar)"
        f" from raw.events where received_at < (select max(settled_before) from history.raw_event_days)"
        f" group by received_date order by received_date"
    )


def _invocation_id(warehouse: ScratchWarehouse) -> str:
    return json.loads((warehouse.target_dir / "run_results.json").read_text())["metadata"]["invocation_id"]


@pytest.mark.parametrize(
    "edit",
    [lose_a_day, rename_an_event, strip_a_required_property, make_half_a_day_late, replay_batches,
     garble_two_percent_of_every_day],
    ids=lambda edit: edit.__name__,
)  # fmt: skip
def test_a_restated_day_stops_the_incremental_build_naming_the_days(template: dict, edit: Edit) -> None:
    warehouse = _copy(template, edit.__name__)
    with duckdb.connect(str(warehouse.path)) as connection:
        days, kinds = edit(connection, template["cutoff"])
        latest = connection.execute("select max(received_at) from raw.events").fetchone()[0]
    assert days

    result = warehouse.dbt("build", check=False)
    expected = (
        f"raw.events was restated since the last build: received days {day_ranges(days)} changed ({kinds});"
        f" {REPAIR}"
    )
    assert result.returncode != 0
    # One line of its own in dbt's error (which dbt indents).
    assert expected in [line.strip() for line in result.stdout.splitlines()], result.stdout[-2000:]
    # Stopped before anything ran: no seed, model or test.
    assert " START sql" not in result.stdout and " START seed" not in result.stdout
    recorded = warehouse.query(
        "select received_date, detected_through from history.raw_event_restatements"
    )
    assert {day for day, _ in recorded} == days
    assert {through for _, through in recorded} == {latest}

    # Until repaired, every incremental run stops the same way (and records nothing twice).
    again = warehouse.dbt("run", "--select", "+fct_events", check=False)
    assert again.returncode != 0 and expected in again.stdout
    assert warehouse.scalar("select count(*) from history.raw_event_restatements") == len(days)

    # The repair, narrowed to the event models: the days are recorded when
    # int_events__classified is rebuilt (record_raw_event_days), whatever else runs; the
    # marts add nothing to what this proves, and a full run is half the file's time.
    warehouse.dbt("run", "--full-refresh", "--select", "+fct_events")
    assert warehouse.scalar("select count(*) from history.raw_event_restatements") == len(days)
    # The rebuild read the restated raw data: the next incremental run goes through.
    warehouse.dbt("run", "--select", "+fct_events")


def test_a_full_refresh_records_a_restatement_without_stopping(template: dict) -> None:
    warehouse = _copy(template, "full_refresh_first")
    with duckdb.connect(str(warehouse.path)) as connection:
        days, _ = lose_a_day(connection, template["cutoff"])
    result = warehouse.dbt("run", "--full-refresh")
    assert "raw.events was restated" not in result.stdout
    assert {day for (day,) in warehouse.query("select received_date from history.raw_event_restatements")} == days
    # What the data-quality judgement reads.
    latest = warehouse.scalar("select max(received_at) from raw.events")
    assert _restated_days(warehouse) == [
        {"received_date": "2026-05-20", "detected_through": latest.isoformat()}
    ]


def test_no_restated_day_before_the_history_table_exists(tmp_path: Path) -> None:
    empty = ScratchWarehouse(path=tmp_path / "empty.duckdb", target_dir=tmp_path / "target")
    assert _restated_days(empty) == []
    assert not empty.path.exists() or empty.query(
        "select count(*) from information_schema.tables where table_schema = 'history'"
    ) == [(0,)]


def test_appending_new_days_is_no_restatement_and_equals_a_full_refresh(template: dict) -> None:
    warehouse = _copy(template, "appended")
    insert_rows(warehouse.path, "events", template["held_back"])
    result = warehouse.dbt("run")
    assert "was restated since the last build" not in result.stdout
    assert warehouse.scalar("select count(*) from history.raw_event_restatements") == 0
    # The figures now cover the appended days settled by this run.
    assert warehouse.scalar("select max(received_date) from history.raw_event_days") == date(2026, 5, 31)
    # They were recorded in two parts: the days before the template's cutoff from the check
    # at the start of the run, the rest read again from raw.events. Together they are what
    # one pass over every raw row received before the new cutoff gives.
    assert warehouse.scalar("select count(*) from history.raw_event_days_read") > 0
    # (Written by this run's own check, so the record at its end could take days from it.)
    assert warehouse.query("select distinct invocation_id from history.raw_event_days_read") == warehouse.query(
        "select distinct invocation_id from history.raw_event_days"
    )
    assert _recorded_figures(warehouse) == _figures_in_one_pass(warehouse)

    reference = ScratchWarehouse.in_folder(template["root"] / "appended_reference", artifacts=True)
    shutil.copy(warehouse.path, reference.path)
    reference.dbt("run", "--full-refresh")
    assert mart_differences(reference, warehouse) == []


def test_run_results_grow_by_one_invocation_per_build_and_are_pruned(template: dict) -> None:
    warehouse = _copy(template, "run_results")
    warehouse.artifacts = True  # _invocation_id reads run_results.json
    # The template's seed and run.
    assert warehouse.scalar("select count(distinct invocation_id) from history.dbt_run_results") == 2
    invocations = []
    for number in (3, 4):
        warehouse.dbt("test", "--select", "assert_raw_events_reconcile")
        invocations.append(_invocation_id(warehouse))
        assert warehouse.scalar("select count(distinct invocation_id) from history.dbt_run_results") == number
    rows = warehouse.query(
        "select command, resource_type, status, severity, failures from history.dbt_run_results"
        f" where invocation_id = '{invocations[-1]}'"
    )
    assert rows == [("test", "test", "pass", "error", 0)]
    models = warehouse.query(
        "select count(*), count(distinct status) from history.dbt_run_results"
        " where command = 'run' and resource_type = 'model'"
    )
    assert models[0][0] > 0 and models[0][1] == 1

    warehouse.dbt("test", "--select", "assert_raw_events_reconcile", "--vars", '{"run_results_kept_builds": 2}')
    invocations.append(_invocation_id(warehouse))
    kept = {invocation for (invocation,) in warehouse.query("select distinct invocation_id from history.dbt_run_results")}
    assert kept == set(invocations[-2:])
