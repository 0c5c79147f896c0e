"""The same project on Spark: every mart equals DuckDB's, row for row, and Spark's lean
parse of event times gives DuckDB's answers on every hostile text.

The hand-written scenario (the acceptance test's fixture) is loaded into DuckDB, copied to
Spark's raw schema by activation_warehouse.engines, built there with a full `dbt build`
(seeds, models and data tests; dbt's unit tests run on DuckDB's and PostgreSQL's scenario
builds, not here: see docs/testing.md) and nothing but `--target`, and every mart is compared
with the DuckDB build as a set of rows (numbers to 1e-9). Spark builds the demo data in the
benchmark (`make bench-engines`), where its minutes are measured, not tested.
PostgreSQL: test_engines_postgres.py.

These tests fail, never skip, when Spark is missing: set
ACTIVATION_WAREHOUSE_SKIP_ENGINES=spark to leave it out on purpose.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.dev.engine_compare import read_spark_table
from activation_warehouse.engines import spark_class_archive, spark_jvm_options, spark_settings
from activation_warehouse.paths import PROJECT_DIR

from conftest import ScratchWarehouse, project_copy
from engine_helpers import MART_COUNT, compare_marts, skip_if_asked
from test_hostile_input import ACCEPTED_OCCURRED_AT, REFUSED_OCCURRED_AT, UNPARSEABLE

pytestmark = [pytest.mark.dbt, pytest.mark.engines]


@dataclass(frozen=True)
class SparkBuild:
    """A finished `dbt build --target spark` of the scenario: its Spark folder (metastore
    and table files) and its dbt target folder (manifest, run results, partial parse)."""

    home: Path
    runner: ScratchWarehouse


#: JVM flags of every Spark session here (the profile's ACTIVATION_WAREHOUSE_SPARK_JVM_OPTIONS):
#: the client compiler only and the serial collector. Measured on the scenario's build:
#: 233 s of machine CPU and 127 s wall without, 173 s and 116 s with (docs/engines.md). The
#: client compiler alone gets a 48 MB code cache, which the build filled about 25 s in: the
#: JVM then stopped compiling (the rest ran interpreted), and in one build of six a thread
#: found no room at all ("Out of space in CodeCache for adapters"), which stopped Spark and
#: failed the build. So the Spark settings (profile and loader) keep the full compiler's
#: cache size whatever flags come here.
SPARK_JVM_OPTIONS = {"ACTIVATION_WAREHOUSE_SPARK_JVM_OPTIONS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC"}


def _run_python(code: str, *args: str, jvm_options: str = "") -> subprocess.CompletedProcess[str]:
    """Run Python in a process of its own: Spark's embedded metastore admits one process at
    a time, and dbt's session comes next; the JVM ends with the process. `jvm_options` come
    after the tests' own."""
    flags = f"{SPARK_JVM_OPTIONS['ACTIVATION_WAREHOUSE_SPARK_JVM_OPTIONS']} {jvm_options}".strip()
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=PROJECT_DIR, capture_output=True, text=True,
        env={**os.environ, "ACTIVATION_WAREHOUSE_SPARK_JVM_OPTIONS": flags},
    )


#: Copies the raw tables of a DuckDB warehouse (argv[1]) to a Spark folder (argv[2]) and
#: prints the rows copied per table as JSON.
_COPY_TO_SPARK = (
    "import json, sys; from pathlib import Path; from activation_warehouse.engines import copy_raw_to_spark;"
    " print(json.dumps(copy_raw_to_spark(Path(sys.argv[1]), Path(sys.argv[2]), progress=False)))"
)


@pytest.fixture(scope="module")
def spark_build(scenario_build: ScratchWarehouse, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkBuild]:
    """The scenario copied to Spark and built there once for this module's tests."""
    skip_if_asked("spark")
    root = tmp_path_factory.mktemp("spark_build")
    home = root / "spark"
    copied = _run_python(_COPY_TO_SPARK, str(scenario_build.path), str(home))
    assert copied.returncode == 0, copied.stderr[-3000:]
    runner = ScratchWarehouse(path=scenario_build.path, target_dir=root / "target")
    built = runner.dbt(
        "build", "--target", "spark", "--full-refresh", ACTIVATION_WAREHOUSE_SPARK_DIR=str(home), **SPARK_JVM_OPTIONS
    )
    # The JVM says so when its code cache fills: it then stops compiling, and may stop Spark
    # (SPARK_JVM_OPTIONS). The build passing is not enough to see it.
    assert "CodeCache is full" not in built.stdout + built.stderr, "Spark's JVM ran out of code cache"
    yield SparkBuild(home=home, runner=runner)
    shutil.rmtree(home, ignore_errors=True)


def test_spark_builds_the_scenario_and_every_mart_equals_duckdb(
    scenario_build: ScratchWarehouse, spark_build: SparkBuild
) -> None:
    compared, problems = compare_marts(
        scenario_build, lambda s, t, c: read_spark_table(s, t, c, spark_build.home), "spark"
    )
    assert compared == MART_COUNT
    assert not problems, "\n".join(problems)


#: Every occurred_at text of the hostile-input test (its accepted and refused edges), which
#: that test proves DuckDB parses as the spec says.
HOSTILE_TEXTS = (*ACCEPTED_OCCURRED_AT, *REFUSED_OCCURRED_AT)
#: Evaluates the compiled Spark expression (argv[1], reading column `occurred_at` of view
#: `hostile_texts`) on the texts (argv[2], JSON) in a Spark session with the profile's
#: settings; prints [text, microseconds since 1970 UTC or null] pairs as JSON.
_EVALUATE_ON_SPARK = """
import json, sys
from pathlib import Path
from pyspark.sql import SparkSession
from activation_warehouse.engines import spark_settings
builder = SparkSession.builder
for key, value in spark_settings(Path(sys.argv[3])).items():
    builder = builder.config(key, value)
spark = builder.getOrCreate()
texts = json.loads(sys.argv[2])
spark.createDataFrame([(text,) for text in texts], "occurred_at string").createOrReplaceTempView("hostile_texts")
rows = spark.sql(f"select occurred_at, unix_micros(parsed) as micros from ({sys.argv[1]})").collect()
print(json.dumps([[row.occurred_at, row.micros] for row in rows]))
"""


def _expected_micros(text: str) -> int | None:
    """The spec's instant of `text` by Python's own ISO-8601 parser (an independent
    method), in microseconds since 1970 UTC; None where the hostile-input test says the
    spec refuses the text as unparseable."""
    if REFUSED_OCCURRED_AT.get(text) == UNPARSEABLE:
        return None
    instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
    # Aware datetimes subtract in UTC without building the UTC datetime itself, which
    # for 9999-12-31T23:59:59.999999-14:00 lies in year 10000, past Python's range.
    return (instant - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1)


def test_spark_parses_every_hostile_event_time_as_the_spec_says(spark_build: SparkBuild, tmp_path: Path) -> None:
    """Spark's parse of occurred_at (spark__parse_iso8601_utc: a regular expression and
    Spark's strict parser) gives, on every edge of the hostile-input test, the instant
    Python's ISO-8601 parser gives and null where the spec refuses the text: the answers
    test_hostile_input holds DuckDB's parse (calendar arithmetic in SQL) to."""
    compiled = spark_build.runner.dbt(
        "compile", "--target", "spark", "--no-populate-cache", "--output", "json", "--inline",
        "select occurred_at, {{ parse_iso8601_utc('occurred_at') }} as parsed from hostile_texts",
        ACTIVATION_WAREHOUSE_SPARK_DIR=str(spark_build.home), **SPARK_JVM_OPTIONS,
    )
    sql = json.loads(compiled.stdout[compiled.stdout.index("{"):compiled.stdout.rindex("}") + 1])["compiled"]
    assert "try_to_timestamp" in sql, "the Spark target did not dispatch to spark__parse_iso8601_utc"
    evaluated = _run_python(_EVALUATE_ON_SPARK, sql, json.dumps(HOSTILE_TEXTS), str(tmp_path / "spark"))
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    got = dict(json.loads(evaluated.stdout.strip().splitlines()[-1]))
    wrong = {text: (got.get(text), _expected_micros(text)) for text in HOSTILE_TEXTS if got.get(text) != _expected_micros(text)}
    assert set(got) == set(HOSTILE_TEXTS)
    assert wrong == {}, f"text: (spark, expected) {wrong}"


def test_the_spark_profile_and_the_loader_share_one_configuration(tmp_path: Path) -> None:
    """The loader's session and dbt's must agree on the metastore, the warehouse folder and
    the time zone, or the raw tables land where dbt never looks."""
    import yaml

    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    parameters = profile["activation_warehouse"]["outputs"]["spark"]["server_side_parameters"]
    home = Path("HOME")
    rendered = {
        key: str(value)
        .replace("{{ env_var('ACTIVATION_WAREHOUSE_SPARK_DIR', 'target/spark') }}", str(home))
        .replace("{{ env_var('ACTIVATION_WAREHOUSE_SPARK_JVM_OPTIONS', '') }}", spark_jvm_options())
        for key, value in parameters.items()
    }
    assert rendered == spark_settings(home)


def test_a_broken_contract_fails_the_model_on_spark_and_leaves_no_table(
    spark_build: SparkBuild, tmp_path: Path
) -> None:
    """On Spark a contract's columns are checked on the created Parquet table, not on the
    model's query first (macros/engine/spark_contract_check_after_create.sql): a column
    whose type differs from the contract still fails the model with dbt's contract error,
    and the table is dropped, as the check before the create left none. The broken copy
    writes under another name (an alias), so the module's build keeps its own table."""
    project = project_copy(tmp_path / "project")
    models = project / "models" / "marts" / "core" / "_core__models.yml"
    text = models.read_text()
    milestones = text.index("  - name: fct_user_milestones")
    step_order = text.index("      - name: step_order", milestones)
    declared = text.index("data_type: bigint", step_order)
    text = text[:declared] + "data_type: double" + text[declared + len("data_type: bigint"):]
    contract = text.index("      contract: {enforced: true}", milestones)
    models.write_text(text[:contract] + "      alias: broken_user_milestones\n" + text[contract:])
    broken = ScratchWarehouse(path=spark_build.runner.path, target_dir=tmp_path / "target", project_dir=project)
    environment = {"ACTIVATION_WAREHOUSE_SPARK_DIR": str(spark_build.home), **SPARK_JVM_OPTIONS}

    failed = broken.dbt("run", "--target", "spark", "--select", "fct_user_milestones", check=False, **environment)
    assert failed.returncode != 0
    assert "step_order" in failed.stdout and "data type mismatch" in failed.stdout, failed.stdout[-3000:]
    # A managed table's drop deletes its folder (a JVM to ask the metastore costs 15 s).
    marts = spark_build.home / "warehouse" / "marts.db"
    assert not (marts / "broken_user_milestones").exists()
    assert (marts / "fct_user_milestones").exists()


def test_the_first_copy_into_a_spark_folder_leaves_the_jvm_class_archive(spark_build: SparkBuild) -> None:
    """The loader's JVM wrote its class-data archive as it exited, whole and under its final
    name, where the profile points later sessions (docs/engines.md, "The class-data
    archive")."""
    archive = spark_class_archive(spark_build.home)
    assert archive.is_file() and archive.stat().st_size > 0
    assert not list(spark_build.home.glob("*.partial"))


def test_a_java_that_cannot_write_a_class_archive_still_copies_every_row(
    scenario_build: ScratchWarehouse, tmp_path: Path
) -> None:
    """A JVM that cannot write a class-data archive refuses to start with the option (here
    -Xshare:off, as a Java shipped without its base archive would): the copy starts Spark
    again without it and loses nothing, and leaves no archive."""
    skip_if_asked("spark")
    home = tmp_path / "spark"
    copied = _run_python(_COPY_TO_SPARK, str(scenario_build.path), str(home), jvm_options="-Xshare:off")
    assert copied.returncode == 0, copied.stderr[-3000:]
    with duckdb.connect(str(scenario_build.path), read_only=True) as warehouse:
        expected = {
            table: warehouse.execute(f"select count(*) from raw.{table}").fetchone()[0]
            for table in json.loads(copied.stdout.strip().splitlines()[-1])
        }
    assert json.loads(copied.stdout.strip().splitlines()[-1]) == expected
    assert set(expected) == {"events", "accounts", "users", "data_source_connections", "flag_exposures"}
    assert not spark_class_archive(home).exists()
    assert not list(home.glob("*.partial"))
