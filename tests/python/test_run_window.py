"""The run window (int_run_window) on a real warehouse: what each incremental run takes as new.

The window's rules are unit tests (models/intermediate/_intermediate__unit_tests_run_window.yml)
and the incremental results are proved equal to a full refresh in test_incremental*.py; this
file checks the pieces between them on tests/python/data/first_week: a first run and a
--full-refresh rebuild everything (every bound the 1900-01-01 default), a rerun with nothing
new takes its bounds from what the previous run wrote (the latest received_at of the raw file,
read here with the csv module, less the lookback, also a non-default one that reaches back
over midnight), and a model selected without the window stops instead of using stale bounds.
"""

from __future__ import annotations

import csv
from datetime import datetime

import pytest

from activation_warehouse.load import load_folder

from conftest import FIXTURES_DIR, ScratchWarehouse

pytestmark = pytest.mark.dbt

DEFAULT_BOUND = datetime(1900, 1, 1)


def latest_raw_received_at() -> datetime:
    """The latest received_at of the fixture's raw events (int_events__classified holds every
    raw row, whatever its fate)."""
    with open(FIXTURES_DIR / "first_week" / "events.csv", newline="", encoding="utf-8") as handle:
        return max(datetime.fromisoformat(row["received_at"]) for row in csv.DictReader(handle))


def window(warehouse: ScratchWarehouse) -> dict[str, tuple]:
    """The window's rows by model: (is_full_refresh, latest_received_at, received_from, loaded_through)."""
    rows = warehouse.query(
        "select model_name, is_full_refresh, latest_received_at, received_from, loaded_through"
        " from intermediate.int_run_window"
    )
    return {row[0]: row[1:] for row in rows}


def test_the_window_of_a_first_run_a_rerun_and_a_rebuild(scratch_warehouse: ScratchWarehouse) -> None:
    warehouse = scratch_warehouse
    load_folder(FIXTURES_DIR / "first_week", warehouse.path, progress=False)
    latest = latest_raw_received_at()
    assert latest == datetime(2026, 5, 31, 21, 35, 37, 260432)

    # A first run: no model has a table yet, so every one is rebuilt and its bounds are defaults.
    warehouse.dbt("seed")
    warehouse.dbt("run")
    first = window(warehouse)
    assert set(first) == {
        "int_events__classified", "event_quarantine", "event_duplicates", "int_events__resolved",
        "int_events__sessionized", "int_sessions", "fct_events",
    }
    assert all(row == (True, None, DEFAULT_BOUND, DEFAULT_BOUND) for row in first.values()), first

    # A rerun with nothing new, with a lookback of 22 hours: 21:35 less 22 hours is 23:35 the
    # day before. The stamp consumed by int_sessions is what int_events__sessionized wrote.
    stamp = warehouse.scalar("select max(loaded_through) from intermediate.int_events__sessionized")
    warehouse.dbt("run", "--vars", "{incremental_lookback_hours: 22}")
    second = window(warehouse)
    assert second["int_events__classified"] == (
        False, latest, datetime(2026, 5, 30, 23, 35, 37, 260432), DEFAULT_BOUND
    )
    assert second["int_sessions"] == (False, None, DEFAULT_BOUND, stamp)
    assert not any(row[0] for row in second.values())

    # A model run without the window stops, and its table is left as it was.
    rows = warehouse.scalar("select count(*) from intermediate.int_events__classified")
    result = warehouse.dbt("run", "--select", "int_events__classified", check=False)
    assert result.returncode != 0
    assert (
        "int_events__classified runs incrementally but int_run_window was not built in this invocation"
    ) in result.stdout, result.stdout[-3000:]
    assert warehouse.scalar("select count(*) from intermediate.int_events__classified") == rows

    # --full-refresh: every model is rebuilt, whatever its table holds.
    warehouse.dbt("run", "--full-refresh", "--select", "int_run_window")
    assert all(row == (True, None, DEFAULT_BOUND, DEFAULT_BOUND) for row in window(warehouse).values())
