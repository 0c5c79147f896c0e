"""A changed activation definition, end to end: every var and seed edit a team would make
keeps the build green, and the hand-worked scenario moves exactly as worked out below.

The definition (README, "The activation definition lives in one place"):

- vars: activation_window_days 7, stall_days 5, return_window_days 3,
  post_connection_minutes 60;
- seeds, as the README's example shows: first value is "invited at least two teammates"
  (milestones.csv: first_value required_count 2; milestone_events.csv: only
  teammate_invited), plus a checklist step `explored_templates` (template_gallery_viewed)
  for the 200-500 size band only.

Worked by hand from tests/python/data/scenario (the default reading is in
test_scenario.py's docstring; times UTC):

as_of stays 2026-04-30 12:00 (u90's page view). A 7-day window makes every user mature
(the last signup, u19, is 04-22 15:00 <= 04-23 12:00), so nobody is in progress and nobody
is stalled: stalled_users is empty.

First value: only u10 invites a teammate, once; nobody has two invites, so nobody is
activated and every connected user drops: 18 of the 19 users in the metrics (all but u16,
who never connects).

Returns (user actions only; sessions split on gaps over 30 min; "within" = a later session
starting at most 3 days after connected_at):
  u02 04-09 14:00 (3 d 3 h 55 min after 04-06 10:05)  returned, not within
  u03 04-15 10:00 (8 d)                              returned, not within
  u05 dashboard 11:45, 2 h 15 min after 09:30 (sync events are not user actions, so the
      gap splits the session)                        returned, within
  u07 report 04-10 08:00 (22 h 40 min)               returned, within
  u08 security review 04-07 10:00 (20 h 30 min; 13:30 -> 14:00 is exactly 30 min, same
      session)                                       returned, within
  u13 dashboard 04-20 08:00 (14 d)                   returned, not within
  u14 page 04-12 08:00 (5 d 23 h 30 min)             returned, not within
  u17 page 04-22 09:00 (1 d 22 h 50 min)             returned, within
  u18 click 04-29 12:00 (8 d)                        returned, not within
  u19 page 04-27 12:00 (4 d 20 h 40 min)             returned, not within
  u01 u04 u06 u09 u10 u11 u15 u20: no later session.

Milestones (completed / applicable): 3 funnel steps for everyone, + security_review for
501+ (u08 u09), + explored_templates for 200-500 (u13 u14 u15 u16 u19). Everyone but u16
completes signup and connection; u08's review (04-07 10:00) is within 7 days of signup;
only u15 views the template gallery (04-09 13:20) in the 200-500 band.

Drivers (mature in-scope connected: u01-u07 u13 u14 u15 u17 u18 u19 = 13, none activated;
the post-connection period is now 60 minutes and, with no first value, never cut short):
  empty state seen: u02 (10:12), u15 (13:15) = 2;  not: 11
  template gallery seen: u01 (09:15), u06 (10:45, no longer after a first value), u15
  (13:20) = 3;  not: 10
  data ready 0-5: u01 u06 u13 u14 u15 = 5; 5-60: u02 u07 u17 u18 u19 = 5; 1-24 h: u05;
  24 h or more: u03; never: u04.

Decision: 13 connected, 13 dropped, rate 1.0; 13 < 30 users: investigate.

Experiment guided_setup_v2 (mature users; first exposure at or after signup, within 7
days, before a first value that nobody has): control u02 u03 u05 u10 u18 = 5, treatment
u01 u04 u06 u13 u15 u16 u17 = 7 (u15's exposure after its old first value now counts;
u17 and u18 are mature now), u14 excluded for two variants; 0 activated in each.

Accounts: all seven accounts in the metrics are mature and none is activated.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import pytest

from activation_warehouse.dev.generate import DemoConfig, generate_demo
from activation_warehouse.load import load_folder

from conftest import FIXTURES_DIR, ScratchWarehouse, project_copy

pytestmark = pytest.mark.dbt

CHANGED_VARS = "{activation_window_days: 7, stall_days: 5, return_window_days: 3, post_connection_minutes: 60}"
WILSON_Z = 1.959963984540054


def _changed_project(root: Path) -> Path:
    """A copy of the project with the seed edits of the module docstring."""
    project = project_copy(root / "project")
    seeds = project / "seeds"
    milestones = seeds / "milestones.csv"
    lines = milestones.read_text().splitlines()
    lines = [
        'first_value,3,2,all,true,activation,"Two teammates invited after the connection"'
        if line.startswith("first_value,") else line
        for line in lines
    ]
    lines.append('explored_templates,5,1,200-500,false,,"Opened the template gallery (growth accounts)"')
    milestones.write_text("\n".join(lines) + "\n")
    events = seeds / "milestone_events.csv"
    kept = [line for line in events.read_text().splitlines() if not line.startswith("first_value,")]
    kept += ["first_value,teammate_invited", "explored_templates,template_gallery_viewed"]
    events.write_text("\n".join(kept) + "\n")
    return project


def _build(raw: Path, root: Path, project: Path) -> ScratchWarehouse:
    warehouse = ScratchWarehouse(root / "warehouse.duckdb", root / "target", project, artifacts=True)
    load_folder(raw, warehouse.path, progress=False)
    result = warehouse.dbt("build", "--vars", CHANGED_VARS, check=False)
    assert result.returncode == 0, "\n".join(result.stdout.splitlines()[-60:])
    # Every data and consistency test ran and passed: nothing skipped or failed. (The unit
    # tests under these vars: test_unit_tests_pin_their_definition.py.)
    assert " ERROR=0 " in result.stdout and " SKIP=0 " in result.stdout
    return warehouse


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> ScratchWarehouse:
    root = tmp_path_factory.mktemp("changed_definition")
    return _build(FIXTURES_DIR / "scenario", root, _changed_project(root))


T, F, N = True, False, None
#       connected activated mature dropped returned within stalled completed applicable
USERS = {
    "u01": (T, F, T, T, F, F, F, 2, 3),
    "u02": (T, F, T, T, T, F, F, 2, 3),
    "u03": (T, F, T, T, T, F, F, 2, 3),
    "u04": (T, F, T, T, F, F, F, 2, 3),
    "u05": (T, F, T, T, T, T, F, 2, 3),
    "u06": (T, F, T, T, F, F, F, 2, 3),
    "u07": (T, F, T, T, T, T, F, 2, 3),
    "u08": (T, F, T, T, T, T, F, 3, 4),
    "u09": (T, F, T, T, F, F, F, 2, 4),
    "u10": (T, F, T, T, F, F, F, 2, 3),
    "u11": (T, F, T, T, F, F, F, 2, 3),
    "u13": (T, F, T, T, T, F, F, 2, 4),
    "u14": (T, F, T, T, T, F, F, 2, 4),
    "u15": (T, F, T, T, F, F, F, 3, 4),
    "u16": (F, F, T, F, N, N, F, 1, 4),
    "u17": (T, F, T, T, T, T, F, 2, 3),
    "u18": (T, F, T, T, T, F, F, 2, 3),
    "u19": (T, F, T, T, T, F, F, 2, 4),
    "u20": (T, F, T, T, F, F, F, 2, 3),
}


def test_every_user_moves_as_worked_by_hand(changed: ScratchWarehouse) -> None:
    rows = changed.query(
        "select user_id, is_connected, is_activated, is_mature, dropped_after_connection,"
        " returned_after_drop, returned_within_return_window, is_stalled, milestones_completed,"
        " milestones_applicable from marts.fct_user_activation_v2"
    )
    actual = {row[0]: tuple(row[1:]) for row in rows}
    assert actual == USERS


def test_the_new_checklist_step_is_reached_by_u15_alone(changed: ScratchWarehouse) -> None:
    rows = changed.query(
        "select user_id, reached_at from marts.fct_user_milestones"
        " where milestone = 'explored_templates' and is_reached"
    )
    assert rows == [("u15", datetime(2026, 4, 9, 13, 20))]
    applicable = {user for (user,) in changed.query(
        "select user_id from marts.fct_user_milestones where milestone = 'explored_templates' and is_applicable"
    )}
    assert applicable == {"u13", "u14", "u15", "u16", "u19"}


def test_nobody_is_stalled_and_nobody_is_in_progress(changed: ScratchWarehouse) -> None:
    assert changed.scalar("select count(*) from marts.stalled_users") == 0
    overall = changed.query(
        "select step_order, users_reached, users_in_progress from marts.activation_funnel"
        " where segment_type = 'overall' order by step_order"
    )
    assert overall == [(1, 19, 0), (2, 18, 0), (3, 0, 0)]


def test_the_decision_follows(changed: ScratchWarehouse) -> None:
    connected, dropped, rate, low, high, verdict = changed.query(
        "select mature_connected_users, dropped_users, post_connection_drop_rate,"
        " drop_rate_ci_low, drop_rate_ci_high, verdict from marts.activation_decision"
    )[0]
    n, p, z = 13, 1.0, WILSON_Z
    centre = p + z * z / (2 * n)
    spread = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert (connected, dropped, verdict) == (13, 13, "investigate")
    assert rate == pytest.approx(1.0)
    assert low == pytest.approx((centre - spread) / (1 + z * z / n), abs=1e-9)
    assert high == pytest.approx((centre + spread) / (1 + z * z / n), abs=1e-9)


def test_the_drivers_follow_the_sixty_minutes(changed: ScratchWarehouse) -> None:
    rows = changed.query("select driver, bucket, connected_users, activated_users from marts.activation_drivers_v2")
    by_driver: dict[str, dict[str, tuple[int, int]]] = {}
    for driver, bucket, users, activated in rows:
        by_driver.setdefault(driver, {})[bucket] = (users, activated)
    assert all(activated == 0 for buckets in by_driver.values() for _, activated in buckets.values())
    empty_state, gallery = by_driver["empty_state_post_connection"], by_driver["template_gallery_post_connection"]
    assert {bucket: users for bucket, (users, _) in empty_state.items()} == {"saw_empty_state": 2, "no_empty_state": 11}
    assert {bucket: users for bucket, (users, _) in gallery.items()} == {
        "viewed_template_gallery": 3, "no_template_gallery": 10,
    }
    assert sum(users for users, _ in by_driver["data_ready"].values()) == 13


def test_the_experiment_follows(changed: ScratchWarehouse) -> None:
    rows = changed.query("select variant, exposed_users, activated_users from marts.experiment_results")
    assert sorted(rows) == [("control", 5, 0), ("treatment", 7, 0)]


def test_accounts_follow(changed: ScratchWarehouse) -> None:
    rows = changed.query("select count(*), count(*) filter (where is_mature), count(*) filter (where is_activated)"
                         " from marts.fct_account_activation")
    assert rows == [(7, 7, 0)]


def test_the_demo_builds_green_under_the_changed_definition(tmp_path: Path) -> None:
    generate_demo(tmp_path / "raw", DemoConfig(accounts=60, end=datetime(2026, 6, 1)), progress=False)
    warehouse = _build(tmp_path / "raw", tmp_path, _changed_project(tmp_path))
    assert warehouse.scalar("select count(*) from marts.fct_user_milestones where milestone = 'explored_templates'") > 0


#: A non-default, in-range value for every setting at once (README, "Settings"), chosen so
#: that each one really differs from its default. `test_every_setting_has_a_value_here`
#: keeps the list complete as settings are added. `event_collector` is the one left out:
#: its other values read a collector's tables instead of the scenario's raw events, and
#: test_collector_sources.py builds with each of them.
EVERY_SETTING_CHANGED = {
    "raw_schema": "raw_elsewhere",
    # Unread while the events come from raw_schema: a build must not depend on it.
    "collector_schema": "segment_elsewhere",
    "min_event_date": "2016-01-01",
    "max_clock_skew_days": 2,
    "session_timeout_minutes": 45,
    "incremental_lookback_hours": 6,
    "run_results_kept_builds": 5,
    "max_funnel_steps": 6,
    "activation_window_days": 7,
    "post_connection_minutes": 60,
    "return_window_days": 3,
    "stall_days": 5,
    "as_of": "2026-04-30",
    "in_scope_min_employees": 40,
    "in_scope_max_employees": 600,
    "invest_threshold": 0.5,
    "defer_threshold": 0.1,
    "min_decision_users": 10,
    "min_driver_bucket_users": 5,
    "control_variant": "treatment",
    "activated_to_paid_rate": 0.25,
    "dq_min_judged_rows": 10,
    "dq_judged_recent_days": 10,
    "dq_coverage_warn_below": 0.85,
    "dq_coverage_error_below": 0.7,
    "dq_required_property_warn_above": 0.2,
    "dq_required_property_error_above": 0.4,
    "dq_out_of_plan_warn_above": 0.03,
    "dq_volume_baseline_days": 21,
    "dq_volume_min_baseline_days": 10,
    "dq_volume_warn_score": 5.0,
    "dq_volume_error_score": 7.0,
    "dq_late_after_hours": 36,
    "dq_late_share_warn_above": 0.04,
    "dq_late_share_error_above": 0.12,
    "dq_event_freshness_warn_hours": 48,
    "dq_event_freshness_error_hours": 96,
    "dq_app_freshness_warn_hours": 200,
    "dq_app_freshness_error_hours": 800,
    "dq_quarantine_share_warn_above": 0.03,
    "dq_quarantine_share_error_above": 0.06,
    "dq_duplicate_share_warn_above": 0.06,
    "dq_duplicate_share_error_above": 0.2,
    "dq_window_days": 5,
    "dq_window_tightening": 0.6,
    "dq_new_event_name_min_rows": 80,
}


def _setting_defaults() -> dict[str, object]:
    """The default of every setting, from the settings registry (macros/config/settings.sql)."""
    from activation_warehouse.settings import load_registry

    return {setting.name: setting.default for setting in load_registry()}


def test_every_setting_has_a_changed_value_here() -> None:
    defaults = _setting_defaults()
    assert set(EVERY_SETTING_CHANGED) == set(defaults) - {"event_collector"}
    same = [name for name, value in EVERY_SETTING_CHANGED.items() if str(value) == str(defaults[name])]
    assert same == []


def test_the_scenario_builds_green_with_every_setting_changed(tmp_path: Path) -> None:
    import json

    warehouse = ScratchWarehouse(tmp_path / "warehouse.duckdb", tmp_path / "target", _changed_project(tmp_path))
    load_folder(FIXTURES_DIR / "scenario", warehouse.path, schema="raw_elsewhere", progress=False)
    result = warehouse.dbt("build", "--vars", json.dumps(EVERY_SETTING_CHANGED), check=False)
    assert result.returncode == 0, "\n".join(result.stdout.splitlines()[-60:])
    assert " ERROR=0 " in result.stdout and " SKIP=0 " in result.stdout
    # The as-of time is the var's date at 00:00, and the decision reads its own thresholds.
    as_of, invest, defer = warehouse.query(
        "select as_of, invest_threshold, defer_threshold from marts.activation_decision"
    )[0]
    assert (as_of, invest, defer) == (datetime(2026, 4, 30), 0.5, 0.1)
    assert warehouse.scalar("select count(*) from marts.experiment_results where is_control and variant = 'treatment'") == 1


def test_the_report_shows_the_changed_definition(changed: ScratchWarehouse, tmp_path: Path) -> None:
    from activation_warehouse.report import write_report

    out = tmp_path / "report.html"
    write_report(changed.path, out)
    page = out.read_text(encoding="utf-8")
    assert "first 60 minutes" in page  # the post-connection drivers' titles
    assert "back within 3 days" in page  # the verdict's return-window figure
    for stale in ("30 minutes", "first 30 min", "within 7 days"):
        assert stale not in page, stale


def test_the_semantic_layer_follows_the_changed_definition(changed: ScratchWarehouse) -> None:
    import json

    manifest = json.loads((changed.target_dir / "semantic_manifest.json").read_text())
    windows = {
        metric["name"]: metric["type_params"]["conversion_type_params"]["window"]
        for metric in manifest["metrics"] if metric["type"] == "conversion"
    }
    assert {(window["count"], window["granularity"]) for window in windows.values()} == {(7, "day"), (60, "minute")}
    # In scope and dropped: u01-u07 u13 u14 u15 u17 u18 u19 (13); back within 3 days: u05 u07 u17.
    (row,) = changed.mf("--metrics", "returned_within_return_window_rate")
    assert float(row["returned_within_return_window_rate"]) == pytest.approx(3 / 13)
