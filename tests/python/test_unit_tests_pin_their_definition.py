"""dbt unit tests pin their definition: a team's edit of a var or a seed never fails one.

The activation definition is the team's to change (README, "The activation definition
lives in one place"): vars such as `activation_window_days` and seeds such as
`milestones`. A dbt unit test is a statement about a model's logic on tiny inputs, so its
outcome must not follow those edits: a test whose expectation depends on a var pins it
(`overrides: vars:`), and a test that reads a seed gives its rows (`given: rows:`). Without
that, `dbt build --vars '{activation_window_days: 7}'` failed a unit test and skipped 85
nodes, and a checklist milestone added to `seeds/milestones.csv` failed another.

Two reasons a seed must be given row by row rather than left to dbt (an input without
rows makes dbt read the seed's CSV into the test):
- the test would follow the team's edit of the seed, as a var would;
- dbt reads that CSV while it parses, into the unit test's node, and partial parsing
  re-parses a YAML file only when the YAML file changes: after an edit of the CSV the
  test kept the previous rows (`dbt build --no-partial-parse` was the only way out).

The check runs every unit test of a copy of the project under a second value of every
setting of the registry (macros/config/settings.sql) and with every seed edited, and requires them all to pass. The
tested models' parents are built with `--empty` (a unit test needs its inputs' relations
for their column types, not their rows): about 30 s in all.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from activation_warehouse.load import load_folder
from activation_warehouse.paths import PROJECT_DIR

from conftest import FIXTURES_DIR, ScratchWarehouse, project_copy

pytestmark = pytest.mark.dbt

#: A second, valid value for every setting of the registry (validate_vars accepts each,
#: pairs keep their order), each different from the default. `raw_schema` is left out: it
#: names where the raw tables are, not a definition (a unit test never reads a source);
#: so is `event_collector`, which names where the events come from (a collector build has
#: no raw.events, and test_collector_sources.py builds with its other values).
#: A setting added to the registry must be added here (test_every_var_has_a_second_value).
SECOND_DEFINITION: dict[str, object] = {
    # Read only by a collector build: unit tests must not depend on it either.
    "collector_schema": "segment_elsewhere",
    "min_event_date": "2016-06-01",
    "max_clock_skew_days": 3,
    "session_timeout_minutes": 45,
    "incremental_lookback_hours": 10,
    "run_results_kept_builds": 3,
    # Fewer steps than the three funnel steps the default seed has: a unit test that walks
    # three steps without pinning it loses its last one.
    "max_funnel_steps": 2,
    "activation_window_days": 7,
    "post_connection_minutes": 60,
    "return_window_days": 3,
    "stall_days": 5,
    "as_of": "2026-03-10",
    "in_scope_min_employees": 20,
    "in_scope_max_employees": 1000,
    "invest_threshold": 0.55,
    "defer_threshold": 0.05,
    "min_decision_users": 10,
    "min_driver_bucket_users": 3,
    "control_variant": "baseline",
    "activated_to_paid_rate": 0.5,
    "dq_min_judged_rows": 50,
    "dq_judged_recent_days": 7,
    "dq_coverage_warn_below": 0.95,
    "dq_coverage_error_below": 0.5,
    "dq_required_property_warn_above": 0.2,
    "dq_required_property_error_above": 0.4,
    "dq_out_of_plan_warn_above": 0.05,
    "dq_volume_baseline_days": 21,
    "dq_volume_min_baseline_days": 7,
    "dq_volume_warn_score": 3.0,
    "dq_volume_error_score": 8.0,
    "dq_late_after_hours": 12,
    "dq_late_share_warn_above": 0.05,
    "dq_late_share_error_above": 0.2,
    "dq_event_freshness_warn_hours": 24,
    "dq_event_freshness_error_hours": 48,
    "dq_app_freshness_warn_hours": 100,
    "dq_app_freshness_error_hours": 1000,
    "dq_quarantine_share_warn_above": 0.03,
    "dq_quarantine_share_error_above": 0.08,
    "dq_duplicate_share_warn_above": 0.04,
    "dq_duplicate_share_error_above": 0.2,
    "dq_window_days": 3,
    "dq_window_tightening": 0.8,
    "dq_new_event_name_min_rows": 20,
}

Rows = list[dict[str, str]]


def _append(*rows: dict[str, str]) -> Callable[[Rows], Rows]:
    return lambda existing: existing + list(rows)


def _edit_sizes(rows: Rows) -> Rows:
    """The 1-49 / 50-99 edge moves to 60 employees and every contract value doubles."""
    for row in rows:
        if row["company_size_band"] == "1-49":
            row["max_employees"] = "59"
        if row["company_size_band"] == "50-99":
            row["min_employees"] = "60"
        row["annual_contract_value"] = str(2 * int(row["annual_contract_value"]))
    return rows


def _edit_driver_buckets(rows: Rows) -> Rows:
    """The first bucket of each driver ends at 10 minutes instead of 5."""
    for row in rows:
        if row["max_value"] == "5":
            row["max_value"] = "10"
        if row["min_value"] == "5":
            row["min_value"] = "10"
    return rows


#: An edit of every seed a team may change, each one a unit test reading the live seed
#: would see: a new checklist step for every size band, a page view that now counts as
#: first value, a tracked button, moved band and bucket edges, another lift, a new code.
SEED_EDITS: dict[str, Callable[[Rows], Rows]] = {
    "milestones": _append({
        "milestone_key": "workspace_named", "milestone_order": "5", "required_count": "1",
        "applies_to_size_bands": "all", "is_funnel_step": "false", "milestone_role": "",
        "description": "A workspace was named, a checklist step for every size band",
    }),
    "milestone_events": _append(
        {"milestone_key": "first_value", "event_name": "page_viewed"},
        {"milestone_key": "workspace_named", "event_name": "workspace_named"},
    ),
    "tracking_plan": _append({"event_name": "button_clicked", "is_user_action": "true", "description": "a button"}),
    "tracking_plan_required_properties": _append({"event_name": "page_viewed", "property_name": "path"}),
    "company_size_bands": _edit_sizes,
    "driver_buckets": _edit_driver_buckets,
    "opportunity_lifts": _append({"relative_lift": "0.75", "description": "Moonshot"}),
    "quarantine_reasons": _append({"reason": "reserved", "rule_order": "99", "description": "not used yet"}),
    "dq_acknowledgements": _append({
        "check_name": "duplicate_share", "table_name": "raw.events", "breach_key": "",
        "first_day": "2026-03-01", "last_day": "2026-03-02", "reason": "a replayed batch",
        "acknowledged_by": "data team", "acknowledged_until": "2026-03-31",
    }),
}


def _edit_seed(path: Path, edit: Callable[[Rows], Rows]) -> None:
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or ())
        rows = list(reader)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(edit(rows))


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping: PyYAML (and so dbt)
    keeps the last one silently, so a second `overrides:` would drop the pinned vars."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
        repeated = sorted({str(key) for key in keys if keys.count(key) > 1})
        if repeated:
            raise yaml.constructor.ConstructorError(None, None, f"key given twice: {repeated}", node.start_mark)
        return super().construct_mapping(node, deep=deep)


def _unit_tests_in_yaml(project: Path) -> list[tuple[Path, dict]]:
    """Every unit test block of the model YAML files, with its file."""
    found = []
    for path in sorted((project / "models").rglob("*.yml")):
        document = yaml.load(path.read_text(), Loader=_UniqueKeyLoader) or {}
        found += [(path, test) for test in document.get("unit_tests") or ()]
    return found


def test_every_var_has_a_second_value() -> None:
    """The second definition changes every var, so a var added later is exercised too."""
    from activation_warehouse.settings import load_registry

    defaults = {setting.name: setting.default for setting in load_registry()}
    assert set(SECOND_DEFINITION) == set(defaults) - {"raw_schema", "event_collector"}
    assert [name for name, value in SECOND_DEFINITION.items() if value == defaults[name]] == []


def test_every_seed_has_an_edit() -> None:
    assert set(SEED_EDITS) == {path.stem for path in (PROJECT_DIR / "seeds").glob("*.csv")}


def test_unit_tests_give_the_rows_of_every_seed_they_read() -> None:
    """A seed input without rows would make dbt read the live CSV, and cache it (module doc)."""
    seeds = {path.stem for path in (PROJECT_DIR / "seeds").glob("*.csv")}
    unit_tests = _unit_tests_in_yaml(PROJECT_DIR)
    assert unit_tests, "no unit test found: the check would pass on nothing"
    rowless = [
        f"{path.relative_to(PROJECT_DIR)}: {test['name']} reads {given['input']} without rows"
        for path, test in unit_tests
        for given in test.get("given") or ()
        if given["input"].replace('"', "'") in {f"ref('{seed}')" for seed in seeds}
        and "rows" not in given and "fixture" not in given
    ]
    assert rowless == []


@pytest.fixture(scope="module")
def second_definition_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScratchWarehouse, dict]:
    """Every unit test run on a project copy under SECOND_DEFINITION and SEED_EDITS; the
    warehouse and run_results.json."""
    root = tmp_path_factory.mktemp("second_definition")
    project = project_copy(root / "project")
    for seed, edit in SEED_EDITS.items():
        _edit_seed(project / "seeds" / f"{seed}.csv", edit)
    warehouse = ScratchWarehouse(
        path=root / "warehouse.duckdb", target_dir=root / "target", project_dir=project, artifacts=True
    )
    load_folder(FIXTURES_DIR / "scenario", warehouse.path, progress=False)
    variables = json.dumps(SECOND_DEFINITION)
    # The relations the unit tests read, with no rows (they need the columns only).
    warehouse.dbt(
        "build", "--empty", "--select", "+test_type:unit", "--resource-type", "seed", "model", "--vars", variables
    )
    warehouse.dbt(
        "test", "--select", "test_type:unit", "--vars", variables, check=False, DBT_USE_COLORS="false"
    )
    return warehouse, json.loads((warehouse.target_dir / "run_results.json").read_text())


def test_every_unit_test_passes_under_a_second_definition(second_definition_run: tuple[ScratchWarehouse, dict]) -> None:
    warehouse, run_results = second_definition_run
    manifest = json.loads((warehouse.target_dir / "manifest.json").read_text())
    expected = {unique_id for unique_id in manifest["unit_tests"]}
    # The on-run-start hooks are results too; only the unit tests are judged here.
    results = [result for result in run_results["results"] if result["unique_id"].startswith("unit_test.")]
    assert len(expected) == len(_unit_tests_in_yaml(PROJECT_DIR)) > 0
    assert {result["unique_id"] for result in results} == expected, "a unit test did not run"
    failed = {
        result["unique_id"].split(".")[-1]: result["message"] for result in results if result["status"] != "pass"
    }
    assert failed == {}, "unit tests that follow a var or a seed instead of pinning it:\n" + "\n".join(
        f"{name}: {message}" for name, message in sorted(failed.items())
    )
