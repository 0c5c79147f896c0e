"""Forget one person: remove their rows from the raw tables, then rebuild everything from raw.

A deletion request names a person by their user id (or their email, which only the raw
users table holds). Their data is every raw row that is theirs:

* ``raw.users``: their row, which holds the email;
* ``raw.events``: every event sent with their user id, and every anonymous event
  (no user id) of a device only they used; a device that another person also used keeps
  its anonymous events, since those cannot be told apart and are the other person's too;
* ``raw.flag_exposures``: their exposures;
* ``raw.data_source_connections``: the connection belongs to the company and stays, but
  ``created_by_user_id`` no longer names them.

The deletions run in one transaction, so a failure leaves raw untouched. Every model is
then rebuilt with ``--full-refresh``: an incremental model would otherwise keep the rows it
built from the person's events. Nothing past staging holds an email (README, "Personal
data"), so after the rebuild no table holds their id, email or devices.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from activation_warehouse.dbt_runner import DbtTarget, run_dbt
from activation_warehouse.warehouse_lock import WarehouseLocked, open_warehouse


class ForgetError(Exception):
    """One-line, human message: nothing was deleted, or the rebuild failed after deleting."""


@dataclass
class ForgetReport:
    """What was removed, per raw table, and how long the deletion and rebuild took."""

    user_ids: list[str]
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def summary(self) -> str:
        counts = ", ".join(f"{table} {count:,}" for table, count in self.rows.items())
        return f"forgot {', '.join(self.user_ids)}: raw rows removed or unlinked: {counts} ({self.seconds:.1f} s)"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def user_ids_for(connection: duckdb.DuckDBPyConnection, schema: str, user_id: str | None, email: str | None) -> list[str]:
    """The raw user ids the request names: the id itself, or every user row with the email
    (compared case-insensitively and without surrounding spaces, as addresses are)."""
    if user_id is not None:
        return [user_id]
    rows = connection.execute(
        f"select distinct user_id from {_ident(schema)}.users"
        " where lower(trim(email)) = lower(trim(?)) and user_id is not null order by user_id",
        [email],
    ).fetchall()
    return [found for (found,) in rows]


def delete_raw_rows(warehouse: Path, user_id: str | None = None, email: str | None = None, schema: str = "raw") -> ForgetReport:
    """Remove one person's raw rows in one transaction; see the module docstring for which."""
    if (user_id is None) == (email is None):
        raise ForgetError("name the person by exactly one of a user id or an email")
    connection = open_warehouse(warehouse)
    try:
        ids = user_ids_for(connection, schema, user_id, email)
        if not ids:
            raise ForgetError(f"no user in {schema}.users has that email; nothing was deleted")
        report = ForgetReport(user_ids=ids)
        raw = _ident(schema)
        connection.execute("begin transaction")
        connection.execute("create temp table forget_ids as select unnest(?::varchar[]) as user_id", [ids])
        # A device is the person's alone when no other user id was ever sent with it.
        connection.execute(
            f"""
            create temp table forget_devices as
            select anonymous_id
            from {raw}.events
            where anonymous_id is not null and trim(anonymous_id) != ''
            group by anonymous_id
            having count(*) filter (where user_id in (select user_id from forget_ids)) > 0
                and count(*) filter (
                    where trim(user_id) != '' and user_id not in (select user_id from forget_ids)
                ) = 0
            """
        )
        statements = {
            "events": f"""delete from {raw}.events
                where user_id in (select user_id from forget_ids)
                or ((user_id is null or trim(user_id) = '')
                    and anonymous_id in (select anonymous_id from forget_devices))""",
            "flag_exposures": f"delete from {raw}.flag_exposures where user_id in (select user_id from forget_ids)",
            "data_source_connections": f"""update {raw}.data_source_connections set created_by_user_id = null
                where created_by_user_id in (select user_id from forget_ids)""",
            "users": f"delete from {raw}.users where user_id in (select user_id from forget_ids)",
        }
        for table, statement in statements.items():
            changed = connection.execute(statement).fetchone()
            report.rows[table] = int(changed[0]) if changed else 0
        connection.execute("commit")
        # Write the deletions into the database file now rather than leave them in the WAL.
        connection.execute("checkpoint")
        return report
    except duckdb.Error as error:
        raise ForgetError(f"{warehouse}: nothing was deleted: {error}") from None
    finally:
        connection.close()


def rebuild(warehouse: Path, progress: bool = True) -> None:
    """Rebuild every model from raw (``dbt build --full-refresh``) against `warehouse`."""
    try:
        result = run_dbt("build", "--full-refresh", target=DbtTarget(warehouse=warehouse), capture=not progress)
    except WarehouseLocked as locked:
        # The deletion has committed: saying only "busy" would hide that the marts still
        # hold the person until a rebuild runs.
        raise ForgetError(
            f"the raw rows were deleted, but the rebuild could not start: {locked};"
            " then run `dbt build --full-refresh` before anyone reads the marts"
        ) from None
    if result.returncode != 0:
        tail = "" if progress else "\n" + "\n".join((result.stdout or "").splitlines()[-20:])
        raise ForgetError(
            f"the raw rows were deleted, but the rebuild failed (exit {result.returncode});"
            f" fix it and run `dbt build --full-refresh` before anyone reads the marts{tail}"
        )


def forget_user(
    warehouse: Path, user_id: str | None = None, email: str | None = None,
    schema: str = "raw", progress: bool = True,
) -> ForgetReport:
    """Delete one person's raw rows, then rebuild every model from raw."""
    started = time.perf_counter()
    report = delete_raw_rows(warehouse, user_id=user_id, email=email, schema=schema)
    if progress:
        print(f"deleted raw rows of {', '.join(report.user_ids)}; rebuilding every model", file=sys.stderr)
    rebuild(warehouse, progress=progress)
    report.seconds = time.perf_counter() - started
    return report
