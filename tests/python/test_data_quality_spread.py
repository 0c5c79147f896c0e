"""Damage spread thin: the trailing window of the share checks and new event names at volume.

A small demo (100 accounts, fixed seed and end time, about 550 raw events a day) is broken
twice over and built once (the data-quality marts and their ancestors and tests):

| break | what is done to raw.events | caught by |
|---|---|---|
| garbage spread thin | 2 % of the rows of every day (by event_id) lose occurred_at's offset | the window of quarantine_share (unparseable_occurred_at) |
| a renamed event | insight_viewed sent as insight_opened from 05-15 (received) | new_event_name ERROR on 05-15 |

The broken share (2 % plus the demo's own few unparseable rows) over ~550 to 1,000 rows a
day has a Wilson lower bound of about 0.011 to 0.018: the day's warning threshold (0.02)
seldom trips, while the week's (3,000 to 6,600 rows, lower bound about 0.018 to 0.02) is
above the window's 0.01 (0.5 x 0.02). The window's figures on one day are recomputed
here from the raw file and the mart's own day rows, the bound with the Wilson formula in
Python. The same warehouse is then rebuilt (only the two marts) with non-default
dq_window_days, dq_window_tightening and dq_new_event_name_min_rows, and the verdicts move
as the settings say. The clean default demo passing every window is test_data_quality.py's
test_clean_demo_passes_every_check.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.event_names import normalized_event_name_sql
from activation_warehouse.dev.generate import DemoConfig, generate_demo
from activation_warehouse.load import load_folder

from conftest import ScratchWarehouse

pytestmark = pytest.mark.dbt

DEMO = DemoConfig(accounts=100, end=datetime(2026, 6, 1))
SELECTION = (
    "--select", "+path:models/marts/data_quality", "--indirect-selection", "buildable",
    "--exclude-resource-type", "unit_test",
)
#: The two marts a changed setting is seen in; their ancestors are built already.
REBUILT = ("--select", "dq_quarantine_share", "dq_tracking_plan_conformance")
EVENT_NAME = normalized_event_name_sql("event_name")
# 2 % of the rows, chosen by event_id (every copy of an event shares the choice).
TWO_PERCENT = "hash(coalesce(event_id, '')) % 50 = 0"
JUDGED_DAY = date(2026, 5, 20)
RENAME_DAY = date(2026, 5, 15)
Z = 1.959963984540054  # the Wilson macro's z (macros/activation/statistics.sql)


def wilson_low(successes: int, trials: int) -> float:
    """The Wilson 95% lower bound, written from the textbook formula (not from the macro)."""
    if successes == 0:
        return 0.0
    p = successes / trials
    centre = p + Z * Z / (2 * trials)
    margin = Z * math.sqrt(p * (1 - p) / trials + Z * Z / (4 * trials * trials))
    return max(0.0, (centre - margin) / (1 + Z * Z / trials))


@dataclass
class SpreadBuild:
    """The broken demo's warehouse, its raw events file and the default build's results."""

    warehouse: ScratchWarehouse
    events_file: Path
    returncode: int
    stdout: str
    statuses: dict[str, str]

    def rebuild(self, **settings: object) -> None:
        """Rebuild the two marts with `settings` (the defaults for the rest)."""
        self.warehouse.dbt("run", *REBUILT, "--vars", json.dumps(settings))

    def unparseable(self) -> dict[date, dict[str, object]]:
        """The mart's unparseable_occurred_at rows by day, as dicts."""
        return {row["check_date"]: row for row in self._rows(
            "select * from marts.dq_quarantine_share where reason = 'unparseable_occurred_at'"
        )}

    def new_names(self) -> dict[str, dict[str, object]]:
        return {row["event_name"]: row for row in self._rows(
            "select * from marts.dq_tracking_plan_conformance where check_name = 'new_event_name'"
        )}

    def _rows(self, sql: str) -> list[dict[str, object]]:
        with duckdb.connect(str(self.warehouse.path), read_only=True) as connection:
            cursor = connection.execute(sql)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def spread(tmp_path_factory: pytest.TempPathFactory) -> SpreadBuild:
    root = tmp_path_factory.mktemp("dq_spread")
    clean, broken = root / "clean", root / "raw"
    generate_demo(clean, DEMO, progress=False)
    broken.mkdir()
    for source in clean.glob("*.parquet"):
        if source.name != "events.parquet":
            shutil.copy(source, broken / source.name)
    with duckdb.connect() as connection:
        connection.execute(f"create view events as select * from read_parquet('{clean / 'events.parquet'}')")
        connection.execute(f"""
            copy (
                select * replace (
                    case
                        when {TWO_PERCENT}
                            then regexp_replace(occurred_at, '(Z|[+-][0-9][0-9]:[0-9][0-9])$', '')
                        else occurred_at
                    end as occurred_at,
                    case
                        when {EVENT_NAME} = 'insight_viewed' and received_at >= timestamp '{RENAME_DAY}'
                            then 'insight_opened'
                        else event_name
                    end as event_name
                )
                from events
            ) to '{broken / 'events.parquet'}' (format parquet)
        """)
    warehouse = ScratchWarehouse(path=root / "warehouse.duckdb", target_dir=root / "target", artifacts=True)
    load_folder(broken, warehouse.path, progress=False)
    # The renamed event is planted 2026-05-15, weeks before the data clock: a horizon of 30
    # days judges it (the default 3 would show it `historical`, failing nothing).
    result: subprocess.CompletedProcess[str] = warehouse.dbt(
        "build", *SELECTION, "--vars", "{dq_judged_recent_days: 30}", check=False
    )
    run_results = json.loads((warehouse.target_dir / "run_results.json").read_text())
    statuses = {row["unique_id"].split(".")[2]: row["status"] for row in run_results["results"]}
    return SpreadBuild(warehouse, broken / "events.parquet", result.returncode, result.stdout, statuses)


def raw_rows_received(events_file: Path, first: date, last: date) -> int:
    """Raw event rows received from `first` to `last` (UTC dates, inclusive), from the file."""
    with duckdb.connect() as connection:
        return connection.execute(
            f"select count(*) from read_parquet('{events_file}')"
            f" where cast(received_at as date) between date '{first}' and date '{last}'"
        ).fetchone()[0]


# ---------------------------------------------------------------------------------------
# Garbage spread thin: caught by the window, missed by the day
# ---------------------------------------------------------------------------------------


def test_two_percent_garbage_every_day_is_caught_by_the_window(spread: SpreadBuild) -> None:
    rows = spread.unparseable()
    full_weeks = [row for day, row in rows.items() if day >= date(2026, 2, 8)]
    assert len(full_weeks) > 100
    # Every full week is caught by its window (a warning; a noisy week of this small demo,
    # share 0.031 over 2,954 rows, even errors); the day alone catches few of them.
    assert {row["window_status"] for row in full_weeks} <= {"warn", "error"}
    assert [row["window_status"] for row in full_weeks].count("warn") > len(full_weeks) * 0.9
    assert {row["status"] for row in full_weeks} <= {"warn", "error"}
    day_alarms = [row for row in full_weeks if row["share_lower_bound"] > row["warn_above"]]
    assert len(day_alarms) < len(full_weeks) / 4
    assert spread.statuses["dq_quarantine_share__warn"] == "warn"
    assert re.search(r"data quality WARN: quarantine_share \| raw\.events \| 2026-0[2-5]-\d\d \| .*over the 7 days",
                     spread.stdout)


def test_the_window_figures_of_one_day_recomputed(spread: SpreadBuild) -> None:
    rows = spread.unparseable()
    window = [JUDGED_DAY - timedelta(days=offset) for offset in range(7)]
    # The denominator from the raw file; the numerator from the mart's own day rows (a
    # path that never meets the window's self-join).
    window_rows = raw_rows_received(spread.events_file, window[-1], window[0])
    window_quarantined = sum(rows[day]["quarantined_rows"] for day in window)
    assert sum(rows[day]["raw_rows"] for day in window) == window_rows
    row = rows[JUDGED_DAY]
    assert row["window_rows"] == window_rows
    assert row["window_share"] == pytest.approx(window_quarantined / window_rows, abs=1e-12)
    bound = wilson_low(window_quarantined, window_rows)
    assert row["window_bound"] == pytest.approx(bound, abs=1e-12)
    assert 0.01 < bound < 0.025  # above 0.5 x 0.02, under 0.5 x 0.05: warn
    assert row["window_status"] == "warn"
    # The day alone is within its thresholds here: the window decides, and says so.
    assert row["share_lower_bound"] <= 0.02
    assert row["status"] == "warn"
    assert row["status_reason"].startswith(f"{row['quarantined_rows']} of {row['raw_rows']} raw rows received")
    assert (
        f"; over the 7 days to this day {window_quarantined} of {window_rows} rows: share "
        f"{window_quarantined / window_rows:.3f}, at least {bound:.3f} at 95%, above the window's warning "
        "threshold 0.01"
    ) in row["status_reason"]


# ---------------------------------------------------------------------------------------
# A renamed event: a new name at volume
# ---------------------------------------------------------------------------------------


def renamed_events_received(spread: SpreadBuild) -> int:
    """Clean insight_opened events received on the rename day, read from the cleaned events."""
    first_day, events = spread.warehouse.query(f"""
        select
            min(cast(received_at as date)),
            count(*) filter (where cast(received_at as date) = date '{RENAME_DAY}')
        from intermediate.int_events__resolved
        where event_name = 'insight_opened'
    """)[0]
    assert first_day == RENAME_DAY
    return events


def test_a_renamed_event_on_full_days_is_a_new_event_name(spread: SpreadBuild) -> None:
    events = renamed_events_received(spread)
    assert events >= 50
    row = spread.new_names()["insight_opened"]
    assert (row["check_date"], row["nonconforming_events"], row["status"]) == (RENAME_DAY, events, "error")
    assert row["status_reason"] == (
        f"new event name 'insight_opened' first received {RENAME_DAY}, {events} events, not in the tracking plan"
        " (at least 50 events on its first day: an error)"
    )
    assert spread.statuses["dq_tracking_plan_conformance__error"] == "fail"
    assert re.search(r"data quality ERROR: new_event_name \| raw\.events \| 2026-05-15 \| new event name 'insight_opened'",
                     spread.stdout)
    assert spread.returncode != 0
    # The demo's own out-of-plan names arrived in the data's first days: not judged.
    others = {name: row["status"] for name, row in spread.new_names().items() if name != "insight_opened"}
    assert others and set(others.values()) == {"not_judged"}


# ---------------------------------------------------------------------------------------
# Non-default settings move the verdicts
# ---------------------------------------------------------------------------------------


def test_a_one_day_window_untightened_is_the_day_and_more_rows_are_needed_for_a_new_name(
    spread: SpreadBuild,
) -> None:
    events = renamed_events_received(spread)
    spread.rebuild(dq_window_days=1, dq_window_tightening=1, dq_new_event_name_min_rows=events + 1)
    try:
        rows = spread.unparseable()
        for row in rows.values():
            assert row["window_rows"] == row["raw_rows"]
            assert row["window_bound"] == pytest.approx(row["share_lower_bound"], abs=1e-12)
            assert row["window_status"] == row["status"]
        # The garbage is missed again on the day that the window caught.
        assert rows[JUDGED_DAY]["status"] == "ok"
        assert "over the" not in rows[JUDGED_DAY]["status_reason"]
        renamed = spread.new_names()["insight_opened"]
        assert renamed["status"] == "ok"
        assert f"fewer than {events + 1} events on its first day" in renamed["status_reason"]
    finally:
        spread.rebuild()


def test_a_longer_tighter_window_errors(spread: SpreadBuild) -> None:
    events = renamed_events_received(spread)
    spread.rebuild(dq_window_days=14, dq_window_tightening=0.2, dq_new_event_name_min_rows=events)
    try:
        row = spread.unparseable()[JUDGED_DAY]
        window_rows = raw_rows_received(spread.events_file, JUDGED_DAY - timedelta(days=13), JUDGED_DAY)
        assert row["window_rows"] == window_rows
        # Thresholds 0.2 x 0.02 = 0.004 (warn) and 0.2 x 0.05 = 0.01 (error).
        assert row["window_bound"] > 0.01
        assert (row["window_status"], row["status"]) == ("error", "error")
        assert "over the 14 days to this day" in row["status_reason"]
        assert "above the window's error threshold 0.01" in row["status_reason"]
        assert spread.new_names()["insight_opened"]["status"] == "error"
    finally:
        spread.rebuild()
