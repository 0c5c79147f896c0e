"""A warehouse held by another process is one line and exit code 2, for every command.

DuckDB admits one writer per file. Before, a command that met a held warehouse printed
DuckDB's lock error inside a long traceback that suggested read-only mode; now each
command says which process holds it and what to do, and exits 2 (busy, try later), apart
from 1 (failed). A real process holds the lock here, as a reader in a notebook or a
second build would.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from activation_warehouse.dbt_runner import DbtTarget, run_dbt
from activation_warehouse.warehouse_lock import EXIT_LOCKED, WarehouseLocked, holder_of, open_warehouse
from conftest import FIXTURES_DIR

HOLDER = (
    "import duckdb, sys, time\n"
    "connection = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'read')\n"
    "print('held', flush=True)\n"
    "time.sleep(600)\n"
)


def _hold(path: Path, mode: str) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), mode], stdout=subprocess.PIPE, text=True,
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    return process


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A warehouse with one table, held read-write by another process: (path, its PID)."""
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("create schema raw; create table raw.users as select 'u1' as user_id, 'a@b.c' as email")
    process = _hold(path, "write")
    try:
        yield path, process.pid
    finally:
        process.kill()
        process.wait()


def _expected(path: Path, pid: int) -> str:
    return f"{path.name} is open in process {pid} (python -c); close it, or read published/ meanwhile"


def _cli(*args: str, warehouse: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, ACTIVATION_WAREHOUSE_PATH=str(warehouse))
    return subprocess.run(
        [sys.executable, "-m", "activation_warehouse", *args], env=env, capture_output=True, text=True, timeout=300,
    )


@pytest.mark.parametrize(
    "command",
    [
        ["build"],
        ["summary"],
        ["publish", "--out-dir", "{tmp}/published"],
        ["validate", "--docs-dir", "{tmp}/docs"],
        ["forget-user", "--user-id", "u1", "--quiet"],
        ["load", str(FIXTURES_DIR / "first_week"), "--quiet"],
    ],
    ids=lambda command: command[0],
)
def test_a_held_warehouse_is_one_line_and_exit_2(held: tuple[Path, int], tmp_path: Path, command: list[str]) -> None:
    path, pid = held
    result = _cli(*(part.replace("{tmp}", str(tmp_path)) for part in command), warehouse=path)
    assert result.returncode == EXIT_LOCKED, result.stderr
    assert result.stderr.splitlines() == [_expected(path, pid)]
    assert "Traceback" not in result.stdout and "read_only" not in result.stdout + result.stderr


def test_a_reader_holding_the_file_stops_a_writer_but_not_a_reader(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    reader = _hold(path, "read")
    try:
        locked = holder_of(path)
        assert locked is not None and locked.pid == reader.pid
        with pytest.raises(WarehouseLocked) as raised:
            open_warehouse(path)
        assert str(raised.value) == _expected(path, reader.pid)
        with open_warehouse(path, read_only=True) as connection:  # readers share the file
            assert connection.execute("select 1").fetchall() == [(1,)]
    finally:
        reader.kill()
        reader.wait()
    assert holder_of(path) is None
    open_warehouse(path).close()


def test_the_pre_check_sees_our_own_lock_and_keeps_it(tmp_path: Path) -> None:
    """A tool holding a connection that launched dbt would make dbt fail: the pre-check
    names the caller too, and asking must not release the caller's lock (closing any
    descriptor of a file drops the process's POSIX locks on it)."""
    path = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(path)):
        locked = holder_of(path)
        assert locked is not None and locked.pid == os.getpid()
        probe = subprocess.run(
            [sys.executable, "-c", "import duckdb, sys; duckdb.connect(sys.argv[1])", str(path)],
            capture_output=True, text=True,
        )
        assert probe.returncode != 0 and f"PID {os.getpid()}" in probe.stderr


def test_dbt_output_naming_the_lock_is_one_line_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process may take the file between the pre-check and dbt's connection: the
    lock is then found in dbt's output. (The pre-check is switched off to stage that race.)"""
    path = tmp_path / "warehouse.duckdb"
    duckdb.connect(str(path)).close()
    target = DbtTarget(warehouse=path, target_dir=tmp_path / "target", log_dir=tmp_path / "logs")
    monkeypatch.setattr("activation_warehouse.dbt_runner.holder_of", lambda _: None)
    holder = _hold(path, "write")
    try:
        with pytest.raises(WarehouseLocked) as raised:
            run_dbt("run", "--select", "stg_app__users", target=target, capture=True)
    finally:
        holder.kill()
        holder.wait()
    assert str(raised.value) == _expected(path, holder.pid)


def test_dbt_is_told_no_colours_off_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBT_USE_COLORS", raising=False)
    target = DbtTarget(warehouse=tmp_path / "w.duckdb", target_dir=tmp_path / "target")
    assert target.env(colours=False)["DBT_USE_COLORS"] == "false"
    assert "DBT_USE_COLORS" not in target.env(colours=True)
    monkeypatch.setattr(sys, "stdout", io.StringIO())  # a pipe or a log file: not a terminal
    assert target.env()["DBT_USE_COLORS"] == "false"
    command = target.command("build", "--full-refresh")
    assert command[1:3] == ["build", "--full-refresh"]
    assert command[command.index("--target-path") + 1] == str(tmp_path / "target")


@pytest.mark.parametrize(
    ("argv", "dbt_args", "dbt_code", "code"),
    [
        (["build"], ("build",), 0, 0),
        (["build", "--full-refresh"], ("build", "--full-refresh"), 1, 1),
        (["build", "run", "--select", "fct_events"], ("run", "--select", "fct_events"), 2, 1),
    ],
)
def test_the_build_command_hands_its_arguments_to_dbt(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], dbt_args: tuple[str, ...], dbt_code: int, code: int,
) -> None:
    """Options after `build` are dbt's; dbt's own exit 2 (its errors) becomes 1, so that 2
    always means a held warehouse."""
    from activation_warehouse.cli import main

    calls: list[tuple[str, ...]] = []

    def fake_run_dbt(*args: str, **_: object) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        return subprocess.CompletedProcess(list(args), dbt_code, "", "")

    monkeypatch.setattr("activation_warehouse.dbt_runner.run_dbt", fake_run_dbt)
    assert main(argv) == code
    assert calls == [dbt_args]
