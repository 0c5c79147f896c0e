"""End to end on a hand-written raw fixture: load the files, `dbt build`, and check where
every raw event row went.

The fixture (tests/fixtures/cleaning/events.csv) has 27 event rows. By hand:

clean (14): e01 (anonymous, identified as u1 through a1), e02 (first delivery), e03, e04,
  e05, e06, e15 (outside the plan), e16 (invalid JSON, kept), e17 (internal user), e18
  (test account), e19 (anonymous, never identified), e20 (its valid copy), e21 (late),
  e22 (the copy received at 12:00:05).
duplicates (2): the second delivery of e02 (10:00:31), e22's copy received at 12:00:10.
quarantined (11):
  missing_event_id 3: blank "  ", empty, and the empty id whose time is also garbage
      (the first rule wins);
  unparseable_occurred_at 4: e08 'yesterday', e09 Feb 30, e10 no T and no offset, e20's
      copy without an offset;
  occurred_before_min_date 1: e11 (1970);
  occurred_after_received 1: e12 (four days ahead of its receipt);
  missing_identity 1: e13;
  missing_event_name 1: e23 (a blank name).
14 + 2 + 11 = 27.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.load import load_folder

from conftest import FIXTURES_DIR, ScratchWarehouse

pytestmark = pytest.mark.dbt


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> ScratchWarehouse:
    root = tmp_path_factory.mktemp("cleaning")
    warehouse = ScratchWarehouse(path=root / "warehouse.duckdb", target_dir=root / "target")
    load_folder(FIXTURES_DIR / "cleaning", warehouse.path, progress=False)
    warehouse.dbt("build")
    return warehouse


def test_every_raw_row_lands_in_exactly_one_place(built: ScratchWarehouse) -> None:
    assert built.scalar("select count(*) from raw.events") == 27
    assert built.scalar("select count(*) from marts.fct_events") == 14
    assert built.scalar("select count(*) from marts.event_duplicates") == 2
    assert built.scalar("select count(*) from marts.event_quarantine") == 11


def test_quarantine_reasons_follow_the_rule_order(built: ScratchWarehouse) -> None:
    reasons = dict(built.query("select reason, count(*) from marts.event_quarantine group by reason"))
    assert reasons == {
        "missing_event_id": 3,
        "unparseable_occurred_at": 4,
        "occurred_before_min_date": 1,
        "occurred_after_received": 1,
        "missing_identity": 1,
        "missing_event_name": 1,
    }
    # Rows are kept as received: the raw text of the bad time is there, untouched.
    assert built.scalar(
        "select occurred_at from marts.event_quarantine where event_id = 'e09'"
    ) == "2026-02-30T10:00:00Z"


def test_clean_events_are_exact(built: ScratchWarehouse) -> None:
    rows = {
        row[0]: row[1:]
        for row in built.query(
            "select event_id, event_name, occurred_at, user_id, account_id, is_user_action,"
            " is_in_tracking_plan, has_valid_properties, is_excluded_from_metrics"
            " from marts.fct_events"
        )
    }
    assert sorted(rows) == [
        "e01", "e02", "e03", "e04", "e05", "e06", "e15", "e16", "e17", "e18", "e19", "e20", "e21", "e22",
    ]
    # Offsets applied: 11:00+01:00, 05:30-05:00, 16:15+05:30 and 00:30+01:00 (across midnight).
    assert rows["e02"][:4] == ("signed_up", datetime(2026, 3, 1, 10, 0), "u1", "acc1")
    assert rows["e03"][:4] == ("data_source_connected", datetime(2026, 3, 1, 10, 30), "u1", "acc1")
    assert rows["e05"][:2] == ("dashboard_created", datetime(2026, 3, 1, 10, 45))
    assert rows["e06"][1] == datetime(2026, 3, 1, 23, 30)
    # Anonymous pre-signup view identified through a1; a9 was never seen with a user.
    assert rows["e01"][2:4] == ("u1", "acc1")
    assert rows["e19"][2:4] == (None, None)
    # Backend events are not user actions; names outside the plan are.
    assert rows["e04"][4:6] == (False, True)
    assert rows["e15"][:1] + rows["e15"][4:6] == ("button_clicked", True, False)
    # Invalid JSON is flagged, never quarantined.
    assert rows["e16"][6] is False
    # Internal user and test account: kept, flagged.
    assert rows["e17"][7] is True and rows["e18"][7] is True and rows["e02"][7] is False


def test_duplicates_keep_the_first_delivery(built: ScratchWarehouse) -> None:
    assert built.scalar("select received_at from marts.fct_events where event_id = 'e02'") == datetime(
        2026, 3, 1, 10, 0, 1
    )
    assert built.scalar("select properties from marts.fct_events where event_id = 'e22'") == '{"path": "/b"}'
    assert sorted(built.query("select event_id, received_at from marts.event_duplicates")) == [
        ("e02", datetime(2026, 3, 1, 10, 0, 31)),
        ("e22", datetime(2026, 3, 1, 12, 0, 10)),
    ]


def _classified(warehouse: ScratchWarehouse) -> tuple[str, list[tuple]]:
    """The compiled SQL of int_events__classified in the warehouse's last build, and its rows."""
    compiled = warehouse.target_dir / "compiled/activation_warehouse/models/intermediate/int_events__classified.sql"
    return compiled.read_text(), warehouse.query("select * from intermediate.int_events__classified order by all")


def test_a_raw_events_view_is_ranked_in_one_window_with_the_same_rows(
    built: ScratchWarehouse, tmp_path: Path
) -> None:
    """A raw.events exposed as a view (as a loader may do over files) has no row key, so
    the duplicates are ranked in one window over every row instead of by key (macro
    raw_row_key): both ways must judge every row alike, ties included."""
    viewed = ScratchWarehouse(path=tmp_path / "warehouse.duckdb", target_dir=tmp_path / "target")
    load_folder(FIXTURES_DIR / "cleaning", viewed.path, progress=False)
    with duckdb.connect(str(viewed.path)) as connection:
        connection.execute("alter table raw.events rename to events_loaded")
        connection.execute("create view raw.events as select * from raw.events_loaded")
    viewed.dbt("run", "--select", "+int_events__classified")
    by_key_sql, by_key = _classified(built)
    by_window_sql, by_window = _classified(viewed)
    assert "delivery_ranks" in by_key_sql and "delivery_ranks" not in by_window_sql
    assert len(by_key) == 27
    assert by_window == by_key


def test_no_personal_data_past_staging(built: ScratchWarehouse) -> None:
    columns = built.query(
        "select table_schema, table_name, column_name from information_schema.columns"
        " where table_schema not in ('raw') and column_name ilike '%email%'"
    )
    assert columns == []
