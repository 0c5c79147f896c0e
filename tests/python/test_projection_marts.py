"""The projection marts (macros/materializations/projection.sql): marts that hold another
table's rows are views on DuckDB. A view is bound when it is read, so each must follow the
table under it when that table alone is rebuilt with other contents (dbt swaps in a new
table and drops the old one), and must resolve when the warehouse file is attached under
another name, as the publish command does. That the views return the rows the tables
held is proved by the marts' own tests (test_user_milestones.py, the consistency tests)
and, at 10M events, in docs/performance.md ("Projection marts")."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import duckdb

from conftest import ScratchWarehouse

PROJECTIONS = {"fct_user_activation", "activation_drivers", "fct_sessions", "fct_user_milestones"}

SESSION_COLUMNS = (
    "session_id, person_type, user_id, anonymous_id, account_id, started_at, ended_at, duration_minutes,"
    " event_count, is_excluded_from_metrics"
)


def test_the_projection_marts_are_the_views_of_the_marts(scenario_build: ScratchWarehouse) -> None:
    views = {row[0] for row in scenario_build.query(
        "select view_name from duckdb_views() where schema_name = 'marts' and not internal")}
    assert views == PROJECTIONS


def test_projection_marts_follow_their_tables_rebuilt_alone(scenario_build: ScratchWarehouse, tmp_path: Path) -> None:
    folder = tmp_path / "warehouse"
    shutil.copytree(scenario_build.path.parent, folder)
    warehouse = ScratchWarehouse.in_folder(folder)
    sessions_before = warehouse.scalar("select count(*) from marts.fct_sessions")
    as_of = warehouse.scalar("select as_of from intermediate.int_as_of")
    earlier = (as_of - timedelta(days=3)).date().isoformat()

    # Shorter sessions cut more of them; an earlier as-of time moves every user's as_of.
    warehouse.dbt(
        "run", "--full-refresh", "--select", "int_events__sessionized", "int_sessions", "int_as_of", "int_users",
        "--vars", f"{{session_timeout_minutes: 1, as_of: '{earlier}'}}",
    )

    sessions_after = warehouse.scalar("select count(*) from marts.fct_sessions")
    assert sessions_after > sessions_before
    assert warehouse.scalar(
        f"select count(*) from (select {SESSION_COLUMNS} from intermediate.int_sessions"  # noqa: S608
        f" except all select {SESSION_COLUMNS} from marts.fct_sessions)"
    ) == 0
    milestones = warehouse.scalar("select count(*) from seeds.milestones")
    assert warehouse.query("select distinct cast(as_of as date) from marts.fct_user_milestones") == [
        (as_of.date() - timedelta(days=3),)]
    assert warehouse.scalar("select count(*) from marts.fct_user_milestones") == milestones * warehouse.scalar(
        "select count(*) from intermediate.int_users")

    with duckdb.connect() as connection:
        connection.execute(f"attach '{warehouse.path}' as elsewhere (read_only)")
        counts = {name: connection.execute(f"select count(*) from elsewhere.marts.{name}").fetchall()[0][0]  # noqa: S608
                  for name in sorted(PROJECTIONS)}
    assert counts["fct_sessions"] == sessions_after
    assert counts["fct_user_milestones"] == warehouse.scalar("select count(*) from marts.fct_user_milestones") > 0
