"""Shared pytest helpers: running dbt against a scratch warehouse, reading it back."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.paths import PROJECT_DIR

# Raw-data fixtures live here, not in tests/fixtures, which dbt reserves for unit-test fixtures.
FIXTURES_DIR = Path(__file__).resolve().parent / "data"
DBT = Path(sys.executable).parent / "dbt"


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

    def dbt(self, *args: str, check: bool = True, **extra_env: str) -> subprocess.CompletedProcess[str]:
        """Run one dbt command in a subprocess (a DuckDB file lock ends with the process)."""
        command = [
            str(DBT), *args,
            "--project-dir", str(PROJECT_DIR),
            "--target-path", str(self.target_dir),
            "--log-path", str(self.target_dir / "logs"),
        ]
        result = subprocess.run(
            command, cwd=PROJECT_DIR, env=self.env(**extra_env), capture_output=True, text=True
        )
        if check and result.returncode != 0:
            tail = "\n".join(result.stdout.splitlines()[-40:])
            raise AssertionError(f"dbt {' '.join(args)} failed ({result.returncode}):\n{tail}\n{result.stderr}")
        return result

    def query(self, sql: str) -> list[tuple]:
        with duckdb.connect(str(self.path), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def scalar(self, sql: str):
        return self.query(sql)[0][0]


@pytest.fixture
def scratch_warehouse(tmp_path: Path) -> ScratchWarehouse:
    return ScratchWarehouse(path=tmp_path / "warehouse.duckdb", target_dir=tmp_path / "target")
