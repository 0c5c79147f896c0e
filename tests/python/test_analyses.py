"""The analyses in analyses/: each compiles, runs on a built demo and returns rows, and a
few of its numbers agree with the marts read by a second route (a count over
fct_user_activation_v2 or another mart, recomputed here in Python).

The demo (`small_demo`) is shared and must not be written: the analyses are compiled
against a scratch warehouse of this module's own (dbt opens the file it compiles for),
and the compiled SQL runs on an in-memory DuckDB that attaches the demo read-only under
the catalog name the compiled SQL uses.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from activation_warehouse import settings
from activation_warehouse.paths import PROJECT_DIR
from conftest import ScratchWarehouse

ANALYSES_DIR = PROJECT_DIR / "analyses"
Z_95 = 1.959963984540054
#: dbt-duckdb names the catalog after the warehouse file's stem; the scratch file the
#: analyses are compiled for is `<CATALOG>.duckdb`.
CATALOG = "warehouse"

Rows = list[dict[str, Any]]


class Demo:
    """The built demo, read-only: run a compiled analysis, or query a mart directly."""

    def __init__(self, path: Path) -> None:
        self.connection = duckdb.connect(":memory:")
        self.connection.execute(f"attach '{path}' as {CATALOG} (read_only)")
        self.connection.execute(f"use {CATALOG}")

    def rows(self, sql: str) -> Rows:
        """The result as dicts, so a check names columns rather than positions."""
        cursor = self.connection.execute(sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def project_var(name: str) -> Any:
    """A setting's value for the demo, which is built with no --vars: the registry's
    default, read by Python from the registry itself, not from the mart that records it."""
    return settings.default(name)


def wilson(successes: int, n: int) -> tuple[float, float]:
    """The Wilson 95% interval, written out here from the textbook formula so that the
    SQL macro is checked against an implementation it does not share."""
    p = successes / n
    centre = (p + Z_95**2 / (2 * n)) / (1 + Z_95**2 / n)
    half = Z_95 / (1 + Z_95**2 / n) * math.sqrt(p * (1 - p) / n + Z_95**2 / (4 * n * n))
    return max(centre - half, 0.0), min(centre + half, 1.0)


def percentile_cont(values: list[float], fraction: float) -> float:
    """Linear-interpolation percentile (SQL's percentile_cont), computed in Python."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --- one check per analysis: (the analysis's rows, the demo) -> assertions --------------


def check_post_connection_drop_by_segment(rows: Rows, demo: Demo) -> None:
    users = demo.rows("select * from marts.fct_user_activation_v2 where is_mature and is_connected")
    decision = demo.rows("select * from marts.activation_decision")[0]
    by_segment = {(row["segment_type"], row["segment_value"]): row for row in rows}
    in_scope = [user for user in users if user["is_in_scope"]]
    # The funnel's in-scope row and the decision's row are the same users, counted twice.
    for key in [("decision", "in_scope"), ("scope", "in_scope")]:
        assert by_segment[key]["connected_users"] == len(in_scope) == decision["mature_connected_users"]
        assert by_segment[key]["dropped_users"] == sum(u["dropped_after_connection"] for u in in_scope)
    assert by_segment[("decision", "in_scope")]["post_connection_drop_rate"] == pytest.approx(
        decision["post_connection_drop_rate"]
    )
    # Every data source: counted from the users, and its interval recomputed.
    sources = Counter(user["data_source_type"] for user in users)
    dropped = Counter(user["data_source_type"] for user in users if user["dropped_after_connection"])
    source_rows = [row for row in rows if row["segment_type"] == "data_source_type" and row["connected_users"]]
    assert {row["segment_value"] for row in source_rows} == set(sources)
    for row in source_rows:
        assert row["connected_users"] == sources[row["segment_value"]]
        assert row["dropped_users"] == dropped[row["segment_value"]]
        low, high = wilson(row["dropped_users"], row["connected_users"])
        assert (row["drop_rate_ci_low"], row["drop_rate_ci_high"]) == pytest.approx((low, high), abs=1e-12)


def check_post_connection_drop_by_signup_week(rows: Rows, demo: Demo) -> None:
    users = demo.rows("select * from marts.fct_user_activation_v2 where is_mature and is_connected")
    overall = [row for row in rows if row["segment_type"] == "overall"]
    assert sum(row["connected_users"] for row in overall) == len(users)
    assert sum(row["dropped_users"] for row in overall) == sum(u["dropped_after_connection"] for u in users)
    channel_weeks = Counter(
        (user["signup_cohort_week"], user["signup_channel"]) for user in users if user["dropped_after_connection"]
    )
    for row in rows:
        if row["segment_type"] == "signup_channel":
            assert row["dropped_users"] == channel_weeks[(row["signup_cohort_week"], row["segment_value"])]
        if row["cohort_maturity"] == "immature":
            assert row["post_connection_drop_rate"] is None


def check_time_to_first_value_trend_by_signup_week(rows: Rows, demo: Demo) -> None:
    users = demo.rows(
        "select * from marts.fct_user_activation_v2 where is_mature and is_in_scope and is_connected"
    )
    minutes: dict[Any, list[float]] = defaultdict(list)
    for user in users:
        if user["minutes_to_first_value"] is not None:
            minutes[user["signup_cohort_week"]].append(user["minutes_to_first_value"])
    assert [row["signup_cohort_week"] for row in rows] == sorted({u["signup_cohort_week"] for u in users})
    medians = {}
    for row in rows:
        week = row["signup_cohort_week"]
        assert row["connected_users"] == sum(u["signup_cohort_week"] == week for u in users)
        assert row["activated_users"] == len(minutes[week])
        if minutes[week]:
            medians[week] = statistics.median(minutes[week])
            assert row["median_minutes_to_first_value"] == pytest.approx(medians[week])
            assert row["p90_minutes_to_first_value"] == pytest.approx(percentile_cont(minutes[week], 0.9))
    changes = [row for row in rows if row["median_change_vs_four_weeks_earlier"] is not None]
    assert changes, "the demo spans more than four weeks: some week has a change"
    weeks = [row["signup_cohort_week"] for row in rows]
    for row in changes:
        earlier = weeks[weeks.index(row["signup_cohort_week"]) - 4]
        assert row["median_change_vs_four_weeks_earlier"] == pytest.approx(
            medians[row["signup_cohort_week"]] / medians[earlier] - 1
        )


def check_time_to_value_and_next_action_by_segment(rows: Rows, demo: Demo) -> None:
    users = demo.rows("select * from marts.fct_user_activation_v2 where is_mature and is_connected")
    # Time to next action re-derived from the events: the first user action strictly after
    # connecting, at or before the as-of time.
    actions: dict[str, list[datetime]] = defaultdict(list)
    for event in demo.rows(
        "select user_id, occurred_at from marts.fct_events where is_user_action and user_id is not null"
    ):
        actions[event["user_id"]].append(event["occurred_at"])
    by_key = {(row["segment_type"], row["segment_value"], row["user_group"]): row for row in rows}
    for group in ("activated", "dropped"):
        members = [u for u in users if u["is_activated"] == (group == "activated")]
        next_action = []
        for user in members:
            later = [a for a in actions[user["user_id"]] if user["connected_at"] < a <= user["as_of"]]
            if later:
                next_action.append((min(later) - user["connected_at"]).total_seconds() / 60)
        row = by_key[("overall", "overall", group)]
        assert row["users"] == len(members)
        assert row["users_with_next_action"] == len(next_action)
        assert row["median_minutes_to_next_action"] == pytest.approx(statistics.median(next_action))
        assert row["p90_minutes_to_next_action"] == pytest.approx(percentile_cont(next_action, 0.9))
        first_value = [u["minutes_to_first_value"] for u in members if u["minutes_to_first_value"] is not None]
        if group == "activated":
            assert row["median_minutes_to_first_value"] == pytest.approx(statistics.median(first_value))
        else:
            assert not first_value and row["median_minutes_to_first_value"] is None
    sources = Counter((u["data_source_type"], u["is_activated"]) for u in users)
    for row in rows:
        if row["segment_type"] == "data_source_type":
            assert row["users"] == sources[(row["segment_value"], row["user_group"] == "activated")]


def check_drop_off_returns(rows: Rows, demo: Demo) -> None:
    dropped = demo.rows("select * from marts.fct_user_activation_v2 where dropped_after_connection")
    sessions: dict[str, list[datetime]] = defaultdict(list)
    for session in demo.rows("select user_id, started_at from marts.fct_sessions where user_id is not null"):
        sessions[session["user_id"]].append(session["started_at"])
    window_days = project_var("return_window_days")
    by_scope = {row["scope"]: row for row in rows}
    assert set(by_scope) == {"in_scope" if u["is_in_scope"] else "out_of_scope" for u in dropped}
    for scope, row in by_scope.items():
        users = [u for u in dropped if u["is_in_scope"] == (scope == "in_scope")]
        # The return delay re-derived here from the sessions, checked against the mart's
        # own return flags, which it derives from the session that held the connection.
        delays = []
        for user in users:
            later = [s for s in sessions[user["user_id"]] if user["connected_at"] < s <= user["as_of"]]
            if later:
                delays.append((min(later) - user["connected_at"]).total_seconds() / 86400)
        assert row["return_window_days"] == window_days
        assert row["dropped_users"] == len(users)
        assert row["returned_users"] == sum(bool(u["returned_after_drop"]) for u in users) == len(delays)
        assert row["returned_within_window_users"] == sum(bool(u["returned_within_return_window"]) for u in users)
        assert row["returned_within_window_users"] == sum(delay <= window_days for delay in delays)
        assert row["median_days_to_return"] == pytest.approx(statistics.median(delays))


def check_lowest_activation_driver_bucket(rows: Rows, demo: Demo) -> None:
    users = demo.rows("select * from marts.fct_user_activation_v2 where is_mature and is_in_scope and is_connected")
    seed = demo.rows("select * from seeds.driver_buckets")
    columns = {"data_ready": "data_ready_minutes", "connecting_session_minutes": "connecting_session_minutes"}

    def bucket_of(driver: str, user: dict[str, Any]) -> str:
        """A user's bucket for a driver, by the rules of the drivers' documentation."""
        if driver == "sync_error":
            return user["first_sync_error_code"]
        if driver == "empty_state_post_connection":
            seen = user["saw_empty_state_before_value_post_connection"]
            return "saw_empty_state" if seen else "no_empty_state"
        if driver == "template_gallery_post_connection":
            viewed = user["viewed_template_gallery_before_value_post_connection"]
            return "viewed_template_gallery" if viewed else "no_template_gallery"
        value = user[columns[driver]]
        for bucket in (b for b in seed if b["driver"] == driver):
            if value is None and bucket["min_value"] is None and bucket["max_value"] is None:
                return bucket["bucket"]
            if value is not None and bucket["min_value"] is not None and bucket["min_value"] <= value and (
                bucket["max_value"] is None or value < bucket["max_value"]
            ):
                return bucket["bucket"]
        return "unknown"

    for row in rows:
        members = [user for user in users if bucket_of(row["driver"], user) == row["bucket"]]
        assert row["connected_users"] == len(members), (row["driver"], row["bucket"])
        assert row["activated_users"] == sum(user["is_activated"] for user in members)
        assert row["counts_toward_spread"] == (len(members) >= project_var("min_driver_bucket_users"))
    counted = [row["activation_rate"] for row in rows if row["counts_toward_spread"]]
    assert counted == sorted(counted), "the lowest activation first among buckets that count"


def check_opportunity_and_verdict(rows: Rows, demo: Demo) -> None:
    opportunity = demo.rows("select * from marts.activation_opportunity")
    decision = demo.rows("select * from marts.activation_decision")[0]
    lifts = sorted(row["relative_lift"] for row in demo.rows("select * from seeds.opportunity_lifts"))
    assert [row["relative_lift"] for row in rows] == pytest.approx(lifts)
    for row in rows:
        bands = [band for band in opportunity if band["relative_lift"] == row["relative_lift"]]
        assert row["extra_activated_accounts"] == pytest.approx(sum(b["extra_activated_accounts"] for b in bands))
        assert row["extra_annual_revenue"] == pytest.approx(sum(b["extra_annual_revenue"] for b in bands))
        assert (row["verdict"], row["verdict_reason"]) == (decision["verdict"], decision["verdict_reason"])
    # More recovery is never worth less.
    revenue = [row["extra_annual_revenue"] for row in rows]
    assert revenue == sorted(revenue)


def check_stalled_users_to_nudge(rows: Rows, demo: Demo) -> None:
    stalled = demo.rows("select * from marts.fct_user_activation_v2 where is_stalled")
    assert sorted(row["user_id"] for row in rows) == sorted(user["user_id"] for user in stalled)
    by_user = {user["user_id"]: user for user in stalled}
    for row in rows:
        user = by_user[row["user_id"]]
        days = (user["as_of"] - user["last_action_at"]).total_seconds() / 86400
        assert row["days_stalled"] == math.floor(days) >= project_var("stall_days")
        assert row["account_id"] == user["account_id"]
    urgency = [row["days_left_in_window"] for row in rows]
    assert urgency == sorted(urgency)


def check_checklist_completion_by_account(rows: Rows, demo: Demo) -> None:
    milestones = demo.rows("select * from marts.fct_user_milestones where is_applicable")
    applicable: dict[str, set[str]] = defaultdict(set)
    reached: dict[str, set[str]] = defaultdict(set)
    for milestone in milestones:
        applicable[milestone["account_id"]].add(milestone["milestone"])
        if milestone["is_reached"]:
            reached[milestone["account_id"]].add(milestone["milestone"])
    accounts = {u["account_id"] for u in demo.rows("select account_id from marts.fct_user_activation_v2")}
    assert {row["account_id"] for row in rows} == accounts and len(rows) == len(accounts)
    for row in rows:
        assert row["milestones_completed"] == len(reached[row["account_id"]])
        assert row["milestones_applicable"] == len(applicable[row["account_id"]])
        assert row["checklist_completion"] == pytest.approx(
            len(reached[row["account_id"]]) / len(applicable[row["account_id"]])
        )


def check_enterprise_path(rows: Rows, demo: Demo) -> None:
    users = demo.rows("select * from marts.fct_user_activation_v2 where is_mature")
    seed = demo.rows("select * from seeds.milestones")
    band_users = Counter(user["company_size_band"] for user in users)
    band_activated = Counter(user["company_size_band"] for user in users if user["is_activated"])
    activation = next(m["milestone_key"] for m in seed if m["milestone_role"] == "activation")
    for row in rows:
        assert row["mature_users"] == band_users[row["company_size_band"]]
        if row["milestone"] == activation:
            assert row["reached_users"] == band_activated[row["company_size_band"]]
    # A milestone for some bands only appears in those bands and no other.
    for milestone in seed:
        bands = {row["company_size_band"] for row in rows if row["milestone"] == milestone["milestone_key"]}
        if milestone["applies_to_size_bands"] == "all":
            assert bands == set(band_users)
        else:
            assert bands == set(milestone["applies_to_size_bands"].split("|")) & set(band_users)


def check_experiment_readout(rows: Rows, demo: Demo) -> None:
    assert len(rows) == len(demo.rows("select * from marts.experiment_results"))
    control = {row["flag_key"]: row for row in rows if row["is_control"]}
    assert control, "the demo runs experiments"
    for row in rows:
        assert row["activation_rate"] == pytest.approx(row["activated_users"] / row["exposed_users"])
        base = control[row["flag_key"]]
        assert row["diff_vs_control"] == pytest.approx(row["activation_rate"] - base["activation_rate"])
        if row["is_control"]:
            assert row["reading"] == "control"
        elif row["p_value"] is None:
            assert row["reading"] == "no test (no users)"
        else:
            significant = row["p_value"] < 0.05
            assert (row["reading"] == "no detectable difference") == (not significant)


CHECKS: dict[str, Callable[[Rows, Demo], None]] = {
    "post_connection_drop_by_segment": check_post_connection_drop_by_segment,
    "post_connection_drop_by_signup_week": check_post_connection_drop_by_signup_week,
    "time_to_first_value_trend_by_signup_week": check_time_to_first_value_trend_by_signup_week,
    "time_to_value_and_next_action_by_segment": check_time_to_value_and_next_action_by_segment,
    "drop_off_returns": check_drop_off_returns,
    "lowest_activation_driver_bucket": check_lowest_activation_driver_bucket,
    "opportunity_and_verdict": check_opportunity_and_verdict,
    "stalled_users_to_nudge": check_stalled_users_to_nudge,
    "checklist_completion_by_account": check_checklist_completion_by_account,
    "enterprise_path": check_enterprise_path,
    "experiment_readout": check_experiment_readout,
}


def analysis_names() -> list[str]:
    """Every analysis in the folder, by file name."""
    return sorted(path.stem for path in ANALYSES_DIR.glob("*.sql"))


@pytest.fixture(scope="module")
def compiled(small_demo: ScratchWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the analyses' compiled SQL. Compiled for a scratch file, never the
    demo's: dbt opens (and would lock, and may create) the warehouse it compiles for."""
    root = tmp_path_factory.mktemp("analyses")
    scratch = ScratchWarehouse(path=root / f"{CATALOG}.duckdb", target_dir=root / "target")
    scratch.dbt("compile", "--select", "path:analyses")
    return scratch.target_dir / "compiled" / "activation_warehouse" / "analyses"


@pytest.fixture(scope="module")
def demo(small_demo: ScratchWarehouse) -> Demo:
    return Demo(small_demo.path)


def test_every_analysis_has_a_check() -> None:
    """A new analysis without a check here fails, and so does a check of a removed one."""
    assert analysis_names() == sorted(CHECKS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_analysis_runs_and_agrees_with_the_marts(name: str, compiled: Path, demo: Demo) -> None:
    sql = (compiled / f"{name}.sql").read_text()
    assert "{{" not in sql and f'"{CATALOG}"."marts".' in sql, "compiled, reading the marts"
    rows = demo.rows(sql)
    assert rows, f"{name} returned no rows on the demo"
    CHECKS[name](rows, demo)
