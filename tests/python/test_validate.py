"""The Great Expectations validation (``python -m activation_warehouse validate``).

One small demo build (120 accounts, fixed end time) is validated as built: every
expectation passes and the Data Docs page names every suite. Then a COPY of the built
DuckDB file is broken on purpose (a verdict outside its set, a second decision row, a
funnel rate of 1.5, a null received_at) and the command must exit 1 with a summary line
naming the suite, table, column and expectation of each break. The built file itself is
never written to.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.cli import main
from activation_warehouse.dev.generate import DemoConfig, generate_demo
from activation_warehouse.load import load_folder
from activation_warehouse.validate import (
    Check,
    ValidationSetupError,
    _Tally,
    build_suites,
    validate_warehouse,
)

from conftest import ScratchWarehouse

pytestmark = pytest.mark.dbt

SUITES = [suite.name for suite in build_suites(plan_events=["signed_up"])]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("validate")
    generate_demo(root / "raw", DemoConfig(accounts=120, end=datetime(2026, 6, 1)), progress=False)
    warehouse = ScratchWarehouse(path=root / "warehouse.duckdb", target_dir=root / "target")
    load_folder(root / "raw", warehouse.path, progress=False)
    warehouse.dbt("build")
    return warehouse.path


def _copy(built: Path, folder: Path) -> Path:
    copy = folder / "copy.duckdb"
    shutil.copy(built, copy)
    return copy


def test_the_demo_build_passes_every_expectation(built: Path, tmp_path: Path, capsys) -> None:
    docs = tmp_path / "docs"
    assert main(["validate", "--warehouse", str(built), "--docs-dir", str(docs)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"11 suites, \d+ expectations, 0 failed", out), out
    assert "FAILED" not in out
    page = (docs / "index.html").read_text(encoding="utf-8")
    assert f"Data Docs: {(docs / 'index.html').resolve()}" in out
    for suite in SUITES:
        assert suite in page and suite in out
    assert "expect_column_values_to_be_in_set" in page and "<script" not in page


def test_breaks_fail_with_a_readable_line_each(built: Path, tmp_path: Path, capsys) -> None:
    broken = _copy(built, tmp_path)
    with duckdb.connect(str(broken)) as connection:
        connection.execute("update marts.activation_decision set verdict = 'maybe'")
        connection.execute("insert into marts.activation_decision select * from marts.activation_decision")
        connection.execute(
            "update marts.activation_funnel set rate_from_start = 1.5"
            " where segment_type = 'overall' and step_order = 2"
        )
        connection.execute(
            "update raw.events set received_at = null where rowid = (select min(rowid) from raw.events)"
        )
    # Small batches: raw.events is validated in several of them and the counts add up.
    code = main(["validate", "--warehouse", str(broken), "--docs-dir", str(tmp_path / "docs"),
                 "--batch-rows", "20000"])
    out = capsys.readouterr().out
    assert code == 1, out
    failed = [line for line in out.splitlines() if line.startswith("FAILED ")]
    expected = {
        ("marts_activation_decision", "marts.activation_decision", "verdict",
         "expect_column_values_to_be_in_set"): "'maybe'",
        ("marts_activation_decision", "marts.activation_decision", "(table)",
         "expect_table_row_count_to_equal"): "observed 2 rows",
        ("marts_activation_funnel", "marts.activation_funnel", "rate_from_start",
         "expect_column_values_to_be_between"): "max 1.5",
        ("raw_events", "raw.events", "received_at", "expect_column_values_to_not_be_null"): "of ",
    }
    seen = {}
    for line in failed:
        fields = [field.strip() for field in line.removeprefix("FAILED ").split(" | ")]
        seen[tuple(fields[:4])] = fields[4]
    assert set(seen) == set(expected), out
    for key, fragment in expected.items():
        assert fragment in seen[key], (key, seen[key])
    assert re.search(r"raw\.events\s+4/5 passed \([\d,]+ rows, [5-9] batches", out), out
    assert "1 of " in seen[("raw_events", "raw.events", "received_at", "expect_column_values_to_not_be_null")]
    # The page shows the failures too.
    page = (tmp_path / "docs" / "index.html").read_text(encoding="utf-8")
    assert "4 failed" in page and "&#x27;maybe&#x27;" in page
    # The warehouse was opened read-only and closed: a writer can open it again at once.
    duckdb.connect(str(broken)).close()


def test_uniqueness_in_duckdb_agrees_with_gx(built: Path, tmp_path: Path) -> None:
    """Above whole_max_rows, uniqueness and row counts run as one DuckDB query instead of
    one frame: both ways must find the same duplicates."""
    broken = _copy(built, tmp_path)
    with duckdb.connect(str(broken)) as connection:
        connection.execute(
            "update raw.users set user_id = 'dup'"
            " where user_id in (select user_id from raw.users order by user_id limit 3)"
        )
    by_frame = validate_warehouse(broken, None)
    in_duckdb = validate_warehouse(broken, None, whole_max_rows=10)
    for report in (by_frame, in_duckdb):
        assert [(o.suite, o.column, o.expectation) for o in report.failures] == [
            ("raw_users", "user_id", "expect_column_values_to_be_unique")
        ]
        assert report.failures[0].observed.startswith("3 of ") and "'dup'" in report.failures[0].observed
    assert "checked in DuckDB" in in_duckdb.failures[0].observed
    assert [o.success for o in by_frame.outcomes] == [o.success for o in in_duckdb.outcomes]


def test_mostly_is_judged_on_the_whole_table_not_per_batch() -> None:
    check = Check("ExpectColumnValuesToBeInSet", {"column": "c", "value_set": ["a"], "mostly": 0.9})
    tally = _Tally(check)
    # One batch alone fails mostly=0.9 (20% unexpected); the table as a whole has 5.5%.
    tally.add(False, {"element_count": 100, "unexpected_count": 20, "missing_count": 0,
                      "partial_unexpected_list": ["b", "b", "x"]})
    tally.add(True, {"element_count": 900, "unexpected_count": 35, "missing_count": 0,
                     "partial_unexpected_list": ["y"]})
    assert tally.success
    assert tally.describe().startswith("55 of 1,000 non-null values unexpected")
    assert "'b', 'x', 'y'" in tally.describe()
    # Without mostly, any unexpected value in any batch fails the expectation.
    strict = _Tally(Check("ExpectColumnValuesToNotBeNull", {"column": "c"}))
    strict.add(True, {"element_count": 10, "unexpected_count": 0})
    strict.add(False, {"element_count": 10, "unexpected_count": 1})
    assert not strict.success and strict.describe().startswith("1 of 20 rows unexpected")


def test_a_missing_warehouse_is_one_line_and_exit_1(tmp_path: Path, capsys) -> None:
    with pytest.raises(ValidationSetupError):
        validate_warehouse(tmp_path / "nothing.duckdb", None)
    assert main(["validate", "--warehouse", str(tmp_path / "nothing.duckdb")]) == 1
    assert "no warehouse at" in capsys.readouterr().err


def test_raw_value_sets_come_from_the_sources_declaration(built: Path, tmp_path: Path) -> None:
    """A role and a status outside the contract's sets (declared once, in _app__sources.yml)
    fail the raw suites, naming the value; the marts are not read for it."""
    broken = _copy(built, tmp_path)
    with duckdb.connect(str(broken)) as connection:
        connection.execute("update raw.users set role = 'owner' where user_id = (select min(user_id) from raw.users)")
        connection.execute("update raw.data_source_connections set status = 'paused'"
                           " where connection_id = (select min(connection_id) from raw.data_source_connections)")
    suites = [suite for suite in build_suites() if suite.name in {"raw_users", "raw_data_source_connections"}]
    report = validate_warehouse(broken, None, suites=suites)
    assert [(o.suite, o.column, o.expectation) for o in report.failures] == [
        ("raw_users", "role", "expect_column_values_to_be_in_set"),
        ("raw_data_source_connections", "status", "expect_column_values_to_be_in_set"),
    ]
    assert all(o.observed.startswith("1 of ") for o in report.failures)
    assert "'owner'" in report.failures[0].observed and "'paused'" in report.failures[1].observed
