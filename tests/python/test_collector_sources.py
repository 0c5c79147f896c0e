"""Events from a collector (Segment, RudderStack) instead of raw.events: the setting
event_collector (docs/pipelines.md, "Plugging in your pipeline").

The fixture tests/python/data/segment is shaped like Segment's documented warehouse schema:
`tracks` (one row per track call, standard columns), one table per tracked event (the same
standard columns plus one column per property), `identifies` (traits as columns), and the
application tables of the raw contract. Sixteen track calls, one of them retried:

    u1 (acc_a)  anonymous page view (a1) before signup, signed up, connected, a dashboard
                (activated), an insight 19 days later (the latest event: the as-of time)
    u2 (acc_a)  signed up, connected (the call retried 90 s later), an empty state: not activated
    u3 (acc_b)  signed up, a page view: never connected
    u4 (acc_b)  signed up, connected, invited a teammate 10 minutes later: activated
    u5 (acc_a)  internal staff: signed up and connected, kept out of every metric

Every number below is read off that story by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.contract import RAW_TABLES
from conftest import FIXTURES_DIR, ScratchWarehouse

pytestmark = pytest.mark.dbt

SEGMENT_DIR = FIXTURES_DIR / "segment"
APP_TABLES = ("accounts", "users", "data_source_connections", "flag_exposures")
COLLECTOR_TABLES = tuple(
    sorted(path.stem for path in SEGMENT_DIR.glob("*.csv") if path.stem not in APP_TABLES)
)


def load_collector_fixture(
    warehouse: Path, collector_schema: str = "segment", extra_standard_column: str | None = None
) -> None:
    """The application tables into raw (the contract's types; exposures empty) and the
    collector's tables into `collector_schema` as the collector types them (times as
    timestamps, property columns as their values read). `extra_standard_column` adds a
    column every collector table has (RudderStack's `channel`), to prove it is not taken
    for a property."""
    with duckdb.connect(str(warehouse)) as connection:
        connection.execute("create schema if not exists raw")
        for table in APP_TABLES:
            columns = ", ".join(f"{column.name} {column.sql_type}" for column in RAW_TABLES[table].columns)
            connection.execute(f"create table raw.{table} ({columns})")
            path = SEGMENT_DIR / f"{table}.csv"
            if path.exists():
                connection.execute(f"insert into raw.{table} select * from read_csv(?, header = true, all_varchar = true)", [str(path)])
        connection.execute(f"create schema {collector_schema}")
        for table in COLLECTOR_TABLES:
            connection.execute(
                f"create table {collector_schema}.{table} as select * from read_csv(?, header = true)",
                [str(SEGMENT_DIR / f"{table}.csv")],
            )
            if extra_standard_column:
                connection.execute(
                    f"alter table {collector_schema}.{table} add column {extra_standard_column} varchar default 'web'"
                )


def build(warehouse: ScratchWarehouse, *args: str, **variables: str):
    return warehouse.dbt("build", *args, "--vars", json.dumps(variables), check=False)


def activation_numbers(warehouse: ScratchWarehouse) -> dict[str, object]:
    """The marts' answers the story above fixes, in one dict to compare across collectors."""
    funnel = warehouse.query(
        "select milestone, users_reached from marts.activation_funnel"
        " where segment_type = 'overall' order by step_order"
    )
    activated = warehouse.query("select user_id from marts.fct_user_activation where is_activated order by 1")
    decision = warehouse.query("select mature_connected_users, dropped_users, verdict from marts.activation_decision")
    return {"funnel": funnel, "activated": activated, "decision": decision}


#: By hand from the story: u1-u4 are in the metrics and mature (the latest event, u1's
#: insight on 20 May, is 17 days after u4's signup, the last; the window is 14 days); u1, u2
#: and u4 connected; u1 (a dashboard) and u4 (a teammate invited) reached first value. u2
#: is the one mature, connected user not activated; three connected users in the 50-500
#: scope (120 and 300 employees) are under the 30 the verdict needs, so: investigate.
EXPECTED = {
    "funnel": [("signed_up", 4), ("data_source_connected", 3), ("first_value", 2)],
    "activated": [("u1",), ("u4",)],
    "decision": [(3, 1, "investigate")],
}


@pytest.fixture(scope="module")
def segment_build(tmp_path_factory: pytest.TempPathFactory) -> ScratchWarehouse:
    """The fixture built once with the one var set, as a team with Segment would."""
    root = tmp_path_factory.mktemp("segment")
    warehouse = ScratchWarehouse(root / "warehouse.duckdb", root / "target")
    load_collector_fixture(warehouse.path)
    result = build(warehouse, event_collector="segment")
    assert result.returncode == 0, "\n".join(result.stdout.splitlines()[-40:])
    assert " ERROR=0 " in result.stdout and " SKIP=0 " in result.stdout
    return warehouse


def test_the_marts_match_the_story(segment_build: ScratchWarehouse) -> None:
    assert activation_numbers(segment_build) == EXPECTED


def test_every_track_call_is_one_raw_event_row_and_nothing_is_lost(segment_build: ScratchWarehouse) -> None:
    # 17 tracks rows: 16 calls and e07's retry, which the duplicate rule takes out.
    assert segment_build.scalar("select count(*) from staging.stg_tracker__events") == 17
    assert segment_build.scalar("select count(*) from marts.fct_events") == 16
    assert segment_build.query("select event_id from marts.event_duplicates") == [("e07",)]
    assert segment_build.scalar("select count(*) from marts.event_quarantine") == 0
    # raw.events is neither demanded nor read: it does not exist in this warehouse.
    assert segment_build.scalar(
        "select count(*) from information_schema.tables where table_schema = 'raw' and table_name = 'events'"
    ) == 0


def test_a_collector_build_is_never_vouched_for_unchanged(segment_build: ScratchWarehouse) -> None:
    # stg_segment__tracks reads per-event tables no source names, which a later sync may
    # fill alone: the hook marks it, so `build --if-changed` always runs dbt
    # (activation_warehouse/unchanged.py). The collector's tracks table is signed as any source.
    assert segment_build.query(
        "select input_id from history.source_signature_queries where source_identifier is null"
    ) == [("model.activation_warehouse.stg_segment__tracks",)]
    assert segment_build.scalar(
        "select count(*) from history.source_signature_queries where source_identifier = 'tracks'"
        " and signature_sql is not null"
    ) == 1


def test_times_names_and_accounts_are_mapped(segment_build: ScratchWarehouse) -> None:
    # occurred_at is the collector's timestamp, through the strict ISO-8601 parser.
    assert segment_build.scalar(
        "select count(*) from staging.stg_tracker__events as events"
        " inner join segment.tracks as tracks on events.event_id = tracks.id and events.received_at = tracks.received_at"
        " where events.occurred_at = tracks.timestamp"
    ) == 17
    # account_id is context_group_id where the call has one (u1's), else null.
    assert segment_build.query(
        "select event_id, account_id from staging.stg_tracker__events where event_id in ('e02', 'e06') order by 1"
    ) == [("e02", "acc_a"), ("e06", None)]
    # The anonymous page view before u1's signup is u1's, through the link the later calls
    # carry (user_id and anonymous_id a1 together), and takes u1's account.
    assert segment_build.query("select user_id, account_id from marts.fct_events where event_id = 'e01'") == [("u1", "acc_a")]


def test_properties_are_the_event_tables_columns(segment_build: ScratchWarehouse) -> None:
    rows = dict(segment_build.query(
        "select distinct event_id, properties from staging.stg_tracker__events where event_id in ('e03', 'e04', 'e13')"
    ))
    assert {key: json.loads(value) for key, value in rows.items()} == {
        "e03": {"connection_id": "conn_1", "source_type": "crm"},
        "e04": {"connection_id": "conn_1", "rows_synced": 1200},
        "e13": {"invite_id": "inv_1"},
    }
    # Every required property of the tracking plan arrived: the conformance check finds none missing.
    assert segment_build.scalar(
        "select count(*) from marts.fct_events as events"
        " inner join seeds.tracking_plan_required_properties as required on events.event_name = required.event_name"
        " where json_extract_string(events.properties, '$.' || required.property_name) is null"
    ) == 0


def test_rudderstack_reads_the_same_shape(tmp_path: Path) -> None:
    """RudderStack writes the same tables plus standard columns of its own (`channel`), and
    a team names its schema after the source: both a non-default collector_schema and
    the `rudderstack` value give the story's numbers, and `channel` is not a property.
    Then the collector appends, and an incremental build takes the new calls in."""
    warehouse = ScratchWarehouse(tmp_path / "warehouse.duckdb", tmp_path / "target")
    load_collector_fixture(warehouse.path, collector_schema="rudder_web", extra_standard_column="channel")
    result = build(warehouse, event_collector="rudderstack", collector_schema="rudder_web")
    assert result.returncode == 0, "\n".join(result.stdout.splitlines()[-40:])
    assert activation_numbers(warehouse) == EXPECTED
    assert warehouse.scalar("select count(*) from staging.stg_tracker__events where properties like '%channel%'") == 0
    assert warehouse.scalar("select count(*) from staging.stg_tracker__events where properties is not null") == 17

    # The collector appends the next hour's calls and the hourly build is incremental: u3
    # views an insight (a new call, in tracks and its event table) and e16 is delivered
    # again. 16 + 1 clean events, 1 + 1 duplicates, and the reconciliation test passes.
    with duckdb.connect(str(warehouse.path)) as connection:
        for table in ("tracks", "insight_viewed"):
            connection.execute(
                f"insert into rudder_web.{table} by name select * replace ('e17' as id, 'u3' as user_id,"
                " 'a3' as anonymous_id, null as context_group_id, timestamp + interval 5 minute as timestamp,"
                f" received_at + interval 5 minute as received_at) from rudder_web.{table} where id = 'e16'"
            )
            connection.execute(
                f"insert into rudder_web.{table} by name select * replace (received_at + interval 30 minute"
                f" as received_at) from rudder_web.{table} where id = 'e16'"
            )
    # The unit tests ran in the first build under these vars and read no data: left out.
    result = build(
        warehouse, "--exclude-resource-type", "unit_test", event_collector="rudderstack", collector_schema="rudder_web"
    )
    assert result.returncode == 0, "\n".join(result.stdout.splitlines()[-40:])
    assert warehouse.scalar("select count(*) from marts.fct_events") == 17
    assert warehouse.query("select event_id from marts.event_duplicates order by 1") == [("e07",), ("e16",)]
    assert warehouse.query("select user_id, account_id from marts.fct_events where event_id = 'e17'") == [("u3", "acc_b")]
    # Incremental, not rebuilt: the first run's rows keep their stamp beside the new run's.
    assert warehouse.scalar("select count(distinct loaded_through) from intermediate.int_events__resolved") == 2


def test_a_missing_collector_column_stops_the_build_by_name(tmp_path: Path) -> None:
    warehouse = ScratchWarehouse(tmp_path / "warehouse.duckdb", tmp_path / "target")
    load_collector_fixture(warehouse.path)
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute("alter table segment.tracks drop column received_at")
    result = warehouse.dbt(
        "run", "--select", "stg_app__users", "--vars", json.dumps({"event_collector": "segment"}), check=False
    )
    assert result.returncode != 0
    assert "segment.tracks: missing column received_at (expected timestamp)" in result.stdout
    assert "raw.events" not in result.stdout


def test_the_default_build_has_no_collector_nodes(scratch_warehouse: ScratchWarehouse) -> None:
    def nodes(*args: str) -> set[str]:
        listed = scratch_warehouse.dbt("ls", "--resource-type", "model", "source", "--output", "name", *args)
        names = {line.strip() for line in listed.stdout.splitlines()}
        return {name for name in names if name.startswith(("stg_segment__", "segment."))}

    assert nodes() == set()
    assert nodes("--vars", json.dumps({"event_collector": "segment"})) == {"stg_segment__tracks", "segment.tracks"}


def test_an_unknown_collector_is_refused_by_name(scratch_warehouse: ScratchWarehouse) -> None:
    result = scratch_warehouse.dbt("ls", "--vars", json.dumps({"event_collector": "snowplow"}), check=False)
    assert result.returncode != 0
    assert "Invalid var 'event_collector'" in result.stdout and "one of raw, segment, rudderstack" in result.stdout
