"""The data-quality suite catches each kind of break, with the right severity, and the clean
demo passes it.

The demo data is generated once (fixed seed and end time, the default scale, whose
measured values the thresholds of the settings registry were set against). Every build here is
`dbt build` of the data-quality marts, their ancestors and their tests
(`+path:models/marts/data_quality`; unit tests do not read data and run elsewhere; the
whole project's build of the same demo is test_demo_build.py's), with `check=False`. The
clean copy must pass every check. Each break copies the Parquet files, breaks them on
purpose with DuckDB and loads them into a fresh warehouse: the build must then fail (or
warn) through the right test, and dbt's own output must name the check, the table and the
day (the `data quality LEVEL: check | table | day | reason` lines the generic test
`data_quality_breaches` writes), beside its `FAIL n` / `WARN n` line. Every build judges
the last 30 days (var dq_judged_recent_days, JUDGED_HORIZON), so each break is `open`.

The builds share one warehouse path and target folder, one after the other (the file is
deleted before each load), so dbt's partial parsing saves a full parse on every build.

Breaks (days are UTC; the demo ends 2026-06-01 00:00):

| break | what is done to raw.events | fires |
|---|---|---|
| a lost day | every data_source_connected received on 05-20 dropped | tracking_coverage ERROR for raw.data_source_connections on 05-20 |
| a renamed event | insight_viewed sent as insight_opened from 05-15 | out_of_plan_events WARN (never an error: the contract), new_event_name ERROR on 05-15, event_volume ERROR for insight_viewed |
| a stripped property | data_source_connected without source_type from 05-15 | missing_required_property ERROR |
| late arrivals | half the events received 05-10..05-20 arrive 3 days later | arrival_lateness ERROR on those days |
| a duplicated batch | every row received on 05-20 delivered twice; a tenth of 05-25's too | duplicate_share ERROR on 05-20, WARN on 05-25 |
| a stopped tracker | events stop on 05-28, flag exposures on 05-22 | source_freshness ERROR for raw.events (96 h behind), WARN for raw.flag_exposures (10 days) |
| a malformed timestamp | half the events received 05-20 lose their time-zone offset | quarantine_share ERROR for unparseable_occurred_at on 05-20 |

A share's trailing window (dq_window_days, 7) holds a one-day break for the six days after
it too: those rows are `error`/`warn` through their window, and their status_reason says
so ("; over the 7 days to this day ..."). The breaks' days are asserted on the day's own
verdict (`day_breaches`), the window's days as the week after the break (`window_breaches`).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.event_names import normalized_event_name_sql
from activation_warehouse.dev.generate import DemoConfig, generate_demo
from activation_warehouse.load import load_folder

from conftest import ScratchWarehouse

pytestmark = pytest.mark.dbt

DEMO = DemoConfig(end=datetime(2026, 6, 1))
DQ_SELECTION = ("--select", "+path:models/marts/data_quality", "--indirect-selection", "buildable")
#: The breaks below are planted from 2026-05-10 on, at most 22 days before the data clock
#: (the demo's last received_at): a horizon of 30 days judges them all, where the default
#: of 3 would show most as `historical` and fail nothing (test_data_quality_scope.py). Every
#: build passes it, the clean one too: a change of vars would cost a full parse.
JUDGED_HORIZON = ("--vars", "{dq_judged_recent_days: 30}")
NO_UNIT_TESTS = ("--exclude-resource-type", "unit_test")
CHECKS = (
    "dq_tracking_coverage", "dq_tracking_plan_conformance", "dq_event_volume", "dq_arrival_lateness",
    "dq_source_freshness", "dq_quarantine_share", "dq_duplicate_share",
)
#: Every threshold test of the suite: one per data-quality mart and severity.
DQ_TESTS = tuple(f"{check}__{level}" for check in CHECKS for level in ("warn", "error"))

# The staging's event-name normalisation (macro normalize_event_name), in DuckDB SQL: read
# from the macro, never restated (test_event_name_rule.py proves the two agree).
EVENT_NAME = normalized_event_name_sql("event_name")
# Half of the events, chosen by event_id so every copy of an event shares the choice.
HALF = "hash(coalesce(event_id, '')) % 2 = 0"


@dataclass
class Build:
    """One dbt run: its exit code, its output and the status of every node it ran."""

    returncode: int
    stdout: str
    statuses: dict[str, str]

    def status(self, test: str) -> str:
        return self.statuses[test]

    def breaches(self, level: str) -> set[tuple[str, str, str]]:
        """(check, table, day) of every `data quality LEVEL:` line of the dbt output."""
        pattern = rf"data quality {level.upper()}: (\w+) \| ([\w.]+) \| (\d{{4}}-\d{{2}}-\d{{2}})"
        return set(re.findall(pattern, self.stdout))

    def _breach_lines(self, level: str) -> list[tuple[str, str, str, str]]:
        pattern = rf"data quality {level.upper()}: (\w+) \| ([\w.]+) \| (\d{{4}}-\d{{2}}-\d{{2}}) \| (.*)"
        return re.findall(pattern, self.stdout)

    def day_breaches(self, level: str) -> set[tuple[str, str, str]]:
        """The breaches the day's own share decided (a reason without the window's clause)."""
        return {(c, t, d) for c, t, d, reason in self._breach_lines(level) if "; over the " not in reason}

    def window_breaches(self, level: str) -> set[tuple[str, str, str]]:
        """The breaches the trailing window decided (its clause ends the reason)."""
        return {(c, t, d) for c, t, d, reason in self._breach_lines(level) if "; over the " in reason}

    def failing_dq_tests(self) -> dict[str, str]:
        return {name: status for name, status in self.statuses.items() if name in DQ_TESTS and status != "pass"}


class Builder:
    """Loads a folder of raw files into a fresh warehouse and runs dbt build on it."""

    def __init__(self, root: Path) -> None:
        self.warehouse = ScratchWarehouse(path=root / "warehouse.duckdb", target_dir=root / "target", artifacts=True)

    def build(self, folder: Path, *args: str) -> Build:
        for stale in (self.warehouse.path, self.warehouse.path.with_name(self.warehouse.path.name + ".wal")):
            stale.unlink(missing_ok=True)
        load_folder(folder, self.warehouse.path, progress=False)
        results_file = self.warehouse.target_dir / "run_results.json"
        results_file.unlink(missing_ok=True)  # never read the previous build's results
        result: subprocess.CompletedProcess[str] = self.warehouse.dbt("build", *JUDGED_HORIZON, *args, check=False)
        if not results_file.exists():  # dbt stopped before running anything (a parse error)
            raise AssertionError(f"dbt build did not run:\n{result.stdout[-3000:]}\n{result.stderr[-2000:]}")
        run_results = json.loads(results_file.read_text())
        statuses = {row["unique_id"].split(".")[2]: row["status"] for row in run_results["results"]}
        return Build(result.returncode, result.stdout, statuses)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dq_demo") / "raw"
    generate_demo(folder, DEMO, progress=False)
    return folder


@pytest.fixture(scope="module")
def builder(tmp_path_factory: pytest.TempPathFactory) -> Builder:
    return Builder(tmp_path_factory.mktemp("dq_build"))


@pytest.fixture(scope="module")
def clean_build(demo_dir: Path, builder: Builder) -> Build:
    """The clean demo's build (it runs first, so it also warms partial parsing)."""
    return builder.build(demo_dir, *NO_UNIT_TESTS, *DQ_SELECTION)


def broken_copy(demo_dir: Path, into: Path, events_sql: str) -> Path:
    """The demo's files in `into`, with events.parquet replaced by `events_sql` over `events`."""
    into.mkdir()
    for source in demo_dir.glob("*.parquet"):
        if source.name != "events.parquet":
            shutil.copy(source, into / source.name)
    with duckdb.connect() as connection:
        connection.execute(f"create view events as select * from read_parquet('{demo_dir / 'events.parquet'}')")
        connection.execute(f"copy ({events_sql}) to '{into / 'events.parquet'}' (format parquet)")
    return into


def break_and_build(demo_dir: Path, builder: Builder, tmp_path: Path, events_sql: str) -> Build:
    return builder.build(broken_copy(demo_dir, tmp_path / "raw", events_sql), *NO_UNIT_TESTS, *DQ_SELECTION)


def assert_fires(build: Build, check: str, severity: str) -> None:
    """The check's test at `severity` fired (FAIL for error, WARN for warn) in dbt's output."""
    expected = {"error": "fail", "warn": "warn"}[severity]
    test = f"{check}__{severity}"
    assert build.status(test) == expected, build.stdout[-3000:]
    assert re.search(rf"{expected.upper()} \d+ {test} ", build.stdout), f"no {expected.upper()} line for {test}"


# ---------------------------------------------------------------------------------------
# The clean demo
# ---------------------------------------------------------------------------------------


def test_clean_demo_passes_every_check(clean_build: Build) -> None:
    assert clean_build.returncode == 0, clean_build.stdout[-3000:]
    assert set(DQ_TESTS) <= set(clean_build.statuses), "a data-quality test did not run"
    assert clean_build.failing_dq_tests() == {}
    assert clean_build.breaches("warn") == set() and clean_build.breaches("error") == set()
    # Every other node of the selection (staging, cleaning, the marts' own guards) passed too.
    assert not [name for name, status in clean_build.statuses.items() if status not in ("pass", "success")]


# ---------------------------------------------------------------------------------------
# One break per check
# ---------------------------------------------------------------------------------------


def test_a_lost_day_of_connection_events_fails_tracking_coverage(
    demo_dir: Path, builder: Builder, clean_build: Build, tmp_path: Path
) -> None:
    build = break_and_build(demo_dir, builder, tmp_path, f"""
        select * from events
        where not ({EVENT_NAME} = 'data_source_connected' and cast(received_at as date) = date '2026-05-20')
    """)
    assert build.returncode != 0
    assert_fires(build, "dq_tracking_coverage", "error")
    assert ("tracking_coverage", "raw.data_source_connections", "2026-05-20") in build.breaches("error")
    assert {table for check, table, _ in build.breaches("error") if check == "tracking_coverage"} == {
        "raw.data_source_connections"
    }
    for quiet in ("dq_tracking_plan_conformance", "dq_arrival_lateness", "dq_duplicate_share",
                  "dq_quarantine_share", "dq_source_freshness"):
        assert build.status(f"{quiet}__error") == "pass" and build.status(f"{quiet}__warn") == "pass"


def test_a_renamed_event_warns_outside_the_plan_and_fails_its_volume(
    demo_dir: Path, builder: Builder, clean_build: Build, tmp_path: Path
) -> None:
    build = break_and_build(demo_dir, builder, tmp_path, f"""
        select * replace (
            case
                when {EVENT_NAME} = 'insight_viewed' and received_at >= timestamp '2026-05-15'
                    then 'insight_opened'
                else event_name
            end as event_name
        )
        from events
    """)
    # Outside the plan: a warning, never an error (the raw contract: it never breaks a build).
    assert_fires(build, "dq_tracking_plan_conformance", "warn")
    assert ("out_of_plan_events", "raw.events", "2026-05-15") in build.breaches("warn")
    # But a name never received before, at volume on its first day, is an error: the rename.
    assert_fires(build, "dq_tracking_plan_conformance", "error")
    assert {(c, t, d) for c, t, d in build.breaches("error") if c != "event_volume"} == {
        ("new_event_name", "raw.events", "2026-05-15")
    }
    # The old name's volume collapses: the silent break the volume check exists for.
    assert_fires(build, "dq_event_volume", "error")
    assert ("event_volume", "raw.events", "2026-05-16") in build.breaches("error")
    assert build.returncode != 0
    for quiet in ("dq_tracking_coverage", "dq_arrival_lateness", "dq_duplicate_share", "dq_quarantine_share"):
        assert build.status(f"{quiet}__error") == "pass" and build.status(f"{quiet}__warn") == "pass"


def test_a_day_still_being_collected_is_shown_not_judged(
    demo_dir: Path, builder: Builder, clean_build: Build, tmp_path: Path
) -> None:
    # An hourly pipeline at 01:00: the last day holds one hour of events. Judged against
    # whole days it would be a collapse of every name; it is a partial count.
    build = break_and_build(demo_dir, builder, tmp_path, """
        select * from events where received_at < timestamp '2026-05-31 01:00:00'
    """)
    assert build.status("dq_event_volume__error") == "pass"
    assert build.status("dq_event_volume__warn") == "pass"
    last_day = builder.warehouse.query(
        "select distinct status, status_reason like '%not judged: the day is not over%'"
        " from marts.dq_event_volume where check_date = date '2026-05-31'"
    )
    assert last_day == [("not_judged", True)]
    # The day before is over (received through 01:00 the next day): judged as usual.
    assert builder.warehouse.scalar(
        "select count(*) from marts.dq_event_volume where check_date = date '2026-05-30' and status = 'not_judged'"
    ) < builder.warehouse.scalar("select count(*) from marts.dq_event_volume where check_date = date '2026-05-30'")


def test_a_stripped_required_property_fails_plan_conformance(
    demo_dir: Path, builder: Builder, clean_build: Build, tmp_path: Path
) -> None:
    build = break_and_build(demo_dir, builder, tmp_path, f"""
        select * replace (
            case
                when {EVENT_NAME} = 'data_source_connected' and received_at >= timestamp '2026-05-15'
                    then regexp_replace(properties, ',\\s*"source_type":\\s*"[^"]*"', '')
                else properties
            end as properties
        )
        from events
    """)
    assert build.returncode != 0
    assert_fires(build, "dq_tracking_plan_conformance", "error")
    days = {day for check, _, day in build.breaches("error") if check == "missing_required_property"}
    assert {"2026-05-15", "2026-05-20", "2026-05-31"} <= days
    assert min(days) >= "2026-05-15"
    for quiet in ("dq_tracking_coverage", "dq_event_volume", "dq_arrival_lateness", "dq_duplicate_share",
                  "dq_quarantine_share", "dq_source_freshness"):
        assert build.status(f"{quiet}__error") == "pass" and build.status(f"{quiet}__warn") == "pass"


def test_half_the_events_three_days_late_fails_arrival_lateness(
    demo_dir: Path, builder: Builder, clean_build: Build, tmp_path: Path
) -> None:
    build = break_and_build(demo_dir, builder, tmp_path, f"""
        select * replace (
            case
                when cast(received_at as date) between date '2026-05-10' and date '2026-05-20' and {HALF}
                    then received_at + interval 3 day
                else received_at
            end as received_at
        )
        from events
    """)
    assert build.returncode != 0
    assert_fires(build, "dq_arrival_lateness", "error")
    days = {day for check, _, day in build.day_breaches("error") if check == "arrival_lateness"}
    assert {"2026-05-10", "2026-05-15", "2026-05-20"} <= days
    assert days <= {f"2026-05-{d:02d}" for d in range(9, 21)}
    # The window holds the late week for the days after it, and only those.
    window_days = {day for check, _, day in build.window_breaches("error") if check == "arrival_lateness"}
    assert "2026-05-21" in window_days
    assert window_days <= {f"2026-05-{d:02d}" for d in range(21, 27)}
    for quiet in ("dq_tracking_coverage", "dq_tracking_plan_conformance", "dq_event_volume",
                  "dq_duplicate_share", "dq_quarantine_share", "dq_source_freshness"):
        assert build.status(f"{quiet}__error") == "pass" and build.status(f"{quiet}__warn") == "pass"


def test_a_duplicated_batch_fails_duplicate_share_and_a_partial_one_warns(
    demo_dir: Path, builder: Builder, clean_build: Build, tmp_path: Path
) -> None:
    build = break_and_build(demo_dir, builder, tmp_path, """
        select * from events
        union all
        select * from events where cast(received_at as date) = date '2026-05-20'
        union all
        select * from events
        where cast(received_at as date) = date '2026-05-25' and hash(coalesce(event_id, '')) % 10 = 0
    """)
    assert build.returncode != 0
    assert_fires(build, "dq_duplicate_share", "error")
    assert_fires(build, "dq_duplicate_share", "warn")
    assert {(c, t, d) for c, t, d in build.day_breaches("error") if c == "duplicate_share"} == {
        ("duplicate_share", "raw.events", "2026-05-20")
    }
    # 05-25's own verdict is a warning; its status is the window's error (05-20 is in its week).
    assert builder.warehouse.query(
        "select cast(check_date as varchar) from marts.dq_duplicate_share"
        " where share_lower_bound > warn_above and share_lower_bound <= error_above"
    ) == [("2026-05-25",)]
    # The window holds each batch for the week after it, and only then.
    window_days = {d for c, _, d in build.window_breaches("error") | build.window_breaches("warn") if c == "duplicate_share"}
    assert {"2026-05-21", "2026-05-25"} <= window_days
    assert window_days <= {f"2026-05-{d:02d}" for d in range(21, 32)}
    for quiet in ("dq_tracking_coverage", "dq_tracking_plan_conformance", "dq_event_volume",
                  "dq_arrival_lateness", "dq_quarantine_share", "dq_source_freshness"):
        assert build.status(f"{quiet}__error") == "pass" and build.status(f"{quiet}__warn") == "pass"


def test_a_stopped_tracker_fails_source_freshness(
    demo_dir: Path, builder: Builder, clean_build: Build, tmp_path: Path
) -> None:
    folder = broken_copy(demo_dir, tmp_path / "raw", "select * from events where received_at < timestamp '2026-05-28'")
    # A second feed lags less: the flag exposures stop ten days before the end (the
    # application tables are held to days, not hours).
    with duckdb.connect() as connection:
        exposures = folder / "flag_exposures.parquet"
        connection.execute(f"""
            copy (select * from read_parquet('{demo_dir / 'flag_exposures.parquet'}')
                  where exposed_at < timestamp '2026-05-22')
            to '{exposures}' (format parquet)
        """)
    build = builder.build(folder, *NO_UNIT_TESTS, *DQ_SELECTION)
    assert build.returncode != 0
    assert_fires(build, "dq_source_freshness", "error")
    assert_fires(build, "dq_source_freshness", "warn")
    assert {(c, t) for c, t, _ in build.breaches("error") if c == "source_freshness"} == {
        ("source_freshness", "raw.events")
    }
    assert {(c, t) for c, t, _ in build.breaches("warn") if c == "source_freshness"} == {
        ("source_freshness", "raw.flag_exposures")
    }
    # The users who signed up after the tracker stopped have no signed_up event either.
    assert ("tracking_coverage", "raw.users", "2026-05-30") in build.breaches("error")


def test_a_malformed_timestamp_batch_fails_quarantine_share(
    demo_dir: Path, builder: Builder, clean_build: Build, tmp_path: Path
) -> None:
    build = break_and_build(demo_dir, builder, tmp_path, f"""
        select * replace (
            case
                when cast(received_at as date) = date '2026-05-20' and {HALF}
                    then regexp_replace(occurred_at, '(Z|[+-][0-9][0-9]:[0-9][0-9])$', '')
                else occurred_at
            end as occurred_at
        )
        from events
    """)
    assert build.returncode != 0
    assert_fires(build, "dq_quarantine_share", "error")
    assert {(c, t, d) for c, t, d in build.day_breaches("error") if c == "quarantine_share"} == {
        ("quarantine_share", "raw.events", "2026-05-20")
    }
    window_days = {d for c, _, d in build.window_breaches("error") if c == "quarantine_share"}
    assert "2026-05-21" in window_days and window_days <= {f"2026-05-{d:02d}" for d in range(21, 27)}
    assert "unparseable_occurred_at" in build.stdout.split("data quality ERROR: quarantine_share", 1)[1].splitlines()[0]
    for quiet in ("dq_tracking_plan_conformance", "dq_arrival_lateness", "dq_duplicate_share", "dq_source_freshness"):
        assert build.status(f"{quiet}__error") == "pass" and build.status(f"{quiet}__warn") == "pass"
