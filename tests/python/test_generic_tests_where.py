"""Every generic test of tests/generic takes dbt's standard test configs, `where` first.

With `where`, dbt hands a generic test a subquery (text) in place of the model's relation;
a test that treats `model` as a relation (data_quality_breaches looked it up with
load_relation) crashed with "'str object' has no attribute 'database'". The check builds a
tiny project of its own (two models, the project's generic tests copied in) in which one
row of `checked` breaks every test: each test is applied twice, once unfiltered (it must
fail on that row) and once with `config: {where: "not is_bad"}` (it must pass). recency is
the other way round: the bad row is the latest, so filtering it out makes the model stale.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from activation_warehouse.paths import PROJECT_DIR

from conftest import ScratchWarehouse

pytestmark = pytest.mark.dbt

# Two good rows and one bad one (is_bad): an id used twice, a value out of range, a missing
# note, an open error breach, an expired acknowledgement, and the latest `seen_at`.
CHECKED_SQL = """
select 1 as id, 5 as value, 'a' as note, 'duplicate_share' as check_name, 'raw.events' as table_name,
    date '2026-01-01' as check_date, 'ok' as status, cast(null as varchar) as incident_status,
    'fine' as status_reason, 'active' as state, cast(null as varchar) as breach_key,
    date '2026-01-01' as first_day, date '2026-01-01' as last_day,
    timestamp '2026-01-01 00:00:00' as seen_at, false as is_bad
union all
select 2, 7, 'b', 'duplicate_share', 'raw.events', date '2026-01-02', 'error', 'historical', 'old',
    'active', null, date '2026-01-02', date '2026-01-02', timestamp '2026-01-02 00:00:00', false
union all
select 1, 50, null, 'duplicate_share', 'raw.events', date '2026-01-03', 'error', 'open', 'bad',
    'expired', null, date '2026-01-03', date '2026-01-03', timestamp '2026-01-09 00:00:00', true
"""
OTHER_SQL = """
select timestamp '2026-01-10 00:00:00' as seen_at
union all
select timestamp '2026-01-09 00:00:00'
"""

#: Each generic test with its arguments (column_name, if any, apart), by a name of its own
#: (`test` says which generic test, when the name is not it).
TESTS: dict[str, dict] = {
    "accepted_range": {"column_name": "value", "arguments": {"min_value": 0, "max_value": 10}},
    "data_quality_breaches": {"arguments": {"level": "error"}},
    "equal_rowcount": {"arguments": {"compare_model": "ref('other')"}},
    "expression_is_true": {"arguments": {"expression": "value < 10"}},
    "not_null_where": {"column_name": "note", "arguments": {"condition": "id > 0"}},
    # primary_key twice: the bad row repeats an id, and it lacks a note (a null key).
    "primary_key": {"column_name": "id", "arguments": {}},
    "primary_key_null": {"test": "primary_key", "column_name": "note", "arguments": {}},
    "recency": {"arguments": {"field": "seen_at", "datepart": "day", "interval": 2,
                              "reference_model": "ref('other')", "reference_field": "seen_at"}},
    "unique_combination_of_columns": {"arguments": {"columns": ["id"]}},
    "acknowledgements_to_review": {"arguments": {}},
}
#: The generic tests whose filtered run fails and unfiltered run passes (module doc).
INVERTED = {"recency"}


def tiny_project(root: Path) -> Path:
    """The two models, a properties file applying each test twice, the generic tests."""
    shutil.copytree(PROJECT_DIR / "tests" / "generic", root / "tests" / "generic")
    (root / "models").mkdir(parents=True)
    (root / "models" / "checked.sql").write_text(CHECKED_SQL)
    (root / "models" / "other.sql").write_text(OTHER_SQL)
    (root / "dbt_project.yml").write_text(yaml.safe_dump({
        "name": "where_configs", "version": "1.0.0", "config-version": 2,
        "profile": "activation_warehouse", "models": {"where_configs": {"+materialized": "table"}},
    }))
    model_tests, columns = [], {}
    for test, spec in TESTS.items():
        for variant, config in (("unfiltered", {}), ("filtered", {"where": "not is_bad"})):
            entry = {spec.get("test", test): {"name": f"{test}__{variant}", "arguments": spec["arguments"], "config": config}}
            if "column_name" in spec:
                columns.setdefault(spec["column_name"], []).append(entry)
            else:
                model_tests.append(entry)
    properties = {"version": 2, "models": [{
        "name": "checked", "data_tests": model_tests,
        "columns": [{"name": name, "data_tests": tests} for name, tests in columns.items()],
    }]}
    (root / "models" / "_models.yml").write_text(yaml.safe_dump(properties, sort_keys=False))
    return root


def test_every_generic_test_takes_a_where_config(tmp_path: Path) -> None:
    warehouse = ScratchWarehouse(path=tmp_path / "tiny.duckdb", target_dir=tmp_path / "target",
                                 project_dir=tiny_project(tmp_path / "project"), artifacts=True)
    result = warehouse.dbt("build", check=False)
    results_file = warehouse.target_dir / "run_results.json"
    assert results_file.exists(), result.stdout[-3000:]
    statuses = {row["unique_id"].split(".")[2]: row["status"]
                for row in json.loads(results_file.read_text())["results"]}
    assert {name for name in statuses if "__" in name} == {
        f"{test}__{variant}" for test in TESTS for variant in ("unfiltered", "filtered")
    }, "a generic test of tests/generic is not exercised here"
    expected = {}
    for test in TESTS:
        failing, passing = ("filtered", "unfiltered") if test in INVERTED else ("unfiltered", "filtered")
        expected[f"{test}__{failing}"] = "fail"
        expected[f"{test}__{passing}"] = "pass"
    assert {name: status for name, status in statuses.items() if "__" in name} == expected, result.stdout[-4000:]
    # The breach test still logs its open breaches when handed a subquery: the bad row only.
    assert "data quality ERROR: duplicate_share | raw.events | 2026-01-03 | bad" in result.stdout
    assert "2026-01-02 | old" not in result.stdout
