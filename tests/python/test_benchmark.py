"""The benchmark's own moving parts, on a tiny warehouse: holding back the last day of
events and putting it back must leave raw.events exactly as it was, and the table must
render every figure with the ratios."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from activation_warehouse.dev.benchmark import _append_held_out_day, _hold_out_last_day, render


def test_hold_out_and_append_round_trip(tmp_path: Path) -> None:
    warehouse = tmp_path / "w.duckdb"
    start = datetime(2026, 3, 1)
    # 72 hourly events over three days: the last 24 hours hold 24 of them (hours 48..71
    # are within one day of the maximum, hour 71; hour 47 is exactly 24 h before: kept).
    rows = [(f"e{hour}", start + timedelta(hours=hour)) for hour in range(72)]
    # Users created at hours 47, 48 and 70: the last two are in the held-out day.
    users = [(f"u{hour}", start + timedelta(hours=hour)) for hour in (47, 48, 70)]
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema raw")
        connection.execute("create table raw.events (event_id varchar, received_at timestamp)")
        connection.executemany("insert into raw.events values (?, ?)", rows)
        connection.execute("create table raw.users (user_id varchar, created_at timestamp)")
        connection.executemany("insert into raw.users values (?, ?)", users)
    assert _hold_out_last_day(warehouse) == 24
    with duckdb.connect(str(warehouse)) as connection:
        assert connection.execute("select count(*), max(received_at) from raw.events").fetchone() == (
            48, start + timedelta(hours=47)
        )
        assert connection.execute("select user_id from raw.users").fetchall() == [("u47",)]
    _append_held_out_day(warehouse)
    with duckdb.connect(str(warehouse)) as connection:
        assert sorted(connection.execute("select event_id, received_at from raw.events").fetchall()) == sorted(rows)
        assert sorted(connection.execute("select user_id, created_at from raw.users").fetchall()) == sorted(users)
        tables = connection.execute("select table_name from information_schema.tables order by 1").fetchall()
        assert tables == [("events",), ("users",)]


def test_render_reports_every_figure_and_ratio() -> None:
    row = {
        "raw_events": 1_000_000, "build_s": 50.0, "run_s": 40.0, "run_models_s": 30.0, "events_per_s": 20_000.0,
        "peak_mb": 900.0, "incremental_s": 8.0, "incremental_models_s": 4.5, "startup_s": 4.0, "path_s": 20.0,
        "path_models_s": 15.0, "floor_s": 10.0, "idle_s": 6.0, "idle_models_s": 2.5, "skipped_s": 0.7,
        "path_over_floor": 1.9, "incremental_over_run": 0.25, "floor_peak_mb": 2048.0,
        "path_over_floor_run1": 2.1, "path_over_floor_run2": 1.9, "path_over_floor_run3": 1.7,
        "incremental_over_run_run1": 0.25, "incremental_over_run_run2": 0.3, "incremental_over_run_run3": 0.2,
    }
    big = dict(row, raw_events=10_000_000, run_s=400.0, build_s=600.0, peak_mb=1800.0)
    table = render([row, big], runs=3)
    assert "| 1,000,000 | 50.0 | 40.0 | 30.0 | 20,000 | 900 | 8.0 | 4.5 | 4.0 | 20.0 | 15.0 | 10.0 | 6.0 | 2.5 | 0.7 |" in table
    # By hand, at the larger scale: 20/10, 15/10, the paired median as given, 8/400,
    # 4.5/30, the paired median as given, 6/400, 6 s, 0.7 s, 1800/1024 and 2048/1024 GB; then
    # 400/40, 600/50, 1800/900.
    for expected in (
        "| fct_user_activation path / floor, wall | 2.00 | <= 1.5 |",
        "| fct_user_activation path / floor, models only | 1.50 | <= 1.5 |",
        "| fct_user_activation path / floor, wall, median of the per-run ratios (2.10, 1.90, 1.70) | 1.90 | <= 1.5 |",
        "| incremental run (+1 day) / full run, wall | 0.02 | <= 0.05 |",
        "| incremental run (+1 day) / full run, models only | 0.15 | <= 0.05 |",
        "| incremental run (+1 day) / full run, wall, median of the per-run ratios (0.25, 0.30, 0.20) | 0.25 | <= 0.05 |",
        "| incremental run with nothing new / full run, wall | 0.01 |  |",
        "| incremental run with nothing new, wall (s) | 6.00 | <= 8 |",
        "| incremental run with nothing new through `activation-warehouse build --if-changed run`, wall (s) | 0.70 | <= 8 |",
        "| peak memory of a dbt command (GB) | 1.76 | <= 4 |",
        "| peak memory of the floor script (GB) | 2.00 |  |",
        "| full run, 10,000,000 / 1,000,000 events (10.0x the data) | 10.00 | <= 12 |",
        "| full build, same scales | 12.00 | <= 12 |",
        "| peak memory, same scales | 2.00 |  |",
    ):
        assert expected in table
