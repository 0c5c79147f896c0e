"""Tests of the demo-data generator: determinism, scale, schema, sanity, dirt, planted effects.

The planted-effect checks query the Parquet files with DuckDB directly, on purpose: they are an
independent, deliberately simple reading of the data, so a bug in the dbt models cannot hide a
bug in the generator (or the other way round).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from activation_warehouse.contract import RAW_TABLES, SEEDS_DIR, tracking_plan
from activation_warehouse.dev.generate import (
    DemoConfig,
    accounts_for_events,
    arrow_schema,
    generate_demo,
)
from activation_warehouse.dev.generate.cli import add_arguments, run

END = datetime(2026, 6, 1)
SMALL = DemoConfig(accounts=40, seed=7, end=END)
#: Large enough for the planted effects to stand out from noise (~750 users), still ~1 s.
EFFECTS = DemoConfig(accounts=150, seed=11, end=END)
#: The short journey shape (~8 events per user): ~1,000 users, ~8k events.
SHORT = DemoConfig(accounts=200, seed=7, end=END, shape="short")

#: The spec's valid occurred_at: ISO-8601 with Z or an offset within ±14:00, hour < 24.
#: DuckDB's own cast is laxer (it accepts +25:00 and 24:00:00), so the text is checked first.
VALID_OCCURRED = (
    r"^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00)$"
)


def _connect(folder: Path) -> duckdb.DuckDBPyConnection:
    """DuckDB in UTC with one view per raw table over the generated Parquet files."""
    con = duckdb.connect()
    con.execute("set timezone = 'UTC'")
    for table in RAW_TABLES:
        con.execute(f"create view {table} as select * from read_parquet('{folder / table}.parquet')")
    con.execute(f"""
        create view clean as
        select *,
               lower(regexp_replace(trim(event_name), '[ _-]+', '_', 'g')) as name,
               case when regexp_matches(occurred_at, '{VALID_OCCURRED}')
                    then try_cast(occurred_at as timestamptz) at time zone 'UTC' end as occurred,
               try(json_extract_string(properties, '$.connection_id')) as connection_id
        from events
    """)
    return con


def _digest(folder: Path) -> str:
    """One hash of every table's full contents, independent of row order."""
    con = _connect(folder)
    h = hashlib.sha256()
    for table in RAW_TABLES:
        for row in con.execute(f"select * from {table} order by all").fetchall():
            h.update(repr(row).encode())
    return h.hexdigest()


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("small")
    return folder, generate_demo(folder, SMALL, progress=False)


@pytest.fixture(scope="module")
def short(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    folder = tmp_path_factory.mktemp("short")
    return folder, generate_demo(folder, SHORT, progress=False)


@pytest.fixture(scope="module")
def effects(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    folder = tmp_path_factory.mktemp("effects")
    generate_demo(folder, EFFECTS, progress=False)
    return _connect(folder)


# --- determinism and scale ------------------------------------------------------------------


def test_same_config_gives_same_data(small, tmp_path: Path) -> None:
    folder, counts = small
    again = generate_demo(tmp_path, SMALL, progress=False)
    assert again == counts
    assert _digest(tmp_path) == _digest(folder)


def test_other_seed_gives_other_data(small, tmp_path: Path) -> None:
    folder, _ = small
    other = DemoConfig(accounts=SMALL.accounts, seed=SMALL.seed + 1, end=END)
    generate_demo(tmp_path, other, progress=False)
    assert _digest(tmp_path) != _digest(folder)


def test_doubling_accounts_roughly_doubles_events(small, tmp_path: Path) -> None:
    _, counts = small
    doubled = generate_demo(tmp_path, DemoConfig(accounts=2 * SMALL.accounts, seed=SMALL.seed, end=END),
                            progress=False)
    assert 1.6 < doubled["events"] / counts["events"] < 2.4
    assert doubled["accounts"] == 2 * SMALL.accounts


def test_accounts_for_events_hits_its_target(tmp_path: Path) -> None:
    target = 100_000
    accounts = accounts_for_events(target)
    counts = generate_demo(tmp_path, DemoConfig(accounts=accounts, seed=3, end=END), progress=False)
    assert 0.75 * target <= counts["events"] <= 1.25 * target


def test_accounts_for_events_follows_the_other_knobs() -> None:
    assert accounts_for_events(1_000_000) > 10 * accounts_for_events(50_000)
    assert accounts_for_events(1_000_000, users_per_account=10) < accounts_for_events(1_000_000)
    assert accounts_for_events(1_000_000, days=365) < accounts_for_events(1_000_000, days=30)


# --- shape ------------------------------------------------------------------------------------


def test_files_have_exactly_the_contract_columns_and_types(small) -> None:
    folder, counts = small
    con = _connect(folder)
    for name, table in RAW_TABLES.items():
        schema = pq.read_schema(folder / f"{name}.parquet")
        assert schema.names == table.column_names
        assert schema.equals(arrow_schema(name))
        described = con.execute(f"describe {name}").fetchall()
        assert [(r[0], r[1].lower()) for r in described] == [(c.name, c.sql_type) for c in table.columns]
        assert pq.read_metadata(folder / f"{name}.parquet").num_rows == counts[name]


def test_non_nullable_columns_have_no_nulls(small) -> None:
    folder, _ = small
    con = _connect(folder)
    for name, table in RAW_TABLES.items():
        for column in table.columns:
            if not column.nullable:
                nulls = con.execute(f"select count(*) from {name} where {column.name} is null").fetchone()[0]
                assert nulls == 0, (name, column.name)


def test_default_scale_is_a_few_hundred_thousand_events(tmp_path: Path) -> None:
    counts = generate_demo(tmp_path, DemoConfig(end=END), progress=False)
    assert 200_000 <= counts["events"] <= 500_000
    assert counts["accounts"] == DemoConfig().accounts


# --- referential sanity -----------------------------------------------------------------------


def test_connected_events_point_at_real_connections(small) -> None:
    con = _connect(small[0])
    orphans, total = con.execute("""
        select count(*) filter (where c.connection_id is null), count(*)
        from clean e left join data_source_connections c using (connection_id)
        where e.name = 'data_source_connected' and e.connection_id is not null
    """).fetchone()
    assert total > 50 and orphans == 0
    mismatched = con.execute("""
        select count(*) from clean e join data_source_connections c using (connection_id)
        where e.name = 'data_source_connected' and e.user_id <> '' and e.user_id <> c.created_by_user_id
    """).fetchone()[0]
    assert mismatched == 0


def test_nothing_happens_or_arrives_after_end(small) -> None:
    con = _connect(small[0])
    late_occurred, late_received = con.execute(
        "select count(*) filter (where occurred > ?), count(*) filter (where received_at > ?) from clean",
        [END, END]).fetchone()
    assert late_occurred == 0 and late_received == 0
    for table, column in (("users", "created_at"), ("accounts", "created_at"),
                          ("data_source_connections", "connected_at"), ("flag_exposures", "exposed_at")):
        assert con.execute(f"select count(*) from {table} where {column} > ?", [END]).fetchone()[0] == 0


def test_users_and_connections_belong_to_accounts(small) -> None:
    con = _connect(small[0])
    assert con.execute("select count(*) from users left join accounts a using (account_id) "
                       "where a.account_id is null").fetchone()[0] == 0
    assert con.execute("""
        select count(*) from data_source_connections c join users u on u.user_id = c.created_by_user_id
        where c.account_id <> u.account_id or c.connected_at < u.created_at
    """).fetchone()[0] == 0
    assert con.execute("select count(*) - count(distinct user_id) from users").fetchone()[0] == 0
    assert con.execute("select count(*) from accounts a join (select account_id, min(created_at) first "
                       "from users group by 1) u using (account_id) where a.created_at > u.first"
                       ).fetchone()[0] == 0


def test_signed_up_ties_the_anonymous_id_to_the_user_at_signup(small) -> None:
    con = _connect(small[0])
    share_missing, mismatched = con.execute("""
        with s as (select user_id, min(occurred) signed_at from clean
                   where name = 'signed_up' and user_id <> ''
                     -- not the planted clock dirt (1970 dates, far-future device clocks)
                     and occurred >= timestamp '2015-01-01' and occurred <= received_at + interval 1 day
                   group by 1)
        select avg((s.user_id is null)::int), count(*) filter (where s.signed_at <> u.created_at)
        from users u left join s using (user_id)
    """).fetchone()
    assert 0.005 < share_missing < 0.06  # tracking gaps
    assert mismatched == 0
    anon_before = con.execute("""
        select count(*) from clean where user_id is null and anonymous_id is not null and name = 'page_viewed'
    """).fetchone()[0]
    assert anon_before > 0


def test_clean_events_carry_their_required_properties(small) -> None:
    con = _connect(small[0])
    with open(SEEDS_DIR / "tracking_plan_required_properties.csv", newline="") as handle:
        required = [(r["event_name"], r["property_name"]) for r in csv.DictReader(handle)]
    for event, prop in required:
        missing, total = con.execute(f"""
            select count(*) filter (where try(json_extract(properties, '$.{prop}')) is null), count(*)
            from clean where event_name = ? and try(json_type(properties)) = 'OBJECT'
        """, [event]).fetchone()
        allowed = 0.05 if (event, prop) == ("data_source_connected", "source_type") else 0.0
        assert total > 0 and missing <= allowed * total, (event, prop, missing, total)


def test_every_plan_event_occurs(small) -> None:
    con = _connect(small[0])
    names = {r[0] for r in con.execute("select distinct event_name from events").fetchall()}
    assert set(tracking_plan()) <= names


# --- dirt ----------------------------------------------------------------------------------------


def _share(con: duckdb.DuckDBPyConnection, condition: str) -> float:
    return con.execute(f"select avg(({condition})::int) from clean").fetchone()[0]


#: The dirt the generator adds, as (condition on `clean`, lowest share, highest share).
DIRT = [
    # retried deliveries: rows whose event_id was already delivered
    ("event_id in (select event_id from events where event_id <> '' group by 1 having count(*) > 1)",
     0.02, 0.07),
    ("occurred_at is null or not regexp_matches(occurred_at, '" + VALID_OCCURRED + "')", 0.001, 0.006),
    ("occurred is not null and occurred > received_at + interval 1 day", 0.0001, 0.0015),
    ("occurred is not null and occurred < timestamp '2015-01-01'", 0.0001, 0.0015),
    ("event_name <> name", 0.03, 0.07),
    ("event_id is null or event_id = ''", 0.0008, 0.004),
    ("coalesce(user_id, '') = '' and coalesce(anonymous_id, '') = ''", 0.0008, 0.004),
    ("account_id is null", 0.07, 0.14),
    ("properties is not null and try(json_type(properties)) is distinct from 'OBJECT'", 0.002, 0.01),
    (f"name not in ({', '.join(repr(n) for n in tracking_plan())})", 0.005, 0.02),
    ("received_at > occurred + interval 1 hour and received_at < occurred + interval 1 day", 0.015, 0.05),
    ("received_at > occurred + interval 1 day and received_at - occurred < interval 30 day", 0.002, 0.01),
    ("occurred_at like '%+05:30'", 0.0001, 0.2),  # per-user device offsets
    ("regexp_matches(occurred_at, '\\.\\d{3}(Z|[+-])')", 0.1, 0.9),  # backend writes ms
]


@pytest.mark.parametrize(("condition", "low", "high"), DIRT)
def test_dirt_is_present_at_about_its_rate(small, condition: str, low: float, high: float) -> None:
    share = _share(_connect(small[0]), condition)
    assert low <= share <= high, (condition, share)


def test_some_duplicates_share_received_at_and_none_changes_payload(small) -> None:
    con = _connect(small[0])
    same_time, payload_variants = con.execute("""
        select count(*) filter (where n_received < n), count(*) filter (where n_payload > 1)
        from (select event_id, count(*) n, count(distinct received_at) n_received,
                     count(distinct (event_name, user_id, anonymous_id, account_id, occurred_at, properties))
                       n_payload
              from events where event_id <> '' group by 1 having count(*) > 1)
    """).fetchone()
    assert same_time > 0 and payload_variants == 0


def test_name_variants_and_malformed_times_look_real(small) -> None:
    con = _connect(small[0])
    names = {r[0] for r in con.execute("select distinct event_name from events").fetchall()}
    assert {"Dashboard Created", " dashboard_created", "data-source-connected",
            "DATA_SOURCE_CONNECTED"} & names
    texts = {r[0] for r in con.execute("select distinct occurred_at from events").fetchall()}
    assert {"yesterday", "epoch", "not a date", ""} & texts
    assert any(t and t.endswith("+25:00") for t in texts)
    assert any(t and t.startswith("1970-01-01") for t in texts)


# --- planted effects -----------------------------------------------------------------------------

#: Per mature, in-scope (50–500 employees), non-test, non-internal user who connected within
#: 14 days of signup: data readiness, first value within the window, guided_setup_v2 variant.
MATURE_CONNECTED = """
with people as (
    select u.user_id, u.created_at as signup
    from users u join accounts a using (account_id)
    where a.employee_count between 50 and 500 and not coalesce(a.is_test, false)
      and not coalesce(u.is_internal, false) and u.created_at + interval 14 day <= ?
),
connected as (
    select p.user_id, p.signup, arg_min(e.connection_id, e.occurred) as connection_id,
           min(e.occurred) as connected_at
    from people p join clean e on e.user_id = p.user_id
    where e.name = 'data_source_connected' and e.occurred between p.signup and p.signup + interval 14 day
    group by all
),
ready as (
    select c.user_id, min(e.occurred) as ready_at
    from connected c join clean e on e.connection_id = c.connection_id and e.name = 'sync_completed'
    where e.occurred >= c.connected_at
    group by 1
),
valued as (
    select c.user_id, min(e.occurred) as value_at
    from connected c join clean e on e.user_id = c.user_id
    where e.name in ('dashboard_created', 'report_scheduled', 'teammate_invited')
      and e.occurred between c.connected_at and c.signup + interval 14 day
    group by 1
),
variants as (
    select user_id, min(variant) as variant
    from flag_exposures where flag_key = 'guided_setup_v2'
    group by 1 having count(distinct variant) = 1
)
select c.user_id, v.value_at is not null as activated,
       coalesce(epoch(r.ready_at - c.connected_at) / 60 > 60, true) as slow_data,
       x.variant
from connected c left join ready r using (user_id) left join valued v using (user_id)
left join variants x using (user_id)
"""


def _rate(con: duckdb.DuckDBPyConnection, where: str = "true") -> tuple[float, int]:
    return con.execute(f"select avg(activated::int), count(*) from ({MATURE_CONNECTED}) where {where}",
                       [END]).fetchone()


def test_drop_after_connecting_is_about_half(effects) -> None:
    activated, users = _rate(effects)
    assert users > 200
    assert 0.40 <= 1 - activated <= 0.60


def test_slow_data_activates_less(effects) -> None:
    slow, _ = _rate(effects, "slow_data")
    fast, _ = _rate(effects, "not slow_data")
    assert fast - slow > 0.15


def test_guided_setup_treatment_activates_more(effects) -> None:
    treatment, _ = _rate(effects, "variant = 'treatment'")
    control, _ = _rate(effects, "variant = 'control'")
    assert treatment > control


def test_about_two_thirds_of_users_connect(effects) -> None:
    share = effects.execute("""
        select avg((c.user_id is not null)::int) from users u
        left join (select distinct created_by_user_id as user_id from data_source_connections) c
          using (user_id)
        where u.created_at + interval 14 day <= ?
    """, [END]).fetchone()[0]
    assert 0.55 <= share <= 0.75


# --- the short journey shape ----------------------------------------------------------------


def _events_per_user(folder: Path) -> float:
    """Raw event rows per user, counted from the files themselves (not the returned counts)."""
    return pq.ParquetFile(folder / "events.parquet").metadata.num_rows / pq.ParquetFile(
        folder / "users.parquet").metadata.num_rows


def test_short_shape_has_five_to_ten_events_per_user(short) -> None:
    assert 5 <= _events_per_user(short[0]) <= 10


def test_short_shape_has_many_more_users_per_event_than_the_default(small, short) -> None:
    assert _events_per_user(small[0]) > 8 * _events_per_user(short[0])


def test_short_shape_same_config_gives_same_data(short, tmp_path: Path) -> None:
    folder, counts = short
    assert generate_demo(tmp_path, SHORT, progress=False) == counts
    assert _digest(tmp_path) == _digest(folder)


def test_short_shape_differs_from_the_default_with_the_same_seed(short, tmp_path: Path) -> None:
    generate_demo(tmp_path, DemoConfig(accounts=SHORT.accounts, seed=SHORT.seed, end=END), progress=False)
    assert _digest(tmp_path) != _digest(short[0])


@pytest.mark.parametrize("check", [
    test_connected_events_point_at_real_connections,
    test_nothing_happens_or_arrives_after_end,
    test_users_and_connections_belong_to_accounts,
    test_signed_up_ties_the_anonymous_id_to_the_user_at_signup,
    test_clean_events_carry_their_required_properties,
    test_every_plan_event_occurs,
    test_some_duplicates_share_received_at_and_none_changes_payload,
    test_name_variants_and_malformed_times_look_real,
], ids=lambda check: check.__name__.removeprefix("test_"))
def test_short_shape_keeps_every_path(short, check) -> None:
    """Short journeys still carry every kind of row the warehouse's paths must handle."""
    check(short)


def test_short_shape_keeps_all_five_tables_and_the_dirt(short) -> None:
    _, counts = short
    assert set(counts) == set(RAW_TABLES) and all(counts.values())
    con = _connect(short[0])
    for condition, _, _ in DIRT:
        assert _share(con, condition) > 0, condition


def test_short_shape_late_connections_still_sync_daily(short) -> None:
    """A few connections stay live for weeks, so incremental runs see steady backend volume."""
    con = _connect(short[0])
    long_lived = con.execute("""
        select count(*) from (select connection_id, count(*) n from clean
                              where name = 'sync_completed' group by 1) where n >= 10
    """).fetchone()[0]
    assert long_lived > 0


def test_accounts_for_events_sizes_the_short_shape(tmp_path: Path) -> None:
    target = 200_000
    accounts = accounts_for_events(target, shape="short")
    assert accounts > 10 * accounts_for_events(target)
    counts = generate_demo(tmp_path, DemoConfig(accounts=accounts, seed=3, end=END, shape="short"),
                           progress=False)
    assert 0.85 * target <= counts["events"] <= 1.15 * target


def test_unknown_shape_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="short"):
        generate_demo(tmp_path, DemoConfig(accounts=1, end=END, shape="long"), progress=False)
    with pytest.raises(ValueError, match="short"):
        accounts_for_events(1000, shape="long")


def test_generate_command_takes_the_shape(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert parser.parse_args([]).shape == "demo"
    args = parser.parse_args(["--out", str(tmp_path), "--events", "20000", "--shape", "short",
                              "--end", "2026-06-01", "--quiet"])
    assert run(args) == 0
    assert 5 <= _events_per_user(tmp_path) <= 10
    with pytest.raises(SystemExit):
        parser.parse_args(["--shape", "long"])
