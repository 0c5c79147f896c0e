"""Personal data never leaves the raw layer, and one person can be forgotten.

The contract's personal field is raw.users.email; staging never selects it. Addresses
also arrive where nobody planned them (an invitee in an event's properties, a page path,
an out-of-plan event name, a user id that is an address, a quarantined row's raw text), so
staging replaces them too (macros/cleaning/personal_data.sql). The scan below reads every
column of every table and view outside raw, with a pattern of its own (looser than the
project's, a second method), and fails on any value shaped like an address.

`python -m activation_warehouse forget-user` deletes a person's raw rows and rebuilds;
afterwards no table anywhere holds their id, email, pseudonym or devices.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.cli import main
from activation_warehouse.load import load_folder

from conftest import FIXTURES_DIR, ScratchWarehouse

pytestmark = pytest.mark.dbt

#: Anything@anything.tld, case-insensitive: looser than the project's email_pattern().
SCAN_PATTERN = r"[^\s@<>\"'(),;:]+@[^\s@<>\"'(),;:]+\.[a-z]{2,}"

#: The scenario user whose raw id is an email address (as some trackers send).
EMAIL_ID = "Pat.Doe@corp.example.com"
#: Devices: one only Pat used, one Pat shared with u01.
PATS_DEVICE = "device-pat-only"
SHARED_DEVICE = "device-shared"


def email_shaped_values(path: Path, skip_schemas: tuple[str, ...]) -> list[str]:
    """`schema.table.column: value` for every value shaped like an email address, in every
    table and view of the DuckDB file outside `skip_schemas`."""
    found: list[str] = []
    with duckdb.connect(str(path), read_only=True) as connection:
        columns = connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
            " where table_catalog = current_database() order by all"
        ).fetchall()
        for schema, table, column in columns:
            if schema in skip_schemas:
                continue
            hits = connection.execute(
                f'select distinct cast("{column}" as varchar) from "{schema}"."{table}"'
                f' where regexp_matches(cast("{column}" as varchar), ?, \'i\') limit 3',
                [SCAN_PATTERN],
            ).fetchall()
            found += [f"{schema}.{table}.{column}: {value!r}" for (value,) in hits]
    return found


def _pseudonym(raw_id: str) -> str:
    return "redacted_email_" + hashlib.md5(raw_id.encode()).hexdigest()


@pytest.fixture(scope="module")
def emails_everywhere(tmp_path_factory: pytest.TempPathFactory) -> ScratchWarehouse:
    """The scenario with addresses wherever a tracker or an app puts them, built."""
    root = tmp_path_factory.mktemp("emails_everywhere")
    warehouse = ScratchWarehouse(path=root / "warehouse.duckdb", target_dir=root / "target")
    load_folder(FIXTURES_DIR / "scenario", warehouse.path, progress=False)
    with duckdb.connect(str(warehouse.path)) as connection:
        for table, column in (
            ("users", "user_id"), ("events", "user_id"), ("flag_exposures", "user_id"),
            ("data_source_connections", "created_by_user_id"),
        ):
            connection.execute(f"update raw.{table} set {column} = ? where {column} = 'u05'", [EMAIL_ID])
        connection.execute(
            "update raw.events set anonymous_id = ? where user_id = ? and event_name = 'signed_up'",
            [PATS_DEVICE, EMAIL_ID],
        )
        connection.execute("update raw.accounts set account_name = 'Sole trader jo@corp.example.com' where account_id = 'acc_mid'")
        connection.execute(
            """
            insert into raw.events values
            ('pd1', 'Invited ann@corp.example.com', 'u01', 'a01', 'acc_mid', '2026-04-07T10:00:00Z',
                '2026-04-07 10:00:01', '{}'),
            ('pd2', 'page_viewed', 'u01', 'a01', 'acc_mid', '2026-04-07T10:01:00Z',
                '2026-04-07 10:01:01', '{"path": "/people/bob@corp.example.com"}'),
            ('pd3', 'teammate_invited', 'u01', 'a01', 'acc_mid', 'sent by carl@corp.example.com',
                '2026-04-07 10:02:01', '{"invite_id": "inv_9", "invitee_email": "dee@corp.example.com"}'),
            ('pd4', 'page_viewed', null, 'carl@corp.example.com', null, '2026-04-07T10:03:00Z',
                '2026-04-07 10:03:01', '{"path": "/"}'),
            ('pd5', 'page_viewed', null, ?, null, '2026-04-07T10:04:00Z', '2026-04-07 10:04:01', '{"path": "/"}'),
            ('pd6', 'page_viewed', ?, ?, 'acc_mid', '2026-04-07T10:05:00Z', '2026-04-07 10:05:01', '{"path": "/x"}'),
            ('pd7', 'page_viewed', 'u01', ?, 'acc_mid', '2026-04-07T10:06:00Z', '2026-04-07 10:06:01', '{"path": "/y"}'),
            ('pd8', 'page_viewed', null, ?, null, '2026-04-07T10:07:00Z', '2026-04-07 10:07:01', '{"path": "/z"}')
            """,
            [PATS_DEVICE, EMAIL_ID, SHARED_DEVICE, SHARED_DEVICE, SHARED_DEVICE],
        )
    warehouse.dbt("build")
    return warehouse


def test_the_raw_layer_does_hold_addresses(emails_everywhere: ScratchWarehouse) -> None:
    """The scan below can fail: raw holds addresses in users and in events of every kind."""
    raw = [hit for hit in email_shaped_values(emails_everywhere.path, skip_schemas=()) if hit.startswith("raw.")]
    tables = {hit.split(".")[1] for hit in raw}
    assert {"users", "events", "accounts", "flag_exposures", "data_source_connections"} <= tables


def test_no_address_anywhere_past_raw(emails_everywhere: ScratchWarehouse) -> None:
    assert email_shaped_values(emails_everywhere.path, skip_schemas=("raw",)) == []


def test_no_address_past_raw_in_the_demo(small_demo: ScratchWarehouse) -> None:
    """The demo's invites carry the invitee's address, as real trackers' do."""
    raw_hits = small_demo.scalar(
        "select count(*) from raw.events where properties like '%invitee_email%@%'"
    )
    assert raw_hits > 0
    assert email_shaped_values(small_demo.path, skip_schemas=("raw",)) == []


def test_an_address_as_user_id_becomes_a_pseudonym_and_every_join_holds(
    emails_everywhere: ScratchWarehouse, scenario_build: ScratchWarehouse
) -> None:
    """Pat (u05 in the scenario) has the same activation facts under the pseudonym."""
    columns = "* exclude (user_id)"
    as_pat = emails_everywhere.query(
        f"select {columns} from marts.fct_user_activation where user_id = '{_pseudonym(EMAIL_ID)}'"
    )
    as_u05 = scenario_build.query(f"select {columns} from marts.fct_user_activation where user_id = 'u05'")
    assert as_pat == as_u05 and len(as_pat) == 1
    exposures = emails_everywhere.scalar(
        f"select count(*) from staging.stg_app__flag_exposures where user_id = '{_pseudonym(EMAIL_ID)}'"
    )
    assert exposures == scenario_build.scalar("select count(*) from staging.stg_app__flag_exposures where user_id = 'u05'")


def test_forget_user_removes_every_trace_and_keeps_everyone_else(
    emails_everywhere: ScratchWarehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = ScratchWarehouse(path=tmp_path / "warehouse.duckdb", target_dir=tmp_path / "target")
    shutil.copy(emails_everywhere.path, warehouse.path)
    email = warehouse.scalar(f"select email from raw.users where user_id = '{EMAIL_ID}'")
    before = {
        table: warehouse.scalar(f"select count(*) from raw.{table}")
        for table in ("events", "users", "flag_exposures", "data_source_connections")
    }
    # Hand-counted: Pat's own events, plus pd5 (anonymous on Pat's device only); pd8 is
    # anonymous on a device u01 shared, so it stays.
    pats_events = warehouse.scalar(f"select count(*) from raw.events where user_id = '{EMAIL_ID}'")
    users_before = warehouse.scalar("select count(*) from marts.fct_user_activation")
    # u01 shared a device with Pat, so the device's anonymous event pd8 may change hands;
    # everyone else must be exactly as before.
    others = f"user_id not in ('{_pseudonym(EMAIL_ID)}', 'u01')"
    others_before = warehouse.query(f"select * from marts.fct_user_activation where {others} order by user_id")
    for name, value in warehouse.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DBT_TARGET_PATH", str(warehouse.target_dir))
    monkeypatch.setenv("DBT_LOG_PATH", str(warehouse.target_dir / "logs"))

    assert main(["forget-user", "--email", email.upper(), "--warehouse", str(warehouse.path), "--quiet"]) == 0

    after = {table: warehouse.scalar(f"select count(*) from raw.{table}") for table in before}
    assert after == {
        "events": before["events"] - pats_events - 1,
        "users": before["users"] - 1,
        "flag_exposures": before["flag_exposures"] - 1,  # x06
        "data_source_connections": before["data_source_connections"],
    }
    assert warehouse.scalar("select count(*) from raw.events where event_id = 'pd8'") == 1
    # c05 belongs to the company: kept, no longer naming Pat.
    assert warehouse.query("select created_by_user_id from raw.data_source_connections where connection_id = 'c05'") == [(None,)]
    traces = (EMAIL_ID, _pseudonym(EMAIL_ID), email, PATS_DEVICE)
    with duckdb.connect(str(warehouse.path), read_only=True) as connection:
        columns = connection.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
            " where table_catalog = current_database()"
        ).fetchall()
        left = [
            f"{schema}.{table}.{column}"
            for schema, table, column in columns
            if connection.execute(
                f'select count(*) from "{schema}"."{table}" where cast("{column}" as varchar) in (?, ?, ?, ?)',
                list(traces),
            ).fetchone()[0]
        ]
    assert left == []
    assert warehouse.scalar("select count(*) from marts.fct_user_activation") == users_before - 1
    assert warehouse.query(f"select * from marts.fct_user_activation where {others} order by user_id") == others_before
    assert warehouse.scalar("select user_id from marts.fct_events where event_id = 'pd8'") == "u01"
