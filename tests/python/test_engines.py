"""The same project on PostgreSQL and on Spark: every mart equals DuckDB's, row for row.

The hand-written scenario (the acceptance test's fixture) is loaded into DuckDB, copied to
each engine's raw schema by activation_warehouse.engines, built there with nothing but
`--target`, and every mart is compared with the DuckDB build as a set of rows (numbers to
1e-9). PostgreSQL also builds and compares the demo data at the default scale; Spark
builds it in the benchmark (`make bench`), where its minutes are measured, not tested.

The PostgreSQL server is Debian's package, started on 127.0.0.1 by scripts/postgres-server
for this module and stopped afterwards. These tests fail, never skip, when an engine is
missing: set ACTIVATION_WAREHOUSE_SKIP_ENGINES=postgres,spark to leave one out on purpose.
"""

from __future__ import annotations

import os
import sys
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from activation_warehouse.dev.engine_compare import (
    compare_rows,
    mart_relations,
    read_duckdb_table,
    read_postgres_table,
    read_spark_table,
)
from activation_warehouse.engines import PostgresSettings, copy_raw_to_postgres, spark_settings
from activation_warehouse.paths import PROJECT_DIR

from conftest import ScratchWarehouse

pytestmark = [pytest.mark.dbt, pytest.mark.engines]

SKIPPED = {name.strip() for name in os.environ.get("ACTIVATION_WAREHOUSE_SKIP_ENGINES", "").split(",")}
# A database of the tests' own, so a developer's PostgreSQL warehouse is never touched.
PG_TEST_DATABASE = "activation_warehouse_test"
#: Every mart is compared: one relation per model file under models/marts (counted from the
#: files, a second route to the manifest's list that the comparison walks).
MART_COUNT = len(list((PROJECT_DIR / "models" / "marts").rglob("*.sql")))


def _skip_if_asked(engine: str) -> None:
    if engine in SKIPPED:
        pytest.skip(f"{engine} left out by ACTIVATION_WAREHOUSE_SKIP_ENGINES")


def _compare_marts(
    duckdb_build: ScratchWarehouse, read: object, engine: str
) -> tuple[int, list[str]]:
    """Compare every mart of the DuckDB build with `read(schema, table, columns)`."""
    relations = mart_relations(duckdb_build.target_dir / "manifest.json")
    problems: list[str] = []
    for schema, table in relations:
        columns, expected = read_duckdb_table(duckdb_build.path, schema, table)
        actual = read(schema, table, columns)  # type: ignore[operator]
        problems += [f"{engine} {schema}.{table}: {line}" for line in compare_rows(columns, expected, actual)]
    return len(relations), problems


# ----------------------------------------------------------------------------- PostgreSQL


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresSettings]:
    """A running local PostgreSQL with the tests' database (created with --locale=C)."""
    _skip_if_asked("postgres")
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


def _build_on_postgres(duckdb_build: ScratchWarehouse, settings: PostgresSettings, target_dir: Path) -> None:
    # The tests share one database: an earlier build's history (incident sightings, raw-day
    # figures) would show its incidents as resolved here and its raw days as restated.
    drop_built_schemas(settings)
    copy_raw_to_postgres(duckdb_build.path, settings, progress=False)
    runner = ScratchWarehouse(path=duckdb_build.path, target_dir=target_dir)
    runner.dbt("build", "--target", "postgres", "--full-refresh", ACTIVATION_WAREHOUSE_PG_DATABASE=settings.database)


def test_postgres_builds_the_scenario_and_every_mart_equals_duckdb(
    scenario_build: ScratchWarehouse, postgres: PostgresSettings, tmp_path: Path
) -> None:
    _build_on_postgres(scenario_build, postgres, tmp_path / "target")
    compared, problems = _compare_marts(
        scenario_build, lambda s, t, c: read_postgres_table(s, t, c, postgres), "postgres"
    )
    assert compared == MART_COUNT
    assert not problems, "\n".join(problems)


def test_postgres_builds_the_demo_and_every_mart_equals_duckdb(
    default_demo: tuple[ScratchWarehouse, Path], postgres: PostgresSettings, tmp_path: Path
) -> None:
    demo, _ = default_demo
    _build_on_postgres(demo, postgres, tmp_path / "target")
    compared, problems = _compare_marts(demo, lambda s, t, c: read_postgres_table(s, t, c, postgres), "postgres")
    assert compared == MART_COUNT
    assert not problems, "\n".join(problems)


def test_postgres_incremental_runs_end_where_a_duckdb_full_refresh_ends(
    postgres: PostgresSettings, tmp_path: Path
) -> None:
    """The incremental timeline of test_incremental (late, replaced, re-identified and
    duplicate events over four batches), run on PostgreSQL with its delete+insert, ends
    with the marts of a DuckDB full refresh of the same raw data."""
    from test_incremental import (
        ACCOUNTS, APP_TABLE_CHANGES, BATCH_1, BATCH_2, BATCH_3, INCREMENTAL_SELECTION, USERS,
        create_raw_tables, insert_rows,
    )  # fmt: skip
    import duckdb

    raw = ScratchWarehouse(path=tmp_path / "warehouse.duckdb", target_dir=tmp_path / "duckdb_target")
    on_postgres = ScratchWarehouse(path=raw.path, target_dir=tmp_path / "postgres_target")
    pg_env = {"ACTIVATION_WAREHOUSE_PG_DATABASE": postgres.database}
    create_raw_tables(raw.path)
    insert_rows(raw.path, "accounts", ACCOUNTS)
    insert_rows(raw.path, "users", USERS)
    drop_built_schemas(postgres)
    on_postgres.dbt("seed", "--target", "postgres", **pg_env)
    for batch, rows in enumerate((BATCH_1, BATCH_2, BATCH_3, []), start=1):
        with duckdb.connect(str(raw.path)) as connection:
            for change in APP_TABLE_CHANGES.get(batch, ()):
                connection.execute(change)
        insert_rows(raw.path, "events", rows)
        copy_raw_to_postgres(raw.path, postgres, progress=False)
        selection = [] if batch == 4 else ["--select", *INCREMENTAL_SELECTION]
        on_postgres.dbt("run", "--target", "postgres", *selection, **pg_env)
    raw.dbt("seed")
    raw.dbt("run", "--full-refresh")
    compared, problems = _compare_marts(raw, lambda s, t, c: read_postgres_table(s, t, c, postgres), "postgres")
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


# ---------------------------------------------------------------------------------- Spark


def test_spark_builds_the_scenario_and_every_mart_equals_duckdb(
    scenario_build: ScratchWarehouse, tmp_path: Path
) -> None:
    _skip_if_asked("spark")
    home = tmp_path / "spark"
    # The loader runs in a process of its own: Spark's embedded metastore admits one
    # process at a time, and dbt's session comes next.
    copied = subprocess.run(
        [
            sys.executable, "-c",
            "import sys; from pathlib import Path; from activation_warehouse.engines import copy_raw_to_spark;"
            " copy_raw_to_spark(Path(sys.argv[1]), Path(sys.argv[2]), progress=False)",
            str(scenario_build.path), str(home),
        ],
        cwd=PROJECT_DIR, capture_output=True, text=True,
    )
    assert copied.returncode == 0, copied.stderr[-3000:]
    runner = ScratchWarehouse(path=scenario_build.path, target_dir=tmp_path / "target")
    runner.dbt("build", "--target", "spark", "--full-refresh", ACTIVATION_WAREHOUSE_SPARK_DIR=str(home))
    compared, problems = _compare_marts(scenario_build, lambda s, t, c: read_spark_table(s, t, c, home), "spark")
    assert compared == MART_COUNT
    assert not problems, "\n".join(problems)
    shutil.rmtree(home, ignore_errors=True)


def test_the_spark_profile_and_the_loader_share_one_configuration(tmp_path: Path) -> None:
    """The loader's session and dbt's must agree on the metastore, the warehouse folder and
    the time zone, or the raw tables land where dbt never looks."""
    import yaml

    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    parameters = profile["activation_warehouse"]["outputs"]["spark"]["server_side_parameters"]
    home = Path("HOME")
    rendered = {
        key: str(value).replace("{{ env_var('ACTIVATION_WAREHOUSE_SPARK_DIR', 'target/spark') }}", str(home))
        for key, value in parameters.items()
    }
    assert rendered == spark_settings(home)
