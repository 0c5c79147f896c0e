"""The same project on PostgreSQL: every mart equals DuckDB's, row for row.

The hand-written scenario (the acceptance test's fixture) is loaded into DuckDB, copied to
PostgreSQL's raw schema by activation_warehouse.engines, built there with nothing but
`--target` and a full `dbt build` (seeds, models, data tests and dbt's unit tests: their
SQL is proven portable here; on Spark the unit tests are left out, see docs/testing.md),
and every mart is compared with the DuckDB build as a set of rows
(numbers to 1e-9). The demo data at the default scale is then seeded and run (`dbt run`:
its data tests already ran on DuckDB, and the scenario's build runs every test's SQL on
PostgreSQL) and compared the same way, and so is the incremental timeline of
test_incremental. Spark: test_engines_spark.py.

The server is Debian's package, started on 127.0.0.1 by scripts/postgres-server for this
module and stopped afterwards. These tests fail, never skip, when PostgreSQL is missing:
set ACTIVATION_WAREHOUSE_SKIP_ENGINES=postgres to leave it out on purpose.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from activation_warehouse.dev.engine_compare import read_postgres_table
from activation_warehouse.engines import PostgresSettings, copy_raw_to_postgres
from activation_warehouse.paths import PROJECT_DIR

from conftest import ScratchWarehouse
from engine_helpers import MART_COUNT, compare_marts, skip_if_asked

pytestmark = [pytest.mark.dbt, pytest.mark.engines]

# A database of the tests' own, so a developer's PostgreSQL warehouse is never touched.
PG_TEST_DATABASE = "activation_warehouse_test"


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresSettings]:
    """A running local PostgreSQL with the tests' database (created with --locale=C)."""
    skip_if_asked("postgres")
    settings = PostgresSettings.from_environment()
    settings = PostgresSettings(settings.host, settings.port, settings.user, settings.password, PG_TEST_DATABASE)
    env = dict(os.environ, ACTIVATION_WAREHOUSE_PG_DATABASE=PG_TEST_DATABASE)
    script = PROJECT_DIR / "scripts" / "postgres-server"
    started = subprocess.run([str(script), "start"], env=env, capture_output=True, text=True)
    assert started.returncode == 0, f"postgres-server start failed:\n{started.stdout}\n{started.stderr}"
    try:
        yield settings
    finally:
        subprocess.run([str(script), "stop"], env=env, capture_output=True, text=True)


def _build_on_postgres(
    duckdb_build: ScratchWarehouse, settings: PostgresSettings, target_dir: Path, *, with_tests: bool
) -> None:
    """Copy the build's raw data to PostgreSQL and build every model there from scratch;
    with_tests=False seeds and runs without the data and unit tests (already run on DuckDB)."""
    # The tests share one database: an earlier build's history (incident sightings, raw-day
    # figures) would show its incidents as resolved here and its raw days as restated.
    drop_built_schemas(settings)
    copy_raw_to_postgres(duckdb_build.path, settings, progress=False)
    runner = ScratchWarehouse(path=duckdb_build.path, target_dir=target_dir, unit_tests=with_tests)
    pg_env = {"ACTIVATION_WAREHOUSE_PG_DATABASE": settings.database}
    if with_tests:
        runner.dbt("build", "--target", "postgres", "--full-refresh", **pg_env)
    else:
        runner.dbt("seed", "--target", "postgres", "--full-refresh", **pg_env)
        runner.dbt("run", "--target", "postgres", "--full-refresh", **pg_env)


def test_postgres_builds_the_scenario_and_every_mart_equals_duckdb(
    scenario_build: ScratchWarehouse, postgres: PostgresSettings, tmp_path: Path
) -> None:
    _build_on_postgres(scenario_build, postgres, tmp_path / "target", with_tests=True)
    compared, problems = compare_marts(
        scenario_build, lambda s, t, c: read_postgres_table(s, t, c, postgres), "postgres"
    )
    assert compared == MART_COUNT
    assert not problems, "\n".join(problems)


def test_postgres_runs_the_demo_and_every_mart_equals_duckdb(
    default_demo: tuple[ScratchWarehouse, Path], postgres: PostgresSettings, tmp_path: Path
) -> None:
    demo, _ = default_demo
    _build_on_postgres(demo, postgres, tmp_path / "target", with_tests=False)
    compared, problems = compare_marts(demo, lambda s, t, c: read_postgres_table(s, t, c, postgres), "postgres")
    assert compared == MART_COUNT
    assert not problems, "\n".join(problems)


def test_postgres_incremental_runs_end_where_a_duckdb_full_refresh_ends(
    postgres: PostgresSettings, tmp_path: Path
) -> None:
    """The incremental timeline of test_incremental (late, replaced, re-identified and
    duplicate events over five batches, then a run with nothing new, where
    int_events__sessionized and fct_events take their short cut), run on PostgreSQL with
    its delete+insert, ends with the marts of a DuckDB full refresh of the same raw data."""
    from test_incremental import (
        ACCOUNTS, APP_TABLE_CHANGES, BATCH_1, BATCH_2, BATCH_3, BATCH_5, INCREMENTAL_SELECTION, USERS,
        compiled_code, create_raw_tables, insert_rows,
    )  # fmt: skip
    import duckdb

    # Laid out as every session build, so DuckDB's reference build starts from the
    # session's parse; PostgreSQL's profile differs, so its first run parses in full.
    raw = ScratchWarehouse.in_folder(tmp_path / "duckdb", artifacts=True)
    on_postgres = ScratchWarehouse(path=raw.path, target_dir=tmp_path / "postgres_target", artifacts=True)
    pg_env = {"ACTIVATION_WAREHOUSE_PG_DATABASE": postgres.database}
    create_raw_tables(raw.path)
    insert_rows(raw.path, "accounts", ACCOUNTS)
    insert_rows(raw.path, "users", USERS)
    drop_built_schemas(postgres)
    on_postgres.dbt("seed", "--target", "postgres", **pg_env)
    for batch, rows in enumerate((BATCH_1, BATCH_2, BATCH_3, [], BATCH_5, []), start=1):
        with duckdb.connect(str(raw.path)) as connection:
            for change in APP_TABLE_CHANGES.get(batch, ()):
                connection.execute(change)
        insert_rows(raw.path, "events", rows)
        copy_raw_to_postgres(raw.path, postgres, progress=False)
        selection = [] if batch >= 4 else ["--select", *INCREMENTAL_SELECTION]
        on_postgres.dbt("run", "--target", "postgres", *selection, **pg_env)
    assert all("where false" in compiled_code(on_postgres, m) for m in ("int_events__sessionized", "fct_events"))
    raw.dbt("seed")
    raw.dbt("run", "--full-refresh")
    compared, problems = compare_marts(raw, lambda s, t, c: read_postgres_table(s, t, c, postgres), "postgres")
    assert compared == MART_COUNT
    assert not problems, "\n".join(problems)


def drop_built_schemas(settings: PostgresSettings) -> None:
    """Drop what earlier builds in the tests' database left, so the next run starts empty."""
    connection = settings.connect()
    try:
        with connection, connection.cursor() as cursor:
            for schema in ("staging", "intermediate", "marts", "seeds", "history"):
                cursor.execute(f"drop schema if exists {schema} cascade")
    finally:
        connection.close()
