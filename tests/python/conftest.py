"""Shared pytest helpers: running dbt against a scratch warehouse, reading it back."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.generate import DemoConfig, generate_demo
from activation_warehouse.load import load_folder
from activation_warehouse.paths import PROJECT_DIR

# Raw-data fixtures live here, not in tests/fixtures, which dbt reserves for unit-test fixtures.
FIXTURES_DIR = Path(__file__).resolve().parent / "data"
DBT = Path(sys.executable).parent / "dbt"
MF = Path(sys.executable).parent / "mf"


@dataclass
class ScratchWarehouse:
    """A DuckDB file and dbt target folder of a test's own, so tests never share state."""

    path: Path
    target_dir: Path

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            ACTIVATION_WAREHOUSE_PATH=str(self.path),
            ACTIVATION_WAREHOUSE_TEMP_DIR=str(self.target_dir / "duckdb_tmp"),
            DBT_PROFILES_DIR=str(PROJECT_DIR),
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        )
        env.update(extra)
        return env

    def dbt_command(self, *args: str) -> list[str]:
        """The command line `dbt()` runs, for a caller that needs the process itself (to kill it)."""
        return [
            str(DBT), *args,
            "--project-dir", str(PROJECT_DIR),
            "--target-path", str(self.target_dir),
            "--log-path", str(self.target_dir / "logs"),
        ]

    def dbt(self, *args: str, check: bool = True, **extra_env: str) -> subprocess.CompletedProcess[str]:
        """Run one dbt command in a subprocess (a DuckDB file lock ends with the process)."""
        result = subprocess.run(
            self.dbt_command(*args), cwd=PROJECT_DIR, env=self.env(**extra_env),
            capture_output=True, text=True,
        )
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
            [str(MF), "query", *args, "--csv", str(out)], cwd=project,
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
