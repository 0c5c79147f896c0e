"""The exclusion of test and internal traffic is one rule of the person, on full and
incremental builds alike.

The hand-written scenario (tests/python/data/scenario, told in test_scenario.py) is built,
then raw.users moves u01 from acc_mid to acc_test (a test account) while every event of
u01 keeps carrying acc_mid, its own account_id. By the rule (models/_definitions.md,
"excluded_from_metrics"), u01 leaves the metrics and every event and session of u01
becomes excluded, although no event's account changed. An incremental run must notice it
(the user's exclusion changed, not the event's account) and end where a full rebuild of
the same raw data ends.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from activation_warehouse.load import load_folder

from conftest import FIXTURES_DIR, ScratchWarehouse, mart_differences

pytestmark = pytest.mark.dbt


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScratchWarehouse, ScratchWarehouse]:
    """(incremental, full): the same raw change, one run incrementally, one rebuilt."""
    root = tmp_path_factory.mktemp("exclusion")
    incremental = ScratchWarehouse.in_folder(root / "incremental")
    load_folder(FIXTURES_DIR / "scenario", incremental.path, progress=False)
    incremental.dbt("seed")
    incremental.dbt("run")
    with duckdb.connect(str(incremental.path)) as connection:
        connection.execute("update raw.users set account_id = 'acc_test' where user_id = 'u01'")
    full = ScratchWarehouse.in_folder(root / "full", artifacts=True)
    shutil.copy(incremental.path, full.path)
    incremental.dbt("run")
    full.dbt("run", "--full-refresh")
    return incremental, full


def test_the_user_and_all_their_events_leave_the_metrics(builds: tuple[ScratchWarehouse, ScratchWarehouse]) -> None:
    incremental, _ = builds
    assert incremental.scalar("select count(*) from marts.fct_user_activation where user_id = 'u01'") == 0
    # u01's clean events (fixture: signup, connection, two syncs, gallery, dashboard)
    # still carry acc_mid, a normal account, and are all excluded with their user.
    rows = incremental.query(
        "select distinct account_id, is_test_account, is_excluded_from_metrics from marts.fct_events"
        " where user_id = 'u01'"
    )
    assert rows == [("acc_mid", False, True)]
    assert incremental.query(
        "select distinct is_excluded_from_metrics from marts.fct_sessions where user_id = 'u01'"
    ) == [(True,)]


def test_the_incremental_run_ends_as_a_full_rebuild(builds: tuple[ScratchWarehouse, ScratchWarehouse]) -> None:
    incremental, full = builds
    assert mart_differences(full, incremental) == []
