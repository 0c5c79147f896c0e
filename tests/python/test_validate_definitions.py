"""The Great Expectations suites take their columns and value sets from the project's
declarations (models/staging/*/_*__sources.yml, the marts' contracts), not from Python lists.

No build: the YAML is read as written. The expected value sets are the raw contract's and
the decision rule's (copied by hand from the spec), the mart columns are compared with the
YAML through an independent reading (every column of the model entry), and the version
resolution is checked on a small hand-written YAML of a versioned mart.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from activation_warehouse.paths import PROJECT_DIR
from activation_warehouse.validate import Check, Suite, build_suites
from activation_warehouse.validate.definitions import (
    TableDefinition, ValueSet, mart_contracts, raw_source_tables, raw_tables,
)
from activation_warehouse.validate.suites import _checked_columns_exist


def _suites() -> dict[str, Suite]:
    return {suite.name: suite for suite in build_suites(plan_events=["signed_up"])}


def _in_set(suite: Suite, column: str) -> Check:
    (check,) = [c for c in suite.checks if c.expectation == "ExpectColumnValuesToBeInSet" and c.columns == (column,)]
    return check


def test_raw_value_sets_are_the_contracts() -> None:
    suites = _suites()
    assert _in_set(suites["raw_users"], "role").kwargs == {"column": "role", "value_set": ["admin", "member", "viewer"]}
    assert _in_set(suites["raw_data_source_connections"], "source_type").kwargs["value_set"] == [
        "crm", "erp", "spreadsheet", "database", "marketing", "support", "other"]
    assert _in_set(suites["raw_data_source_connections"], "status").kwargs["value_set"] == [
        "active", "error", "disconnected"]
    # Not a closed set: other values occur, 80% must be one of the two (meta in _app__sources.yml).
    assert _in_set(suites["raw_accounts"], "signup_channel").kwargs == {
        "column": "signup_channel", "value_set": ["self_serve", "sales_assisted"], "mostly": 0.8}
    assert _in_set(suites["marts_activation_decision"], "verdict").kwargs["value_set"] == [
        "invest", "defer", "investigate"]


def test_raw_columns_are_the_sources_columns() -> None:
    suites = _suites()
    for table in raw_source_tables():
        present = suites[f"raw_{table['name']}"].checks[0]
        assert present.expectation == "ExpectTableColumnsToMatchSet"
        assert present.kwargs["column_set"] == [column["name"] for column in table["columns"]]


def test_mart_columns_are_the_contracts_columns() -> None:
    declared = {}
    for path in (PROJECT_DIR / "models" / "marts").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models") or ():
            declared[model["name"]] = model
    for suite in _suites().values():
        if not suite.name.startswith("marts_"):
            continue
        model = declared[suite.name.removeprefix("marts_")]
        assert model["config"]["contract"]["enforced"] is True
        if "versions" not in model:
            assert suite.checks[0].kwargs["column_set"] == [column["name"] for column in model["columns"]]


def test_a_versioned_mart_is_read_at_its_latest_version(tmp_path: Path) -> None:
    """dbt's include / exclude: v2 renames returned_within_7d; v1 keeps the old name."""
    (tmp_path / "_marts.yml").write_text(yaml.safe_dump({"models": [{
        "name": "fct_user_activation",
        "config": {"contract": {"enforced": True}},
        "latest_version": 2,
        "columns": [{"name": "user_id"}, {"name": "returned_within_7d"}, {"name": "is_activated"}],
        "versions": [
            {"v": 1, "config": {"alias": "fct_user_activation"}},
            {"v": 2, "columns": [{"include": "all", "exclude": ["returned_within_7d"]},
                                 {"name": "returned_within_return_window"}]},
        ],
    }, {"name": "no_contract", "columns": [{"name": "x"}]}]}))
    marts = mart_contracts(tmp_path)
    assert list(marts) == ["fct_user_activation"]
    assert marts["fct_user_activation"] == TableDefinition(
        "fct_user_activation", "fct_user_activation_v2",
        ("user_id", "is_activated", "returned_within_return_window"), {})


def test_a_check_on_an_undeclared_column_is_refused() -> None:
    table = TableDefinition("t", "t", ("a",), {"a": ValueSet(("x",))})
    suite = Suite("marts_t", "marts", "t", (Check("ExpectColumnValuesToNotBeNull", {"column": "b"}),))
    with pytest.raises(ValueError, match="column b not declared for t"):
        _checked_columns_exist(suite, table)
    with pytest.raises(KeyError):
        table.value_set("b")


def test_every_suite_checks_only_declared_columns() -> None:
    """build_suites refuses a check on a column the declarations lack: it builds."""
    raw, marts = raw_tables(), mart_contracts()
    for suite in build_suites():
        declared = raw[suite.table] if suite.name.startswith("raw_") else marts[suite.name.removeprefix("marts_")]
        _checked_columns_exist(suite, declared)
