"""Hostile definitions: seeds and vars a team edits are data, never SQL.

A definition may hold quotes, SQL or template syntax (an event or milestone name, a
property name, a variant label). Seed values are joined as data and text vars are quoted
as literals, so such a value builds and shows up verbatim; it never runs. A var that is
wrong (negative window, thresholds in the wrong order, not an identifier) or a seed that
names an unknown segment stops the build at the start with a message naming it.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.load import load_folder

from conftest import FIXTURES_DIR, ScratchWarehouse, project_copy

pytestmark = pytest.mark.dbt

#: Quotes of both kinds, a statement terminator, a comment, template syntax, a path separator.
HOSTILE = "o'brien\"); drop table raw.events; -- {{ var('x') }} / ~1"
#: The same without template syntax: dbt renders a var's value as Jinja before any macro
#: sees it (dbt's behaviour, not the project's), so a var holding '{{' is template code
#: written by whoever sets vars, like a model. Seeds are never rendered.
HOSTILE_VAR = HOSTILE.replace(" {{ var('x') }}", "")


def _append_rows(seed: Path, *rows: list[str]) -> None:
    with open(seed, "a", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _raw_counts(warehouse: ScratchWarehouse) -> dict[str, int]:
    tables = ("events", "accounts", "users", "data_source_connections", "flag_exposures")
    return {table: warehouse.scalar(f"select count(*) from raw.{table}") for table in tables}


@pytest.fixture(scope="module")
def empty_warehouse(tmp_path_factory: pytest.TempPathFactory) -> ScratchWarehouse:
    """No raw data at all: a bad var must stop dbt before it looks at any table."""
    root = tmp_path_factory.mktemp("vars")
    return ScratchWarehouse(path=root / "warehouse.duckdb", target_dir=root / "target")


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        pytest.param(
            {"activation_window_days": -7},
            # Read while dbt parses the models, even before the on-run-start hooks.
            "Invalid var 'activation_window_days': got \"-7\", expected an integer between 1 and 3650.",
            id="a-negative-window",
        ),
        pytest.param(
            {"invest_threshold": 0.1, "defer_threshold": 0.2},
            "Invalid vars 'defer_threshold' (0.2) and 'invest_threshold' (0.1):"
            " 'defer_threshold' must not exceed 'invest_threshold'.",
            id="invest-below-defer",
        ),
        pytest.param(
            {"raw_schema": "raw; drop table raw.events"},
            "Invalid var 'raw_schema': got \"raw; drop table raw.events\","
            " expected an identifier (letters, digits, underscores).",
            id="sql-as-the-raw-schema",
        ),
        pytest.param(
            {"in_scope_min_employees": 600},
            "Invalid vars 'in_scope_min_employees' (600) and 'in_scope_max_employees' (500)",
            id="an-empty-scope",
        ),
    ],
)
def test_an_invalid_var_stops_the_build_before_anything_runs(
    empty_warehouse: ScratchWarehouse, variables: dict, message: str
) -> None:
    result = empty_warehouse.dbt("build", "--vars", json.dumps(variables), check=False)
    assert result.returncode != 0
    assert message in result.stdout
    assert " START sql" not in result.stdout and " START seed" not in result.stdout


def test_a_milestone_naming_an_unknown_size_band_stops_the_activation_models(tmp_path: Path) -> None:
    """A misspelt segment would make a checklist step silently apply to nobody."""
    project = project_copy(tmp_path / "project")
    seed = project / "seeds" / "milestones.csv"
    seed.write_text(seed.read_text().replace(",501+,", ",501+|200-5000,"))
    warehouse = ScratchWarehouse(tmp_path / "warehouse.duckdb", tmp_path / "target", project)
    load_folder(FIXTURES_DIR / "scenario", warehouse.path, progress=False)
    result = warehouse.dbt("build", check=False)
    assert result.returncode != 0
    assert "FAIL 1 assert_milestones_seed_is_well_formed" in result.stdout
    # Everything that reads the definition is skipped, so no mart shows a wrong checklist.
    assert "SKIP relation intermediate.int_user_milestones" in result.stdout
    built = {name for (name,) in warehouse.query(
        "select table_name from information_schema.tables where table_schema = 'marts'"
    )}
    assert not built & {"fct_user_activation", "fct_account_activation", "activation_funnel"}


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScratchWarehouse, dict[str, int]]:
    """The scenario built from a project copy whose definitions all carry HOSTILE text:
    a checklist milestone and its event, a required property of page_viewed (present in
    every page view's properties); and the control variant (var and raw labels alike)
    carries HOSTILE_VAR."""
    root = tmp_path_factory.mktemp("hostile_definitions")
    project = project_copy(root / "project")
    seeds = project / "seeds"
    _append_rows(seeds / "milestones.csv", [HOSTILE, "9", "1", "all", "false", "", HOSTILE])
    _append_rows(seeds / "milestone_events.csv", [HOSTILE, "template_gallery_viewed"])
    _append_rows(seeds / "tracking_plan_required_properties.csv", ["page_viewed", HOSTILE])
    warehouse = ScratchWarehouse(root / "warehouse.duckdb", root / "target", project)
    load_folder(FIXTURES_DIR / "scenario", warehouse.path, progress=False)
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute(
            "update raw.events set properties = json_merge_patch(properties, json_object(?, 'yes'))"
            " where lower(trim(event_name)) = 'page_viewed' and json_valid(properties)"
            " and json_type(properties) = 'OBJECT'",
            [HOSTILE],
        )
        connection.execute("update raw.flag_exposures set variant = ? where variant = 'control'", [HOSTILE_VAR])
    before = _raw_counts(warehouse)
    # The unit tests pin the shipped definition (their expected rows list its milestones),
    # so a definition with one more milestone is built without them.
    warehouse.dbt("build", "--exclude", "test_type:unit", "--vars", json.dumps({"control_variant": HOSTILE_VAR}))
    return warehouse, before


def test_hostile_definitions_build_and_run_nothing(hostile_build: tuple[ScratchWarehouse, dict[str, int]]) -> None:
    warehouse, before = hostile_build
    assert _raw_counts(warehouse) == before


def test_a_hostile_milestone_is_reached_as_data(hostile_build: tuple[ScratchWarehouse, dict[str, int]]) -> None:
    """The checklist step named HOSTILE is reached by every user whose gallery view qualifies."""
    warehouse, _ = hostile_build
    literal = "'" + HOSTILE.replace("'", "''") + "'"
    reached = warehouse.scalar(
        f"select count(*) from intermediate.int_user_milestones where milestone_key = {literal} and is_reached"
    )
    qualified = warehouse.scalar(
        f"select count(distinct user_id) from intermediate.int_milestone_events where milestone_key = {literal}"
    )
    assert reached > 0 and reached == qualified


def test_a_hostile_property_name_is_looked_up_as_data(hostile_build: tuple[ScratchWarehouse, dict[str, int]]) -> None:
    """Every page view with properties carries the key, so only those without any
    properties count as missing it (a key pasted into the JSON path would break it)."""
    warehouse, _ = hostile_build
    literal = "'" + HOSTILE.replace("'", "''") + "'"
    checked, missing = warehouse.query(
        "select sum(checked_events), sum(nonconforming_events) from marts.dq_tracking_plan_conformance"
        f" where check_name = 'missing_required_property' and property_name = {literal}"
    )[0]
    page_views, without_properties = warehouse.query(
        "select count(*), count(*) filter (where properties is null)"
        " from intermediate.int_events__resolved where event_name = 'page_viewed'"
    )[0]
    assert (checked, missing) == (page_views, without_properties)
    assert checked > missing


def test_a_hostile_control_label_compares_like_control(
    hostile_build: tuple[ScratchWarehouse, dict[str, int]], scenario_build: ScratchWarehouse
) -> None:
    """Relabelling control (in the raw data and the var alike) changes nothing but the label."""
    warehouse, _ = hostile_build
    columns = "flag_key, variant, is_control, exposed_users, activated_users, diff_vs_control, p_value"
    relabelled = warehouse.query(f"select {columns} from marts.experiment_results order by all")
    expected = scenario_build.query(f"select {columns} from marts.experiment_results order by all")
    restored = sorted(
        tuple("control" if value == HOSTILE_VAR else value for value in row) for row in relabelled
    )
    assert restored == sorted(expected)
    assert any(row[1] == HOSTILE_VAR and row[2] for row in relabelled)
