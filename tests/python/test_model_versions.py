"""Names that stay true when a setting changes: the dbt model versions of two marts.

`fct_user_activation` and `activation_drivers` have a version 2 whose column names and
driver keys name no setting's default (`*_post_connection`, `returned_within_return_window`,
`empty_state_post_connection`, ...), built as `<mart>_v2` and read by everything in the
project. Version 1 keeps the relation name BI tools read (`marts.fct_user_activation`,
`marts.activation_drivers`), with the old names, until its deprecation date. Proved here
on the hand-written scenario (tests/python/data/scenario, described in test_scenario.py):

- version 1 has exactly the old columns, in the old order, and every value equals version
  2's under the new name (row by row, on the user_id / driver and bucket keys);
- activation_warehouse/marts.py names the relation dbt builds for each latest version;
- built with `--vars '{post_connection_minutes: 60, return_window_days: 3}'`, the renamed
  columns follow the settings (hand-computed below), and the report's labels say
  "60 minutes" and "3 days", never the defaults' "30 minutes" and "7 days", which the
  default build's report does show (so the check can fail).

Hand computation from the scenario (connected_at c, first value fv):
- return within the window, for the dropped users u02 (return 3 d 3 h 55 min after c),
  u03 (8 d 55 min), u14 (5 d 23 h 30 min), u04, u09 and u20 (no return): with 7 days u02
  and u14; with 3 days nobody. In scope (50 to 500 employees) are u02, u03, u04, u14.
- a value event in (c, c + window]: u01 (fv c + 10 min), u06 (+20.5), u08 (+30, the bound
  is included), u10 (+20), u11 (+20) with 30 minutes; with 60 minutes also u15 (+40).
  u05 (+135), u07 (+1360) and u13 (+14 d - 30 min) are outside both.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.cli import main
from activation_warehouse.load import load_folder
from activation_warehouse.marts import LATEST_RELATIONS
from activation_warehouse.report import ReportData, setting_label

from conftest import FIXTURES_DIR, ScratchWarehouse

pytestmark = pytest.mark.dbt

#: fct_user_activation's columns before version 2, in their order (the contract BI read).
OLD_USER_COLUMNS = (
    "user_id", "account_id", "signed_up_at", "signup_cohort_week", "company_size_band", "signup_channel",
    "is_in_scope", "data_source_type", "connected_at", "is_connected", "connection_id", "first_value_at",
    "is_activated", "is_mature", "window_ends_at", "as_of", "minutes_to_first_value",
    "post_connection_actions_30m", "had_value_event_30m", "saw_empty_state_30m", "had_sync_failed_30m",
    "saw_empty_state_before_value_30m", "viewed_template_gallery_before_value_30m", "data_ready_minutes",
    "sync_failed_before_ready", "first_sync_error_code", "connecting_session_minutes",
    "dropped_after_connection", "returned_after_drop", "returned_within_7d", "last_action_at", "is_stalled",
    "current_milestone", "milestones_completed", "milestones_applicable",
)
#: Version 1's name -> version 2's name, for the columns that were renamed.
RENAMED_USER_COLUMNS = {
    "post_connection_actions_30m": "post_connection_actions",
    "had_value_event_30m": "had_value_event_post_connection",
    "saw_empty_state_30m": "saw_empty_state_post_connection",
    "had_sync_failed_30m": "had_sync_failed_post_connection",
    "saw_empty_state_before_value_30m": "saw_empty_state_before_value_post_connection",
    "viewed_template_gallery_before_value_30m": "viewed_template_gallery_before_value_post_connection",
    "returned_within_7d": "returned_within_return_window",
}
OLD_DRIVER_COLUMNS = (
    "driver", "bucket", "bucket_order", "connected_users", "activated_users", "activation_rate",
    "share_of_users", "overall_activation_rate", "rate_vs_overall", "driver_spread", "driver_rank",
)
RENAMED_DRIVER_KEYS = {
    "empty_state_30m": "empty_state_post_connection",
    "template_gallery_30m": "template_gallery_post_connection",
}
SETTINGS = "{post_connection_minutes: 60, return_window_days: 3}"


@pytest.fixture(scope="module")
def with_settings(tmp_path_factory: pytest.TempPathFactory) -> ScratchWarehouse:
    """The scenario built with a 60-minute post-connection window and a 3-day return window."""
    root = tmp_path_factory.mktemp("scenario_settings")
    warehouse = ScratchWarehouse(path=root / "warehouse.duckdb", target_dir=root / "target")
    load_folder(FIXTURES_DIR / "scenario", warehouse.path, progress=False)
    # Every data test runs (the unit tests under other vars: test_unit_tests_pin_their_definition.py).
    warehouse.dbt("build", "--vars", SETTINGS)
    return warehouse


def _columns(warehouse: ScratchWarehouse, table: str) -> tuple[str, ...]:
    return tuple(row[0] for row in warehouse.query(
        "select column_name from information_schema.columns"
        f" where table_schema = 'marts' and table_name = '{table}' order by ordinal_position"
    ))


def _user_differences(warehouse: ScratchWarehouse) -> list[tuple[str, int]]:
    """(version 1 column, rows differing from version 2's) for every column that differs."""
    differences = []
    for old in OLD_USER_COLUMNS[1:]:
        new = RENAMED_USER_COLUMNS.get(old, old)
        count = warehouse.scalar(
            "select count(*) from marts.fct_user_activation as v1"
            " full outer join marts.fct_user_activation_v2 as v2 on v1.user_id = v2.user_id"
            f" where v1.user_id is null or v2.user_id is null or v1.{old} is distinct from v2.{new}"
        )
        if count:
            differences.append((old, count))
    return differences


def _users_where(warehouse: ScratchWarehouse, table: str, column: str) -> list[str]:
    return [row[0] for row in warehouse.query(f"select user_id from marts.{table} where {column} order by user_id")]


def test_latest_relations_are_what_dbt_builds(scenario_build: ScratchWarehouse) -> None:
    manifest = json.loads((scenario_build.target_dir / "manifest.json").read_text())
    latest = {
        node["name"]: node["alias"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node.get("version") is not None
        and str(node["version"]) == str(node["latest_version"])
    }
    assert latest == LATEST_RELATIONS
    old = {
        node["name"]: (node["alias"], node["deprecation_date"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and str(node.get("version")) == "1"
    }
    assert {name: alias for name, (alias, _) in old.items()} == {name: name for name in LATEST_RELATIONS}
    assert all(date and date.startswith("2027-03-31") for _, date in old.values())


def test_user_activation_v1_keeps_the_old_columns_with_v2s_values(scenario_build: ScratchWarehouse) -> None:
    assert _columns(scenario_build, "fct_user_activation") == OLD_USER_COLUMNS
    new_columns = _columns(scenario_build, "fct_user_activation_v2")
    # Version 2 starts with version 1's columns, renamed, in their order; columns added
    # since (time to next action, the return, the last action's name) come after them.
    renamed = tuple(RENAMED_USER_COLUMNS.get(column, column) for column in OLD_USER_COLUMNS)
    assert new_columns[:len(renamed)] == renamed
    assert new_columns[len(renamed):] == (
        "next_action_at", "minutes_to_next_action", "returned_at", "days_to_return", "last_action_name")
    assert not any(column.endswith(("_30m", "_7d")) for column in new_columns)
    assert _user_differences(scenario_build) == []
    # The compared values are not all null or all alike: the hand-computed returns (7 days).
    assert _users_where(scenario_build, "fct_user_activation", "returned_within_7d") == ["u02", "u14"]
    assert _users_where(scenario_build, "fct_user_activation", "had_value_event_30m") == [
        "u01", "u06", "u08", "u10", "u11"]


def test_drivers_v1_keeps_the_old_keys_with_v2s_values(scenario_build: ScratchWarehouse) -> None:
    assert _columns(scenario_build, "activation_drivers") == OLD_DRIVER_COLUMNS
    assert _columns(scenario_build, "activation_drivers_v2") == OLD_DRIVER_COLUMNS
    v1 = scenario_build.query("select * from marts.activation_drivers")
    v2 = scenario_build.query("select * from marts.activation_drivers_v2")
    assert sorted(v2) == sorted((RENAMED_DRIVER_KEYS.get(row[0], row[0]), *row[1:]) for row in v1)
    keys = {row[0] for row in v1}
    assert set(RENAMED_DRIVER_KEYS) <= keys and not keys & set(RENAMED_DRIVER_KEYS.values())
    assert not any(key.endswith("_30m") for key in {row[0] for row in v2})


def test_v1_on_duckdb_is_a_view_that_follows_v2_rebuilt_alone(
    scenario_build: ScratchWarehouse, tmp_path: Path
) -> None:
    """On DuckDB version 1 is a view of version 2 (macros/materializations/projection.sql).
    Version 2 rebuilt alone under another return window (dbt swaps in a new table and
    drops the old one) must leave the view in place, reading the new table; and the view
    must resolve when the file is attached under another name (it names version 2
    without the database)."""
    folder = tmp_path / "warehouse"
    shutil.copytree(scenario_build.path.parent, folder)
    warehouse = ScratchWarehouse.in_folder(folder)
    views = {row[0] for row in warehouse.query(
        "select view_name from duckdb_views() where schema_name = 'marts' and not internal")}
    assert {"fct_user_activation", "activation_drivers"} <= views
    assert _users_where(warehouse, "fct_user_activation", "returned_within_7d") == ["u02", "u14"]
    warehouse.dbt("run", "--select", "fct_user_activation.v2", "--vars", "{return_window_days: 3}")
    assert _users_where(warehouse, "fct_user_activation_v2", "returned_within_return_window") == []
    assert _users_where(warehouse, "fct_user_activation", "returned_within_7d") == []
    assert _user_differences(warehouse) == []
    with duckdb.connect() as connection:
        connection.execute(f"attach '{warehouse.path}' as elsewhere (read_only)")
        counts = [connection.execute(f"select count(*) from elsewhere.marts.{name}").fetchone()[0]  # noqa: S608
                  for name in ("fct_user_activation", "fct_user_activation_v2", "activation_drivers")]
    assert counts[0] == counts[1] == warehouse.scalar("select count(*) from marts.fct_user_activation_v2")
    assert counts[2] == warehouse.scalar("select count(*) from marts.activation_drivers_v2") > 0


def test_renamed_columns_follow_the_settings(with_settings: ScratchWarehouse) -> None:
    assert _users_where(with_settings, "fct_user_activation_v2", "returned_within_return_window") == []
    assert _users_where(with_settings, "fct_user_activation_v2", "dropped_after_connection and is_in_scope") == [
        "u02", "u03", "u04", "u14"]
    assert _users_where(with_settings, "fct_user_activation_v2", "had_value_event_post_connection") == [
        "u01", "u06", "u08", "u10", "u11", "u15"]
    # Version 1 holds the same values under the names that state the defaults.
    assert _user_differences(with_settings) == []


def _report(warehouse: ScratchWarehouse, out: Path, *extra: str) -> str:
    assert main(["report", "--warehouse", str(warehouse.path), "--out", str(out), *extra]) == 0
    return out.read_text(encoding="utf-8")


def test_report_labels_follow_the_settings(
    scenario_build: ScratchWarehouse, with_settings: ScratchWarehouse, tmp_path: Path
) -> None:
    default = _report(scenario_build, tmp_path / "default.html")
    assert "30 minutes" in default and "7 days" in default
    # The report is told nothing: it reads the settings the build recorded.
    page = _report(with_settings, tmp_path / "settings.html")
    assert "first 60 minutes" in page  # the post-connection drivers' titles
    assert "earlier of 60 minutes later and first value" in page  # the drivers' note
    assert "back within 3 days" in page  # the return-window figure of the verdict
    for default_label in ("30 minutes", "30 min)", "7 days"):
        assert default_label not in page, default_label


@pytest.mark.parametrize(("name", "value", "label"), [
    ("post_connection_minutes", 1, "1 minute"),
    ("post_connection_minutes", 45, "45 minutes"),
    ("return_window_days", 2.5, "2.5 days"),
    ("return_window_days", None, "the return_window_days setting"),
])
def test_setting_label_words(name: str, value: float | None, label: str) -> None:
    data = ReportData(warehouse=Path("unused.duckdb"), vars={} if value is None else {name: (value, "marts.activation_settings")})
    assert setting_label(data, name) == label
