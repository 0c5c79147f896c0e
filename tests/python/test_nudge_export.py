"""The nudge export: each publication writes the stalled users as CSV and Parquet for a
reverse-ETL sync, with exactly the columns README documents, the rows of the mart, and no
personal data.

The documented column list is read from README's table (section "The nudge export"), so
the code's list, the files and the documentation cannot drift apart.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from activation_warehouse.exports import STALLED_USERS_EXPORT_COLUMNS, export_paths
from activation_warehouse.paths import PROJECT_DIR
from activation_warehouse.publish import publish

from conftest import ScratchWarehouse

pytestmark = pytest.mark.dbt

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def documented_columns() -> list[str]:
    """The column names of the nudge-export table in docs/bi.md, in order."""
    text = (PROJECT_DIR / "docs" / "bi.md").read_text()
    section = text.split("## The nudge export", 1)[1].split("\n## ", 1)[0]
    table = section.split("| column | meaning |", 1)[1]
    return re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.MULTILINE)


@pytest.fixture(scope="module")
def published(small_demo: ScratchWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out_dir = tmp_path_factory.mktemp("nudge_publish")
    publish(small_demo.path, out_dir)
    return out_dir


def test_the_documented_columns_are_the_exporters_list() -> None:
    assert documented_columns() == list(STALLED_USERS_EXPORT_COLUMNS)
    assert documented_columns()[0] == "user_id"


def test_publish_writes_the_export_with_the_marts_rows(published: Path, small_demo: ScratchWarehouse) -> None:
    paths = export_paths(published)
    assert paths["csv"].is_file() and paths["parquet"].is_file()
    assert not list(paths["csv"].parent.glob("*.tmp-*"))  # nothing left of the atomic write

    with open(paths["csv"], newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        csv_rows = list(reader)
    table = pq.read_table(paths["parquet"])
    assert header == documented_columns()
    assert table.column_names == documented_columns()

    # The same users as the mart, each once, with the mart's segment and clock values.
    mart = {
        row[0]: row
        for row in small_demo.query(
            "select user_id, account_id, data_source_type, whole_days_stalled, whole_days_left,"
            " is_newly_stalled, last_action_name from marts.stalled_users"
        )
    }
    assert mart, "the small demo has stalled users, or this test proves nothing"
    parquet_rows = table.to_pylist()
    assert sorted(row["user_id"] for row in parquet_rows) == sorted(mart)
    assert sorted(row[0] for row in csv_rows) == sorted(mart)
    for row in parquet_rows:
        assert (row["user_id"], row["account_id"], row["data_source_type"], row["whole_days_stalled"],
                row["whole_days_left"], row["is_newly_stalled"], row["last_action_name"]) == mart[row["user_id"]]


def test_the_export_holds_no_personal_data(published: Path, small_demo: ScratchWarehouse) -> None:
    text = export_paths(published)["csv"].read_text()
    assert not EMAIL.search(text)
    # The raw users do have emails (so the pattern would catch a leak).
    assert small_demo.scalar("select count(*) from raw.users where email like '%@%.%'") > 0
