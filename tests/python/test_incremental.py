"""Incremental builds end exactly where a full rebuild ends: one explicit case per tricky kind.

A real pipeline appends to raw.events and runs dbt every hour, so these tests append rows
with DuckDB between incremental runs. Every case lives in one warehouse (each uses people
and ids of its own, and people never interact), loaded in three batches whose received_at
ranges follow one timeline; the var incremental_lookback_hours keeps its default, 3.
D1 = 2026-03-02, D2 = 2026-03-03, D3 = 2026-03-04, times UTC (occurred, with received
when it matters):

batch 1, received D1 08:00-13:00 (the first run builds everything from scratch):
  dup      e_dup 08:29 (received 08:30); e_flip 11:00 with properties v=x (received
           12:00) and e_gone 11:10, a page view (received 12:10): dup's session 11:00-11:10
  ident    anonymous page views of a_ident at 09:00 and 09:10: an anonymous session
  owner    c1 09:00 and c2 09:50 (own_c), x1 09:25 anonymous a_shared, s1 10:30 signed_up
           carrying own_c and a_shared: a_shared belongs to own_c, whose actions 09:00,
           09:25, 09:50 (gaps of 25 min) make one session and 10:30 another
  sight    z1 09:05 anonymous a_x; e_sight 09:20 (received 12:20) carrying sight and a_x:
           z1 is sight's
  merge    m1 09:00, m3 10:00: two sessions (a 60 min gap)
  prepend  p1 10:00, p2 10:20: one session named after p1
  context  k1 08:40 of user ctx, who is not in raw.users yet, sent without an account:
           account null; v1 08:45 of mover (acc1 in raw.users), sent with acc1
  a filler received at 13:00 sets the latest received_at (the lookback starts at 10:00)
batch 2, received D1 10:00 onwards (ctx now in raw.users, acc2):
  dup      e_dup again (D2 09:00): its kept delivery was received before the lookback, so
           only the earlier run's verdict makes it a duplicate. e_flip with v=y, received
           11:30, before the v=x copy and inside the lookback: v=y becomes the kept
           delivery and v=x a duplicate. e_gone as a sync_started received 11:40: no
           longer a user action, it leaves dup's session
  sight    e_sight without a_x, received 11:50, replaces the kept copy: z1 is anonymous again
  ident    signed_up of ident with a_ident (D2 09:00): the anonymous events are ident's,
           their anonymous session is gone
  context  k1, received before the lookback, now has acc2
  span     sp1 D2 23:50
batch 3, received D3 (raw.users now puts mover in acc2; the final run is a whole `dbt run`,
incremental):
  dup      e_dup a third time (D3 08:00:03): a duplicate again
  span     sp2 D3 00:10: one session with sp1 across two batches
  owner    s0, occurred D1 09:10 carrying own_d and a_shared: an earlier identifying event,
           so a_shared (and x1) now belong to own_d; own_c keeps 09:00, 09:50, 10:30 with
           gaps of 50 and 40 min: its session splits in three; own_d has 09:10 and 09:25
  merge    m2 D1 09:30: gaps of exactly 30 min, one session of three named after m1, and
           the session named after m3 is gone
  prepend  p0 D1 09:50: the session is now named after p0, the one named after p1 is gone
  context  mover's event keeps its own acc1 but mover's session, whose account is the
           user's, moves to acc2
batch 4, no event at all (span now internal in raw.users; a whole `dbt run`, incremental):
  context  span's events and session are internal traffic: the run rewrites them though no
           event arrived, so its rows need a stamp later than batch 3's
batch 5, received D3 12:00:05 (a whole `dbt run`, incremental):
  calm     q1, a page view of a new person
batch 6, nothing at all (a whole `dbt run`, incremental): every table stays as it was, and
  int_events__sessionized and fct_events, whose upstream models wrote nothing, write
  nothing without reading the events (their short cut; the runs before, where
  int_events__resolved wrote rows, took the whole logic)
  The tables rebuilt in full (macros/materializations/fingerprinted_table.sql) and the
  staging views (fingerprinted_view.sql) are kept, not rebuilt, but for the few whose
  inputs have no cheap signature (ALWAYS_BUILT)
batch 7, no event, acc1 grows from 120 to 250 employees (a whole `dbt run`, incremental):
  the tables that read the accounts, and those downstream, are rebuilt (acc1's users move
  to the 200-500 band); the event-grain models write nothing and the tables that read only
  them are kept
then the warehouse is compared, table by table, with a full refresh of the same raw data,
and finally a row received 10 hours behind the latest one is appended: the incremental build
stops with the restatement line naming its received day (it would miss the row), and the data
tests alone count it (tests/incremental, warn) and fail the reconciliation.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.contract import RAW_TABLES
from activation_warehouse.dev.engine_compare import BUILD_TIME_COLUMNS

from conftest import ScratchWarehouse

pytestmark = pytest.mark.dbt

#: The models that keep state between runs (materialized incremental).
INCREMENTAL_MODELS = (
    "int_events__classified", "int_events__resolved", "int_events__sessionized", "int_sessions",
    "fct_events", "event_quarantine", "event_duplicates", "int_user_milestones",
)  # fmt: skip
#: A run of just the incremental models (and the models they read): what an hourly load
#: needs before the models that rebuild fully, which hold no state, run at the end.
INCREMENTAL_SELECTION = (
    "+fct_events", "+int_sessions", "+event_quarantine", "+event_duplicates", "+int_user_milestones",
)  # fmt: skip
#: Bookkeeping columns of the incremental build: when a row was written, not what it says.
#: Columns two builds of the same data may differ in: the incremental stamps, and the build
#: times of dq_incidents (engines.BUILD_TIME_COLUMNS).
BOOKKEEPING_COLUMNS = frozenset({"loaded_through"}) | BUILD_TIME_COLUMNS
#: Rows only a warehouse with earlier builds holds, by design: an incident an earlier build
#: saw and this one does not is `resolved` (dq_incidents), which a first build cannot know.
HISTORY_ROWS = {"marts.dq_incidents": "status = 'resolved'"}
#: Tables of the incremental build's own bookkeeping: the run window holds what each
#: incremental model held before this run (models/intermediate/int_run_window.sql), which a
#: full refresh, holding nothing before, cannot have.
BOOKKEEPING_TABLES = frozenset({"intermediate.int_run_window"})
RAW_EVENT_COLUMNS = tuple(RAW_TABLES["events"].column_names)
FLOAT_TOLERANCE = 1e-9


# ---------------------------------------------------------------------------------------
# Helpers shared with test_incremental_property.py
# ---------------------------------------------------------------------------------------


def create_raw_tables(path: Path) -> None:
    """Empty raw tables shaped by the raw contract (what the loader would create)."""
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema if not exists raw")
        for table in RAW_TABLES.values():
            columns = ", ".join(
                f"{column.name} {column.sql_type}{'' if column.nullable else ' not null'}"
                for column in table.columns
            )
            connection.execute(f"create or replace table raw.{table.name} ({columns})")


def insert_rows(path: Path, table: str, rows: Iterable[tuple]) -> None:
    """Append rows to a raw table, as the tracking pipeline does between runs."""
    rows = list(rows)
    if not rows:
        return
    columns = RAW_TABLES[table].column_names
    with duckdb.connect(str(path)) as connection:
        connection.executemany(
            f"insert into raw.{table} ({', '.join(columns)}) values ({', '.join('?' for _ in columns)})",
            rows,
        )


def run_incremental(warehouse: ScratchWarehouse, everything: bool = False) -> None:
    """One incremental `dbt run`: the stateful models only, or every model."""
    warehouse.dbt("run", *([] if everything else ["--select", *INCREMENTAL_SELECTION]))


def assert_reconciles(warehouse: ScratchWarehouse) -> None:
    """The reconciliation test's rule: raw = clean + quarantined + duplicates."""
    raw, clean, quarantined, duplicates = warehouse.query(
        "select (select count(*) from raw.events), (select count(*) from marts.fct_events),"
        " (select count(*) from marts.event_quarantine), (select count(*) from marts.event_duplicates)"
    )[0]
    assert raw == clean + quarantined + duplicates, (raw, clean, quarantined, duplicates)


def snapshot(path: Path, schemas: tuple[str, ...] = ("intermediate", "marts")) -> dict[str, list[tuple]]:
    """Every table and view of `schemas` (the projection marts are views on DuckDB:
    macros/materializations/projection.sql), bookkeeping tables, columns and history rows
    left out, as sorted rows."""
    tables: dict[str, list[tuple]] = {}
    listed = ", ".join(repr(s) for s in schemas)
    with duckdb.connect(str(path), read_only=True) as connection:
        names = connection.execute(
            f"select schema_name, table_name from duckdb_tables() where schema_name in ({listed})"
            f" union all select schema_name, view_name from duckdb_views() where schema_name in ({listed})"
            " and not internal order by all"
        ).fetchall()
        for schema, table in names:
            if f"{schema}.{table}" in BOOKKEEPING_TABLES:
                continue
            columns = [
                name
                for (name,) in connection.execute(
                    "select column_name from duckdb_columns() where schema_name = ? and table_name = ?"
                    " order by column_index",
                    [schema, table],
                ).fetchall()
                if name not in BOOKKEEPING_COLUMNS
            ]
            history = HISTORY_ROWS.get(f"{schema}.{table}")
            rows = connection.execute(
                f"select {', '.join(columns)} from {schema}.{table}"
                + (f" where not ({history})" if history else "")
            ).fetchall()
            tables[f"{schema}.{table}"] = sorted(rows, key=_sort_key)
    return tables


def _sort_key(row: tuple) -> tuple:
    # Floats are rounded for ordering only, so two values 1e-12 apart sort alike.
    return tuple(
        (value is None, round(value, 6) if isinstance(value, float) else value)
        if not isinstance(value, bool) else (False, value)
        for value in row
    )


def _same_value(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=0.0, abs_tol=FLOAT_TOLERANCE) or (
            math.isnan(left) and math.isnan(right)
        )
    return left == right


def table_differences(actual: dict[str, list[tuple]], expected: dict[str, list[tuple]]) -> list[str]:
    """Per table, what differs between two snapshots (empty when they are equal)."""
    problems = []
    for table in sorted(set(actual) | set(expected)):
        if table not in actual or table not in expected:
            problems.append(f"{table}: only in {'expected' if table in expected else 'actual'}")
            continue
        got, want = actual[table], expected[table]
        if len(got) != len(want):
            problems.append(f"{table}: {len(got)} rows, a full refresh has {len(want)}")
            continue
        for got_row, want_row in zip(got, want):
            if len(got_row) != len(want_row) or not all(map(_same_value, got_row, want_row)):
                problems.append(f"{table}: row {got_row!r} where a full refresh has {want_row!r}")
                break
    return problems


def full_refresh_snapshot(warehouse: ScratchWarehouse, root: Path) -> dict[str, list[tuple]]:
    """A full refresh of the warehouse's raw data and seeds, in a copy."""
    reference = ScratchWarehouse.in_folder(root / "reference")
    shutil.copy(warehouse.path, reference.path)
    reference.dbt("run", "--full-refresh")
    return snapshot(reference.path)


def session_id(person_type: str, person_id: str, first_event_id: str) -> str:
    """The spec's session id: a hash of the person key and the first event (md5 on DuckDB)."""
    return hashlib.md5(f"{person_type}|{person_id}|{first_event_id}".encode()).hexdigest()


# ---------------------------------------------------------------------------------------
# The timeline
# ---------------------------------------------------------------------------------------

D1, D2, D3 = "2026-03-02", "2026-03-03", "2026-03-04"


def event(
    event_id: str, name: str, occurred: str, received: str, *, user: str | None = None,
    anonymous: str | None = None, account: str | None = None, properties: str | None = None,
) -> tuple:
    """A raw event row; times are 'YYYY-MM-DD HH:MM[:SS]' UTC (occurred_at sent as ISO text)."""
    occurred_at = datetime.fromisoformat(occurred).strftime("%Y-%m-%dT%H:%M:%SZ")
    row = {
        "event_id": event_id, "event_name": name, "user_id": user, "anonymous_id": anonymous,
        "account_id": account, "occurred_at": occurred_at,
        "received_at": datetime.fromisoformat(received), "properties": properties,
    }  # fmt: skip
    return tuple(row[column] for column in RAW_EVENT_COLUMNS)


ACCOUNTS = [
    ("acc1", "Acme", 120, "logistics", "self_serve", datetime(2026, 3, 1), False),
    ("acc2", "Globex", 60, "retail", "sales_assisted", datetime(2026, 3, 1), False),
]
USERS = [
    (user, "acc1", None, "admin", datetime(2026, 3, 1), False)
    for user in ("dup", "ident", "own_c", "own_d", "span", "merge", "prepend", "mover", "sight")
]
#: Changes to the app tables before a batch's run: ctx signs up after its first event
#: reached the warehouse, mover changes account, span turns out to be staff.
APP_TABLE_CHANGES = {
    2: ["insert into raw.users values ('ctx', 'acc2', null, 'member', '2026-03-02 09:00:00', false)"],
    3: ["update raw.users set account_id = 'acc2' where user_id = 'mover'"],
    4: ["update raw.users set is_internal = true where user_id = 'span'"],
    7: ["update raw.accounts set employee_count = 250 where account_id = 'acc1'"],
}
#: The tables rebuilt by a run with nothing new (the staging views are all kept), each for
#: a reason of its own: it reads a table that no ref() names (int_dq_restated_days: the
#: history of restatements), the build time (dq_incidents' SQL), or rows that hold it
#: (dq_acknowledgement_states, alias dq_acknowledgements, reads the incidents'
#: last_seen_at: this warehouse has incidents).
ALWAYS_BUILT = frozenset({
    "intermediate.int_dq_restated_days", "marts.dq_incidents", "marts.dq_acknowledgements",
})  # fmt: skip
#: The incremental models whose SQL changes with their short cut (nothing written upstream:
#: an empty write), so the first run with nothing new after one with new events runs them
#: (writing nothing); the next keeps them.
SHORT_CUT_MODELS = frozenset({"intermediate.int_events__sessionized", "marts.fct_events"})

BATCH_1 = [
    event("e_dup", "page_viewed", f"{D1} 08:29", f"{D1} 08:30", user="dup"),
    event("e_flip", "page_viewed", f"{D1} 11:00", f"{D1} 12:00", user="dup", properties='{"v": "x"}'),
    event("n1", "page_viewed", f"{D1} 09:00", f"{D1} 09:00:02", anonymous="a_ident"),
    event("n2", "page_viewed", f"{D1} 09:10", f"{D1} 09:10:02", anonymous="a_ident"),
    event("c1", "page_viewed", f"{D1} 09:00", f"{D1} 09:00:03", user="own_c"),
    event("x1", "page_viewed", f"{D1} 09:25", f"{D1} 09:25:03", anonymous="a_shared"),
    event("c2", "page_viewed", f"{D1} 09:50", f"{D1} 09:50:03", user="own_c"),
    event("s1", "signed_up", f"{D1} 10:30", f"{D1} 10:30:03", user="own_c", anonymous="a_shared"),
    event("m1", "page_viewed", f"{D1} 09:00", f"{D1} 09:00:04", user="merge"),
    event("m3", "page_viewed", f"{D1} 10:00", f"{D1} 10:00:04", user="merge"),
    event("p1", "page_viewed", f"{D1} 10:00", f"{D1} 10:00:05", user="prepend"),
    event("p2", "page_viewed", f"{D1} 10:20", f"{D1} 10:20:05", user="prepend"),
    event("k1", "page_viewed", f"{D1} 08:40", f"{D1} 08:40:06", user="ctx"),
    event("v1", "page_viewed", f"{D1} 08:45", f"{D1} 08:45:07", user="mover", account="acc1"),
    event("e_gone", "page_viewed", f"{D1} 11:10", f"{D1} 12:10", user="dup"),
    event("z1", "page_viewed", f"{D1} 09:05", f"{D1} 09:05:08", anonymous="a_x"),
    event("e_sight", "page_viewed", f"{D1} 09:20", f"{D1} 12:20", user="sight", anonymous="a_x"),
    event("f1", "sync_completed", f"{D1} 12:59", f"{D1} 13:00", user="dup"),
]
BATCH_2 = [
    event("e_dup", "page_viewed", f"{D1} 08:29", f"{D2} 09:00", user="dup"),
    event("e_flip", "page_viewed", f"{D1} 11:00", f"{D1} 11:30", user="dup", properties='{"v": "y"}'),
    event("e_gone", "sync_started", f"{D1} 11:10", f"{D1} 11:40", user="dup"),
    event("e_sight", "page_viewed", f"{D1} 09:20", f"{D1} 11:50", user="sight"),
    event("i1", "signed_up", f"{D2} 09:00", f"{D2} 09:00:02", user="ident", anonymous="a_ident"),
    event("sp1", "page_viewed", f"{D2} 23:50", f"{D2} 23:50:02", user="span"),
]
BATCH_3 = [
    event("sp2", "page_viewed", f"{D3} 00:10", f"{D3} 00:10:02", user="span"),
    event("s0", "page_viewed", f"{D1} 09:10", f"{D3} 08:00", user="own_d", anonymous="a_shared"),
    event("m2", "page_viewed", f"{D1} 09:30", f"{D3} 08:00:01", user="merge"),
    event("p0", "page_viewed", f"{D1} 09:50", f"{D3} 08:00:02", user="prepend"),
    event("e_dup", "page_viewed", f"{D1} 08:29", f"{D3} 08:00:03", user="dup"),
    event("f3", "sync_completed", f"{D3} 11:59", f"{D3} 12:00", user="dup"),
]
#: After batch 4's run, whose rows carry a stamp later than any received_at, a new event:
#: its run stamps rows with its received_at again, the bound fct_events measures itself by.
BATCH_5 = [event("q1", "page_viewed", f"{D3} 12:00:04", f"{D3} 12:00:05", user="calm")]
#: Received 10 hours before the latest row: behind the 3-hour lookback.
BEHIND_THE_LOOKBACK = event("late", "page_viewed", f"{D3} 01:00", f"{D3} 02:00", user="span")


@pytest.fixture(scope="module")
def timeline(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("incremental")
    # (artifacts: each run's compiled SQL of the models with a short cut, from run_results.json.)
    warehouse = ScratchWarehouse(path=root / "warehouse.duckdb", target_dir=root / "target", artifacts=True)
    create_raw_tables(warehouse.path)
    insert_rows(warehouse.path, "accounts", ACCOUNTS)
    insert_rows(warehouse.path, "users", USERS)
    warehouse.dbt("seed")
    after, short_cut_sql, built, days_recorded = {}, {}, {}, {}
    for batch, rows in enumerate((BATCH_1, BATCH_2, BATCH_3, [], BATCH_5, [], []), start=1):
        with duckdb.connect(str(warehouse.path)) as connection:
            for change in APP_TABLE_CHANGES.get(batch, ()):
                connection.execute(change)
        insert_rows(warehouse.path, "events", rows)
        run_incremental(warehouse, everything=batch >= 4)
        assert_reconciles(warehouse)
        after[batch] = snapshot(warehouse.path)
        short_cut_sql[batch] = {
            model: compiled_code(warehouse, model) for model in ("int_events__sessionized", "fct_events")
        }
        built[batch] = tables_built_by_the_last_run(warehouse)
        days_recorded[batch] = raw_event_days_recorded_by_the_last_run(warehouse)
    return {
        "warehouse": warehouse, "root": root, "after": after, "short_cut_sql": short_cut_sql, "built": built,
        "days_recorded": days_recorded,
    }  # fmt: skip


def tables_built_by_the_last_run(warehouse: ScratchWarehouse) -> dict[str, bool]:
    """Each fingerprinted table (history.table_fingerprints), as schema.table: whether the
    last dbt invocation built it (its record is that invocation's) or kept it."""
    metadata = json.loads((warehouse.target_dir / "run_results.json").read_text())["metadata"]
    rows = warehouse.query("select relation_name, invocation_id from history.table_fingerprints")
    return {
        ".".join(part.strip('"') for part in relation.split(".")[-2:]): invocation == metadata["invocation_id"]
        for relation, invocation in rows
    }


def raw_event_days_recorded_by_the_last_run(warehouse: ScratchWarehouse) -> bool:
    """Whether the last dbt invocation wrote history.raw_event_days (the figures of the raw
    days settled, for the next run's restatement check)."""
    metadata = json.loads((warehouse.target_dir / "run_results.json").read_text())["metadata"]
    rows = warehouse.query("select distinct invocation_id from history.raw_event_days")
    return rows == [(metadata["invocation_id"],)]


def compiled_code(warehouse: ScratchWarehouse, model: str) -> str:
    """The SQL the last dbt invocation ran for `model` (run_results.json)."""
    results = json.loads((warehouse.target_dir / "run_results.json").read_text())["results"]
    (code,) = [r["compiled_code"] for r in results if r["unique_id"] == f"model.activation_warehouse.{model}"]
    return code


def _events(snapshot_: dict, *ids: str) -> dict[str, dict]:
    """fct_events rows by event_id, as dicts (the mart's columns, in contract order)."""
    columns = (
        "event_id", "event_name", "occurred_at", "received_at", "user_id", "anonymous_id",
        "account_id", "session_id", "is_identified_from_anonymous_id", "is_user_action",
        "is_in_tracking_plan", "has_valid_properties", "properties", "connection_id",
        "source_type", "error_code", "is_test_account", "is_internal_user",
        "is_excluded_from_metrics",
    )  # fmt: skip
    rows = {row[0]: dict(zip(columns, row)) for row in snapshot_["marts.fct_events"]}
    return {event_id: rows[event_id] for event_id in ids}


def _sessions(snapshot_: dict, person_id: str, table: str = "intermediate.int_sessions") -> dict:
    """A person's sessions by id: (started_at, ended_at, event_count)."""
    # int_sessions columns: session_id, person_type, user_id, anonymous_id, account_id,
    # started_at, ended_at, duration_minutes, event_count, ...
    return {
        row[0]: (row[5], row[6], row[8])
        for row in snapshot_[table]
        if person_id in (row[2], row[3])
    }


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


# ---------------------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------------------


def test_a_duplicate_in_a_later_batch_stays_a_duplicate(timeline: dict) -> None:
    final = timeline["after"][4]
    # The kept delivery was received before the lookback of batch 2 (13:00 - 3 h): only
    # the earlier run's verdict tells the retries are not first.
    assert _events(final, "e_dup")["e_dup"]["received_at"] == at(f"{D1} 08:30")
    duplicates = [row for row in final["marts.event_duplicates"] if row[0] == "e_dup"]
    assert sorted(row[6] for row in duplicates) == [at(f"{D2} 09:00"), at(f"{D3} 08:00:03")]


def test_a_delivery_received_earlier_but_loaded_later_replaces_the_kept_one(timeline: dict) -> None:
    # Loads whose received_at does not increase: the lookback re-judges the window.
    assert _events(timeline["after"][1], "e_flip")["e_flip"]["properties"] == '{"v": "x"}'
    final = timeline["after"][4]
    assert _events(final, "e_flip")["e_flip"]["properties"] == '{"v": "y"}'
    assert _events(final, "e_flip")["e_flip"]["received_at"] == at(f"{D1} 11:30")
    duplicates = [(row[6], row[7]) for row in final["marts.event_duplicates"] if row[0] == "e_flip"]
    assert duplicates == [(at(f"{D1} 12:00"), '{"v": "x"}')]


def test_an_action_that_stops_being_one_leaves_its_session(timeline: dict) -> None:
    before, final = timeline["after"][1], timeline["after"][4]
    assert _sessions(before, "dup")[session_id("user", "dup", "e_flip")] == (
        at(f"{D1} 11:00"), at(f"{D1} 11:10"), 2
    )
    gone = _events(final, "e_gone")["e_gone"]
    assert (gone["event_name"], gone["is_user_action"], gone["session_id"]) == ("sync_started", False, None)
    assert "e_gone" not in {row[0] for row in final["intermediate.int_events__sessionized"]}
    assert _sessions(final, "dup", "marts.fct_sessions")[session_id("user", "dup", "e_flip")] == (
        at(f"{D1} 11:00"), at(f"{D1} 11:00"), 1
    )


def test_anonymous_events_identified_by_a_later_batch(timeline: dict) -> None:
    before, final = timeline["after"][1], timeline["after"][4]
    assert {e["user_id"] for e in _events(before, "n1", "n2").values()} == {None}
    assert _sessions(before, "a_ident") == {
        session_id("anonymous", "a_ident", "n1"): (at(f"{D1} 09:00"), at(f"{D1} 09:10"), 2)
    }
    identified = _events(final, "n1", "n2")
    assert {
        (e["user_id"], e["account_id"], e["is_identified_from_anonymous_id"]) for e in identified.values()
    } == {("ident", "acc1", True)}
    # The anonymous session is gone; its actions are ident's first session.
    assert _sessions(final, "a_ident") == {}
    assert _sessions(final, "ident", "marts.fct_sessions") == {
        session_id("user", "ident", "n1"): (at(f"{D1} 09:00"), at(f"{D1} 09:10"), 2),
        session_id("user", "ident", "i1"): (at(f"{D2} 09:00"), at(f"{D2} 09:00"), 1),
    }
    assert {e["session_id"] for e in identified.values()} == {session_id("user", "ident", "n1")}


def test_an_earlier_identifying_event_in_a_later_batch_moves_the_events(timeline: dict) -> None:
    before, final = timeline["after"][2], timeline["after"][4]
    assert _events(before, "x1")["x1"]["user_id"] == "own_c"
    assert _sessions(before, "own_c") == {
        session_id("user", "own_c", "c1"): (at(f"{D1} 09:00"), at(f"{D1} 09:50"), 3),
        session_id("user", "own_c", "s1"): (at(f"{D1} 10:30"), at(f"{D1} 10:30"), 1),
    }
    assert _events(final, "x1")["x1"]["user_id"] == "own_d"
    # Without x1, own_c's first session splits: gaps of 50 and 40 minutes.
    assert _sessions(final, "own_c", "marts.fct_sessions") == {
        session_id("user", "own_c", "c1"): (at(f"{D1} 09:00"), at(f"{D1} 09:00"), 1),
        session_id("user", "own_c", "c2"): (at(f"{D1} 09:50"), at(f"{D1} 09:50"), 1),
        session_id("user", "own_c", "s1"): (at(f"{D1} 10:30"), at(f"{D1} 10:30"), 1),
    }
    assert _sessions(final, "own_d", "marts.fct_sessions") == {
        session_id("user", "own_d", "s0"): (at(f"{D1} 09:10"), at(f"{D1} 09:25"), 2),
    }
    assert _events(final, "x1")["x1"]["session_id"] == session_id("user", "own_d", "s0")


def test_a_replaced_delivery_can_take_an_anonymous_id_back(timeline: dict) -> None:
    # The kept e_sight carried a_x and made sight its owner; the copy that replaces it in
    # batch 2 (received earlier) carries no anonymous id, so z1 is anonymous again.
    before, final = timeline["after"][1], timeline["after"][4]
    assert _events(before, "z1")["z1"]["user_id"] == "sight"
    assert _sessions(before, "sight") == {
        session_id("user", "sight", "z1"): (at(f"{D1} 09:05"), at(f"{D1} 09:20"), 2)
    }
    assert _events(final, "z1")["z1"]["user_id"] is None
    assert _sessions(final, "sight", "marts.fct_sessions") == {
        session_id("user", "sight", "e_sight"): (at(f"{D1} 09:20"), at(f"{D1} 09:20"), 1)
    }
    assert _sessions(final, "a_x", "marts.fct_sessions") == {
        session_id("anonymous", "a_x", "z1"): (at(f"{D1} 09:05"), at(f"{D1} 09:05"), 1)
    }


def test_a_session_spanning_two_batches(timeline: dict) -> None:
    assert _sessions(timeline["after"][2], "span") == {
        session_id("user", "span", "sp1"): (at(f"{D2} 23:50"), at(f"{D2} 23:50"), 1)
    }
    assert _sessions(timeline["after"][4], "span", "marts.fct_sessions") == {
        session_id("user", "span", "sp1"): (at(f"{D2} 23:50"), at(f"{D3} 00:10"), 2)
    }


def test_a_late_event_merges_two_sessions_and_leaves_no_stale_one(timeline: dict) -> None:
    assert set(_sessions(timeline["after"][2], "merge")) == {
        session_id("user", "merge", "m1"), session_id("user", "merge", "m3")
    }
    final = timeline["after"][4]
    # Gaps of exactly 30 minutes do not split.
    assert _sessions(final, "merge", "marts.fct_sessions") == {
        session_id("user", "merge", "m1"): (at(f"{D1} 09:00"), at(f"{D1} 10:00"), 3)
    }
    assert {e["session_id"] for e in _events(final, "m1", "m2", "m3").values()} == {
        session_id("user", "merge", "m1")
    }


def test_a_late_first_event_renames_the_session(timeline: dict) -> None:
    final = timeline["after"][4]
    assert _sessions(final, "prepend", "marts.fct_sessions") == {
        session_id("user", "prepend", "p0"): (at(f"{D1} 09:50"), at(f"{D1} 10:20"), 3)
    }
    # int_events__sessionized columns: event_id, occurred_at, person_type, person_id,
    # account_id, is_excluded_from_metrics, session_number, session_id, loaded_through.
    sessionized = {row[0]: row for row in final["intermediate.int_events__sessionized"]}
    assert {sessionized[e][7] for e in ("p0", "p1", "p2")} == {session_id("user", "prepend", "p0")}
    assert {sessionized[e][6] for e in ("p0", "p1", "p2")} == {1}  # session_number


def test_a_change_in_the_app_tables_reaches_earlier_events(timeline: dict) -> None:
    assert _events(timeline["after"][1], "k1")["k1"]["account_id"] is None
    # k1 was received before batch 2's lookback: only the change in raw.users brings it back.
    assert _events(timeline["after"][4], "k1")["k1"]["account_id"] == "acc2"
    assert [row[4] for row in timeline["after"][4]["marts.fct_sessions"] if row[2] == "ctx"] == ["acc2"]
    # A session's account is its user's (raw.users), even when the events carry their own.
    assert _events(timeline["after"][4], "v1")["v1"]["account_id"] == "acc1"
    assert [row[4] for row in timeline["after"][2]["intermediate.int_sessions"] if row[2] == "mover"] == ["acc1"]
    assert [row[4] for row in timeline["after"][4]["marts.fct_sessions"] if row[2] == "mover"] == ["acc2"]


def test_a_change_without_new_events_is_picked_up(timeline: dict) -> None:
    assert {row[17] for row in timeline["after"][3]["marts.fct_events"] if row[4] == "span"} == {False}
    final = timeline["after"][4]
    assert {(row[17], row[18]) for row in final["marts.fct_events"] if row[4] == "span"} == {(True, True)}
    assert [row[9] for row in final["marts.fct_sessions"] if row[2] == "span"] == [True]


def test_the_incremental_build_equals_a_full_refresh(timeline: dict) -> None:
    expected = full_refresh_snapshot(timeline["warehouse"], timeline["root"])
    assert table_differences(timeline["after"][7], expected) == []


def test_a_run_with_nothing_new_keeps_every_table_it_can(timeline: dict) -> None:
    built = timeline["built"]
    # Batch 5 brought an event, which moved the as-of time: what reads the events was
    # rebuilt; the settings and the accounts, which do not, were kept.
    assert built[5]["intermediate.int_as_of"] and built[5]["marts.fct_user_activation_v2"]
    assert not built[5]["intermediate.int_accounts"] and not built[5]["marts.activation_settings"]
    assert len(built[6]) > 30
    # Every fingerprinted table, view and incremental model of the project has its record
    # (dbt's manifest).
    manifest = json.loads((timeline["warehouse"].target_dir / "manifest.json").read_text())
    assert set(built[6]) == {
        f"{node['schema']}.{node['alias']}"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["config"]["materialized"]
        in ("fingerprinted_table", "fingerprinted_view", "fingerprinted_incremental")
    }
    assert {table for table, was_built in built[6].items() if was_built} == ALWAYS_BUILT | SHORT_CUT_MODELS
    # The event models that re-read a lookback were kept, and with them the data-quality
    # shares that read int_events__classified.
    for table in (
        "intermediate.int_events__classified", "intermediate.int_events__resolved", "intermediate.int_sessions",
        "marts.event_quarantine", "marts.event_duplicates", "marts.dq_quarantine_share", "marts.dq_duplicate_share",
    ):  # fmt: skip
        assert not built[6][table], table
    # Batch 7 brought no event: the models that read only the events were kept.
    assert not built[7]["intermediate.int_events__classified"]
    # The figures of the settled raw days are written by the runs that judged raw rows (the
    # batches with events), and left as they are by those that kept int_events__classified
    # (batches 4, 6 and 7: the same figures).
    assert [batch for batch in range(1, 8) if timeline["days_recorded"][batch]] == [1, 2, 3, 5]


def test_an_app_table_change_rebuilds_what_reads_it_and_keeps_the_rest(timeline: dict) -> None:
    built = timeline["built"][7]
    for table in (
        "intermediate.int_accounts", "intermediate.int_users", "marts.fct_user_activation_v2",
        "marts.activation_opportunity", "marts.dq_source_freshness",
    ):  # fmt: skip
        assert built[table], table
    # Neither the events nor the sessions read the accounts' sizes: nothing upstream wrote.
    for table in ("intermediate.int_as_of", "marts.fct_sessions", "marts.dq_event_volume"):
        assert not built[table], table
    bands = timeline["warehouse"].query(
        "select distinct company_size_band from marts.fct_user_activation_v2 where account_id = 'acc1'"
    )
    assert bands == [("200-500",)]


def test_a_run_with_nothing_new_changes_nothing_and_reads_no_event(timeline: dict) -> None:
    assert table_differences(timeline["after"][6], timeline["after"][5]) == []
    assert _events(timeline["after"][5], "q1")["q1"]["user_id"] == "calm"
    # The short cut (an empty `final` read from the model's own table) only where nothing
    # upstream was written: batch 4 rewrote span's events, batch 5 brought q1, batch 6
    # nothing.
    short_cut = "where false"
    for model in ("int_events__sessionized", "fct_events"):
        assert short_cut not in timeline["short_cut_sql"][4][model], model
        assert short_cut not in timeline["short_cut_sql"][5][model], model
        assert short_cut in timeline["short_cut_sql"][6][model], model


#: Milestone events for dup after the timeline's last batch: two connections and two first
#: values, so the definition changes below move dup's milestones.
MILESTONE_BATCH = [
    event("mc1", "data_source_connected", f"{D3} 13:00", f"{D3} 13:00:01", user="dup"),
    event("mv1", "dashboard_created", f"{D3} 13:30", f"{D3} 13:30:01", user="dup"),
    event("mc2", "data_source_connected", f"{D3} 14:00", f"{D3} 14:00:01", user="dup"),
    event("mv2", "report_scheduled", f"{D3} 15:00", f"{D3} 15:00:01", user="dup"),
]


def test_a_changed_definition_recomputes_the_milestones_without_a_full_refresh(timeline: dict) -> None:
    # A copy of the timeline's warehouse, so the module's other tests read theirs unchanged.
    root = timeline["root"] / "definition"
    warehouse = ScratchWarehouse.in_folder(root)
    shutil.copy(timeline["warehouse"].path, warehouse.path)
    insert_rows(warehouse.path, "events", MILESTONE_BATCH)
    run_incremental(warehouse)
    # One reference copy per check below, each in its own folder.
    checks = iter(("as_loaded", "seed_edited", "fewer_steps"))

    def dup_milestones(vars_: tuple[str, ...] = ()) -> dict[str, tuple]:
        """dup's milestones after an incremental run, checked against a full refresh of a
        copy under the same definition."""
        warehouse.dbt("run", "--select", "int_user_milestones", *vars_)
        reference = ScratchWarehouse.in_folder(root / f"reference_{next(checks)}")
        shutil.copy(warehouse.path, reference.path)
        reference.dbt("run", "--select", "int_user_milestones", "--full-refresh", *vars_)
        table = "intermediate.int_user_milestones"
        incremental, refreshed = snapshot(warehouse.path)[table], snapshot(reference.path)[table]
        assert table_differences({table: incremental}, {table: refreshed}) == []
        return {
            milestone: (reached_at, event_id)
            for user, milestone, _, _, _, reached_at, event_id, *_ in incremental
            if user == "dup"
        }

    assert dup_milestones() == {
        "signed_up": (at("2026-03-01 00:00"), None),
        "data_source_connected": (at(f"{D3} 13:00"), "mc1"),
        "first_value": (at(f"{D3} 13:30"), "mv1"),
    }
    # The team now counts a connection at the second one (the milestones seed, as `dbt
    # seed` would load it): no new event, no full refresh, and dup's steps move.
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute(
            "update seeds.milestones set required_count = 2 where milestone_key = 'data_source_connected'"
        )
    assert dup_milestones() == {
        "signed_up": (at("2026-03-01 00:00"), None),
        "data_source_connected": (at(f"{D3} 14:00"), "mc2"),
        "first_value": (at(f"{D3} 15:00"), "mv2"),
    }
    # Fewer funnel steps walked (the var max_funnel_steps): first value is no longer reached.
    assert dup_milestones(("--vars", "{max_funnel_steps: 2}")) == {
        "signed_up": (at("2026-03-01 00:00"), None),
        "data_source_connected": (at(f"{D3} 14:00"), "mc2"),
        "first_value": (None, None),
    }


def test_rows_behind_the_lookback_stop_the_build_and_are_counted(timeline: dict) -> None:
    # Runs last in this module (pytest keeps file order): it leaves the warehouse short of a row.
    warehouse = timeline["warehouse"]
    insert_rows(warehouse.path, "events", [BEHIND_THE_LOOKBACK])
    # The row was received before the last build's settled cutoff (D3 12:00 - 3 h), so the
    # restatement check stops the incremental build before it misses the row silently.
    result = warehouse.dbt("build", "--select", *INCREMENTAL_SELECTION, check=False)
    assert result.returncode != 0
    assert (
        f"raw.events was restated since the last build: received days {D3} changed (rows added);"
        " rebuild with: dbt build --full-refresh"
    ) in result.stdout, result.stdout[-3000:]
    assert "late" not in {row[0] for row in warehouse.query("select event_id from marts.fct_events")}
    # The data tests alone (no model selected, so no restatement check) still count it.
    result = warehouse.dbt(
        "build", "--select", "assert_raw_events_reconcile", "path:tests/incremental",
        "--exclude", "resource_type:unit_test", check=False,
    )
    output = result.stdout
    assert "WARN 1 assert_no_raw_events_behind_the_lookback" in output, output[-3000:]
    assert "FAIL 1 assert_raw_events_reconcile" in output, output[-3000:]
