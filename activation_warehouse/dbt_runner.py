"""The one place that builds a dbt command line and runs it.

Every tool that runs dbt (the `build` command, forget-user, the benchmarks, the tests)
comes through here, so they agree on the project folder, the profiles folder, where the
target and log folders go, which warehouse file the profile opens, and what dbt is told
about colours. It also keeps DuckDB's single-writer lock from surfacing as dbt's
traceback: the warehouse is checked before dbt starts, and dbt's output is scanned for
the lock error afterwards (another process may have opened the file in between).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from activation_warehouse.paths import PROJECT_DIR, warehouse_path
from activation_warehouse.warehouse_lock import holder_of, locked_from_error

#: The dbt of this interpreter's environment (the venv's, whatever the PATH says).
DBT = Path(sys.executable).parent / "dbt"


@dataclass(frozen=True)
class DbtTarget:
    """Where one dbt run reads and writes: a warehouse file and, optionally, target/log
    folders of its own (tests and benchmarks keep theirs apart from the repository's)."""

    warehouse: Path = field(default_factory=warehouse_path)
    project_dir: Path = PROJECT_DIR
    target_dir: Path | None = None
    log_dir: Path | None = None
    #: DuckDB's spill folder; None keeps the profile's default (beside the warehouse).
    temp_dir: Path | None = None

    def command(self, *args: str) -> list[str]:
        """The dbt command line for `args` (`build`, `run --select x`, ...)."""
        command = [str(DBT), *args, "--project-dir", str(self.project_dir)]
        if self.target_dir is not None:
            command += ["--target-path", str(self.target_dir)]
        if self.log_dir is not None:
            command += ["--log-path", str(self.log_dir)]
        return command

    def env(self, colours: bool | None = None, **extra: str | None) -> dict[str, str]:
        """dbt's environment: the profile in the repository, this warehouse, no usage
        stats, and colours only on a terminal (escape codes in a log file or a captured
        output are noise). An `extra` value of None unsets that variable."""
        env = dict(os.environ)
        env.update(
            ACTIVATION_WAREHOUSE_PATH=str(self.warehouse),
            DBT_PROFILES_DIR=str(PROJECT_DIR),
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        )
        if self.temp_dir is not None:
            env["ACTIVATION_WAREHOUSE_TEMP_DIR"] = str(self.temp_dir)
        if colours is None:
            colours = sys.stdout.isatty()
        if not colours:
            env["DBT_USE_COLORS"] = "false"
        for name, value in extra.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env


def _writes_warehouse(args: tuple[str, ...]) -> bool:
    """Whether dbt will open the DuckDB file (everything but parse, ls, deps, --help, ...):
    only those runs are worth the lock pre-check."""
    quiet = {"parse", "deps", "clean", "debug", "init", "ls", "list", "--help", "-h", "--version"}
    return bool(args) and not any(arg in quiet for arg in args)


#: Runs a captured dbt command line (command, working folder, environment) as
#: `subprocess.run(..., capture_output=True, text=True)` would, or answers None to leave it
#: to that. The tests pass one that forks dbt from a process that has imported it already.
CapturedRunner = Callable[[list[str], Path, dict[str, str]], "subprocess.CompletedProcess[str] | None"]


def run_dbt(
    *args: str, target: DbtTarget | None = None, capture: bool = False, cwd: Path | None = None,
    runner: CapturedRunner | None = None, **extra_env: str | None,
) -> subprocess.CompletedProcess[str]:
    """Run dbt once and return its result (exit code and output; never raises for dbt's
    own failures, which the caller reports in its words).

    `capture` keeps the output (stdout and stderr apart, as `subprocess.run` gives them);
    otherwise it is shown as it comes and also kept in `stdout`. Raises `WarehouseLocked`
    when another process holds the warehouse, before the run or as found in its output.
    """
    target = target or DbtTarget()
    if _writes_warehouse(args):
        holder = holder_of(target.warehouse)
        if holder is not None:
            raise holder
    command = target.command(*args)
    env = target.env(colours=False if capture else None, **extra_env)
    where = cwd or target.project_dir
    if capture:
        result = runner(command, where, env) if runner is not None else None
        if result is None:
            result = subprocess.run(command, cwd=where, env=env, capture_output=True, text=True)
    else:
        result = _run_shown(command, where, env)
    if result.returncode != 0:
        locked = locked_from_error(f"{result.stdout}\n{result.stderr}", target.warehouse)
        if locked is not None:
            raise locked
    return result


def _run_shown(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run with the output passed through line by line and also kept, so a lock error
    can be found in it afterwards."""
    kept: list[str] = []
    with subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            kept.append(line)
    return subprocess.CompletedProcess(command, process.returncode, "".join(kept), "")
