"""Shared pytest helpers: running dbt against a scratch warehouse, reading it back."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import __main__

import duckdb
import pytest

# A pytest-xdist worker's __main__ has neither __spec__ nor __file__, which pyspark's
# Connect package (imported by Great Expectations) takes for a doctest run and answers
# with sys.exit(0). Naming the worker's main module keeps that import an import.
if getattr(__main__, "__spec__", None) is None and not hasattr(__main__, "__file__"):
    __main__.__file__ = "<pytest-xdist worker>"

from activation_warehouse.dbt_runner import DbtTarget, run_dbt
from activation_warehouse.dev.engine_compare import compare_rows, mart_relations, read_duckdb_table
from activation_warehouse.dev.generate import DemoConfig, generate_demo
from activation_warehouse.load import load_folder
from activation_warehouse.paths import PROJECT_DIR

# Raw-data fixtures live here, not in tests/fixtures, which dbt reserves for unit-test fixtures.
FIXTURES_DIR = Path(__file__).resolve().parent / "data"
MF = Path(sys.executable).parent / "mf"


@dataclass
class ScratchWarehouse:
    """A DuckDB file and dbt target folder of a test's own, so tests never share state."""

    path: Path
    target_dir: Path
    #: A test that edits a definition (a seed) builds a copy of the project: see project_copy.
    project_dir: Path = PROJECT_DIR

    @property
    def target(self) -> DbtTarget:
        """This warehouse as the dbt runner sees it: its file, target, log and spill folders."""
        return DbtTarget(
            warehouse=self.path, project_dir=self.project_dir, target_dir=self.target_dir,
            log_dir=self.target_dir / "logs", temp_dir=self.target_dir / "duckdb_tmp",
        )

    def env(self, **extra: str | None) -> dict[str, str]:
        """The environment of a dbt run on this warehouse; an `extra` value of None unsets
        that variable, so a test can see what the profile's own default does."""
        return self.target.env(colours=False, **extra)

    def dbt_command(self, *args: str) -> list[str]:
        """The command line `dbt()` runs, for a caller that needs the process itself (to kill it)."""
        return self.target.command(*args)

    def dbt(
        self, *args: str, check: bool = True, cwd: Path | None = None, **extra_env: str | None
    ) -> subprocess.CompletedProcess[str]:
        """Run one dbt command in a subprocess (a DuckDB file lock ends with the process),
        from the project folder unless `cwd` names another working folder."""
        result = run_dbt(*args, target=self.target, capture=True, cwd=cwd, **extra_env)
        if check and result.returncode != 0:
            tail = "\n".join(result.stdout.splitlines()[-40:])
            raise AssertionError(f"dbt {' '.join(args)} failed ({result.returncode}):\n{tail}\n{result.stderr}")
        return result

    def mf(self, *args: str) -> list[dict[str, str]]:
        """Run `mf query ARGS` (MetricFlow) on this warehouse's last build; its rows as dicts.

        mf reads the semantic manifest only from `<project>/target/semantic_manifest.json`,
        so it runs in a folder of its own holding the project file and this build's
        manifest. It opens the warehouse: call it after dbt has exited, with no connection
        open (one writer at a time).
        """
        project = self.target_dir.parent / "mf_project"
        (project / "target").mkdir(parents=True, exist_ok=True)
        if not (project / "dbt_project.yml").exists():
            (project / "dbt_project.yml").symlink_to(PROJECT_DIR / "dbt_project.yml")
        shutil.copy(self.target_dir / "semantic_manifest.json", project / "target" / "semantic_manifest.json")
        out = project / "result.csv"
        out.unlink(missing_ok=True)
        result = subprocess.run(
            [str(MF), "query", *args, "--csv", str(out), "--quiet"], cwd=project,
            env=self.env(DBT_PROJECT_DIR=str(project)), capture_output=True, text=True,
        )
        if result.returncode != 0 or not out.exists():
            raise AssertionError(
                f"mf query {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        with open(out, newline="") as handle:
            return list(csv.DictReader(handle))

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def scalar(self, sql: str):
        return self.query(sql)[0][0]


#: Test files that each take minutes, started first so that the two pytest workers
#: (`make test` runs `pytest -n 2 --dist loadfile`) finish together instead of one
#: starting the longest file last.
LONGEST_FIRST = (
    "test_engines_postgres.py", "test_engines_spark.py", "test_incremental_property.py", "test_crash_safety.py",
    "test_hostile_input.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Collect the longest test files first (a stable sort: order within a file is kept)."""
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)


def project_copy(destination: Path) -> Path:
    """A copy of the dbt project (models, macros, seeds, data tests, configuration) that a
    test may edit, e.g. to give a seed a hostile row, without touching the repository."""
    shutil.copytree(
        PROJECT_DIR, destination,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", ".ci", "target", "logs", "bench", "scripts", "activation_warehouse",
            "python", "*.duckdb*", "__pycache__", ".pytest_cache", "README.md",
        ),
    )
    return destination


def mart_differences(expected: ScratchWarehouse, actual: ScratchWarehouse) -> list[str]:
    """Every mart of `expected`'s last build compared with the same table in `actual`, as
    row sets (numbers to 1e-9); an empty list means all marts are equal."""
    problems: list[str] = []
    for schema, table in mart_relations(expected.target_dir / "manifest.json"):
        columns, want = read_duckdb_table(expected.path, schema, table)
        _, got = read_duckdb_table(actual.path, schema, table)
        problems += [f"{schema}.{table}: {line}" for line in compare_rows(columns, want, got)]
    return problems


@pytest.fixture
def scratch_warehouse(tmp_path: Path) -> ScratchWarehouse:
    return ScratchWarehouse(path=tmp_path / "warehouse.duckdb", target_dir=tmp_path / "target")


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> ScratchWarehouse:
    """A small demo (100 accounts, fixed end time) built once for every test module that reads
    a whole build without changing it: the report, the publication, the semantic layer."""
    root = tmp_path_factory.mktemp("small_demo")
    generate_demo(root / "raw", DemoConfig(accounts=100, end=datetime(2026, 6, 1)), progress=False)
    warehouse = ScratchWarehouse(path=root / "warehouse.duckdb", target_dir=root / "target")
    load_folder(root / "raw", warehouse.path, progress=False)
    warehouse.dbt("build")
    return warehouse


@pytest.fixture(scope="session")
def scenario_build(tmp_path_factory: pytest.TempPathFactory) -> ScratchWarehouse:
    """The hand-written scenario (tests/python/data/scenario) built once on DuckDB: the
    acceptance test reads it, and the other engines are compared with it."""
    root = tmp_path_factory.mktemp("scenario")
    warehouse = ScratchWarehouse(path=root / "warehouse.duckdb", target_dir=root / "target")
    load_folder(FIXTURES_DIR / "scenario", warehouse.path, progress=False)
    warehouse.dbt("build")
    return warehouse


@pytest.fixture(scope="session")
def default_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScratchWarehouse, Path]:
    """The demo data at the default scale (fixed seed and end time) built once on DuckDB,
    with the folder of its raw files."""
    root = tmp_path_factory.mktemp("demo")
    generate_demo(root / "raw", DemoConfig(end=datetime(2026, 6, 1)), progress=False)
    warehouse = ScratchWarehouse(path=root / "warehouse.duckdb", target_dir=root / "target")
    load_folder(root / "raw", warehouse.path, progress=False)
    warehouse.dbt("build")
    return warehouse, root / "raw"
