"""A team's first week: about 30 users and 100 events, no experiments, maybe no connections.

The fixture `tests/python/data/first_week` is a readable CSV folder: six accounts, 30 users
who signed up between 2026-05-25 and 2026-05-31, 95 events (a few per user: signup, a page
view, connection and sync events, one first dashboard), 13 connections, and no
`flag_exposures` file at all: the product runs no experiments yet. It was cut from a
one-week run of the demo generator (seed 7, 7 accounts) by keeping the first 30 users and,
per user, their first three events that are not page views and their first page view.

What must hold, each of which failed before (see README, "Loading your own data"):

- the loader takes a folder without the optional tables (`flag_exposures`,
  `data_source_connections`) and loads them empty;
- `dbt build` passes with every data test: an empty optional table is shown in
  `dq_source_freshness` as `not_judged`, never as an error;
- nobody has had the 14-day window yet, so no user is mature and the decision reads
  "investigate" for want of users;
- the report renders, and says why the experiment section is empty.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from activation_warehouse.load import load_folder
from activation_warehouse.report import write_report

from conftest import FIXTURES_DIR, ScratchWarehouse

pytestmark = pytest.mark.dbt

FIRST_WEEK = FIXTURES_DIR / "first_week"


def _csv_rows(name: str) -> list[dict[str, str]]:
    with open(FIRST_WEEK / f"{name}.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def _build(folder: Path, root: Path) -> ScratchWarehouse:
    warehouse = ScratchWarehouse(path=root / "warehouse.duckdb", target_dir=root / "target")
    load_folder(folder, warehouse.path, progress=False)
    result = warehouse.dbt("build", check=False)
    assert result.returncode == 0, "\n".join(result.stdout.splitlines()[-40:])
    assert " ERROR=0 " in result.stdout and " SKIP=0 " in result.stdout
    return warehouse


@pytest.fixture(scope="module")
def first_week(tmp_path_factory: pytest.TempPathFactory) -> ScratchWarehouse:
    assert not (FIRST_WEEK / "flag_exposures.csv").exists(), "the fixture has no experiments"
    return _build(FIRST_WEEK, tmp_path_factory.mktemp("first_week"))


def test_the_first_week_builds_green_and_loses_no_user(first_week: ScratchWarehouse) -> None:
    users = _csv_rows("users")
    assert len(users) == 30 and len(_csv_rows("events")) == 95
    assert first_week.scalar("select count(*) from raw.flag_exposures") == 0
    # No user is internal and no account is a test account, so every user is in the metrics.
    assert all(row["is_internal"] == "false" for row in users)
    assert all(row["is_test"] == "false" for row in _csv_rows("accounts"))
    assert first_week.scalar("select count(*) from marts.fct_user_activation") == 30


def test_empty_optional_tables_are_shown_not_judged(first_week: ScratchWarehouse) -> None:
    rows = dict(first_week.query("select table_name, status from marts.dq_source_freshness"))
    assert rows["raw.flag_exposures"] == "not_judged"
    assert rows["raw.events"] == "ok"
    assert first_week.scalar("select count(*) from marts.experiment_results") == 0


def test_thin_data_reads_investigate(first_week: ScratchWarehouse) -> None:
    # The last signup is 2026-05-31 21:33, the first 2026-05-25 20:06: under 14 days before
    # any as-of time the data allows, so nobody is mature and there is nothing to judge.
    verdict, mature_connected, reason = first_week.query(
        "select verdict, mature_connected_users, verdict_reason from marts.activation_decision"
    )[0]
    assert verdict == "investigate"
    assert mature_connected == 0
    assert "fewer than the 30 needed" in reason
    assert first_week.scalar("select count(*) from marts.fct_user_activation where is_mature") == 0


def test_the_report_renders_and_explains_the_empty_experiments(first_week: ScratchWarehouse, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_report(first_week.path, out)
    page = out.read_text()
    assert "investigate" in page
    assert "No experiments to read out" in page
    assert "Not in this warehouse" not in page


def test_a_product_with_no_connections_yet_builds_green(tmp_path: Path) -> None:
    folder = tmp_path / "raw"
    shutil.copytree(FIRST_WEEK, folder)
    # The file is there but holds only its header: empty, as a replica of a product with no
    # connections would deliver it.
    with open(folder / "data_source_connections.csv", newline="") as handle:
        header = handle.readline()
    (folder / "data_source_connections.csv").write_text(header)
    warehouse = _build(folder, tmp_path)
    rows = dict(warehouse.query("select table_name, status from marts.dq_source_freshness"))
    assert rows["raw.data_source_connections"] == "not_judged"
    assert warehouse.scalar("select verdict from marts.activation_decision") == "investigate"
