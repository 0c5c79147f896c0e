"""The demo data end to end: generate (fixed seed and end time), load, `dbt build`, and
check that the effects the generator plants are visible in the marts a person reads.

The thresholds are qualitative on purpose (a direction, or a broad band the generator
promises), so a change of the generator's random draws does not break them while a model
that loses an effect does. The raw row count is taken from the Parquet files with pyarrow,
independently of the warehouse.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import ScratchWarehouse

pytestmark = pytest.mark.dbt


@pytest.fixture(scope="module")
def demo(default_demo: tuple[ScratchWarehouse, Path]) -> tuple[ScratchWarehouse, Path]:
    return default_demo


def test_every_raw_event_is_accounted_for(demo: tuple[ScratchWarehouse, Path]) -> None:
    warehouse, raw = demo
    raw_rows = pq.ParquetFile(raw / "events.parquet").metadata.num_rows
    landed = warehouse.scalar(
        "select (select count(*) from marts.fct_events) + (select count(*) from marts.event_quarantine)"
        " + (select count(*) from marts.event_duplicates)"
    )
    assert landed == raw_rows
    # The demo is dirty on purpose: every kind of refusal occurs, and only documented codes.
    reasons = {row[0] for row in warehouse.query("select distinct reason from marts.event_quarantine")}
    codes = {row[0] for row in warehouse.query("select reason from seeds.quarantine_reasons")}
    assert reasons <= codes
    assert {"missing_event_id", "unparseable_occurred_at", "missing_identity"} <= reasons
    assert warehouse.scalar("select count(*) from marts.event_duplicates") > 0


def test_the_post_connection_drop_is_large_and_decided(demo: tuple[ScratchWarehouse, Path]) -> None:
    warehouse, _ = demo
    rate, low, high, users, verdict = warehouse.query(
        "select post_connection_drop_rate, drop_rate_ci_low, drop_rate_ci_high,"
        " mature_connected_users, verdict from marts.activation_decision"
    )[0]
    assert 0.40 <= rate <= 0.60  # the generator's promise for in-scope users
    assert low < rate < high and users > 300
    assert verdict == ("invest" if low > 0.40 else "investigate")


def test_drivers_show_the_planted_causes(demo: tuple[ScratchWarehouse, Path]) -> None:
    warehouse, _ = demo
    rates = {
        (driver, bucket): rate
        for driver, bucket, rate in warehouse.query(
            "select driver, bucket, activation_rate from marts.activation_drivers_v2 where connected_users >= 10"
        )
    }
    assert rates[("data_ready", "0-5 min")] > rates[("data_ready", "1-24 h")] > rates[("data_ready", "never")]
    errors = [rate for (driver, bucket), rate in rates.items() if driver == "sync_error" and bucket != "none"]
    assert errors and max(errors) < rates[("sync_error", "none")]
    empty = {bucket: rate for (driver, bucket), rate in rates.items() if driver == "empty_state_post_connection"}
    assert empty["saw_empty_state"] < empty["no_empty_state"]
    # Ranked by spread, the two planted data problems come first.
    top_two = {row[0] for row in warehouse.query(
        "select distinct driver from marts.activation_drivers_v2 where driver_rank <= 2"
    )}
    assert top_two == {"data_ready", "sync_error"}


def test_experiment_returns_and_stalls_are_visible(demo: tuple[ScratchWarehouse, Path]) -> None:
    warehouse, _ = demo
    by_variant = dict(warehouse.query(
        "select variant, activation_rate from marts.experiment_results where flag_key = 'guided_setup_v2'"
    ))
    assert by_variant["treatment"] > by_variant["control"]
    returned, dropped = warehouse.query(
        "select count(case when returned_after_drop then 1 end), count(case when dropped_after_connection then 1 end)"
        " from marts.fct_user_activation_v2"
    )[0]
    assert 0 < returned < dropped
    assert warehouse.scalar("select count(*) from marts.stalled_users") > 0
    assert warehouse.scalar(
        "select count(distinct segment_value) from marts.activation_funnel where segment_type = 'signup_cohort_week'"
    ) >= 15


def test_user_activation_equals_an_independent_implementation(demo: tuple[ScratchWarehouse, Path]) -> None:
    """bench/floor_user_activation.sql computes fct_user_activation straight from the raw
    tables in one hand-written DuckDB script (the benchmark's floor). Written apart from
    the models, it is a second method: every user and every column must agree, times and
    flags exactly, durations to 1e-9 minutes. The script names the columns as version 1
    does, so it is compared with version 1 (`marts.fct_user_activation`), which equals
    version 2 renamed (test_model_versions.py)."""
    warehouse, _ = demo
    import duckdb

    from activation_warehouse.paths import PROJECT_DIR

    floor_sql = (PROJECT_DIR / "bench" / "floor_user_activation.sql").read_text()
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute(floor_sql)
        columns = [
            row[0]
            for row in connection.execute(
                "select column_name from information_schema.columns"
                " where table_schema = 'marts' and table_name = 'fct_user_activation' order by ordinal_position"
            ).fetchall()
        ]
        durations = {"minutes_to_first_value", "data_ready_minutes", "connecting_session_minutes"}
        mismatches = []
        for column in columns:
            if column == "user_id":
                continue
            differs = (
                f"abs(m.{column} - f.{column}) > 1e-9 or (m.{column} is null) != (f.{column} is null)"
                if column in durations
                else f"m.{column} is distinct from f.{column}"
            )
            count = connection.execute(
                f"select count(*) from marts.fct_user_activation as m"  # noqa: S608 - names from the catalog
                f" full outer join floor.user_activation as f on m.user_id = f.user_id where {differs}"
            ).fetchone()[0]
            if count:
                mismatches.append((column, count))
        users = connection.execute("select count(*) from floor.user_activation").fetchone()[0]
    assert users > 1000
    assert mismatches == []
