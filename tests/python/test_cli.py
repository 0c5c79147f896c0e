"""The two command lines and the one shape they share (activation_warehouse/commands.py).

- the runtime command line keeps every command it had; `generate` moved to the dev tools
  and the runtime answers it in one line, exit 2, without importing them;
- `python -m activation_warehouse.dev generate` writes the same files as generate_demo;
- the shared answers, on a table of made-up commands: an expected failure is
  "<name> failed: ...", exit 1; a refusal is its own message, exit 1, even when it
  subclasses a failure; a held warehouse is exit 2; an unexpected error is not swallowed;
  --warehouse reaches the handler as a Path with the default applied.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from activation_warehouse.cli import GENERATE_MOVED, build_parser
from activation_warehouse.commands import Command, run_command_line
from activation_warehouse.dev.generate import DemoConfig, generate_demo
from activation_warehouse.paths import PROJECT_DIR
from activation_warehouse.warehouse_lock import WarehouseLocked


def _run(*code_or_args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *code_or_args], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300,
    )


def _hashes(folder: Path) -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.glob("*.parquet"))}


def test_the_runtime_command_line_keeps_its_commands() -> None:
    # The commands before the split (README, docs/pipelines.md), plus `generate`, which answers.
    subparsers = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(subparsers.choices) == {
        "load", "summary", "validate", "report", "publish", "build", "forget-user", "generate",
    }


def test_generate_on_the_runtime_command_line_names_its_new_home_without_importing_dev() -> None:
    code = (
        "import sys; from activation_warehouse.cli import main;"
        " code = main(['generate', '--out', 'nowhere', '--accounts', '3']);"
        " print(code, sorted(m for m in sys.modules if m.startswith('activation_warehouse.dev')))"
    )
    result = _run("-c", code)
    assert result.stdout.strip() == "2 []"
    assert result.stderr.strip() == GENERATE_MOVED
    assert "python -m activation_warehouse.dev generate" in GENERATE_MOVED
    assert not (PROJECT_DIR / "nowhere").exists()


def test_the_dev_generate_command_writes_what_generate_demo_writes(tmp_path: Path) -> None:
    result = _run(
        "-m", "activation_warehouse.dev", "generate", "--out", str(tmp_path / "cli"), "--accounts", "6",
        "--days", "20", "--seed", "5", "--end", "2026-06-01T02:00:00+02:00", "--quiet",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Demo data written to {tmp_path / 'cli'}: events ")
    # +02:00 is 00:00 UTC: the same instant as the naive UTC end below.
    generate_demo(tmp_path / "direct", DemoConfig(accounts=6, days=20, seed=5, end=datetime(2026, 6, 1)), progress=False)
    direct = _hashes(tmp_path / "direct")
    assert len(direct) == 5
    assert _hashes(tmp_path / "cli") == direct


class Broke(RuntimeError):
    """An expected failure of the made-up command."""


class Refused(Broke):
    """A refusal that subclasses the failure, as PublishRefused subclasses PublishError."""


def _table(raised: BaseException | None, seen: list[Path]) -> tuple[Command, ...]:
    def work(args: argparse.Namespace) -> int:
        seen.append(args.warehouse)
        if raised is not None:
            raise raised
        return 0

    return (
        Command(
            "work", "a made-up command", work, warehouse="a warehouse",
            failures=(f"{__name__}:Broke",), refusals=(f"{__name__}:Refused",),
        ),
    )


@pytest.mark.parametrize(
    ("raised", "code", "stderr"),
    [
        (None, 0, ""),
        (Broke("no such folder"), 1, "work failed: no such folder\n"),
        (Refused("the last build failed; --force to publish anyway"), 1, "the last build failed; --force to publish anyway\n"),
        (WarehouseLocked(Path("/tmp/w.duckdb"), 4242, "dbt"), 2, None),
    ],
)
def test_the_shared_answers(
    raised: BaseException | None, code: int, stderr: str | None, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    monkeypatch.setenv("ACTIVATION_WAREHOUSE_PATH", str(tmp_path / "env.duckdb"))
    seen: list[Path] = []
    assert run_command_line("prog", _table(raised, seen), ["work"]) == code
    err = capsys.readouterr().err
    if stderr is not None:
        assert err == stderr
    else:
        assert err.count("\n") == 1 and "4242" in err
    assert seen == [tmp_path / "env.duckdb"]


def test_an_unexpected_error_is_not_swallowed_and_an_option_beats_the_default(tmp_path: Path) -> None:
    seen: list[Path] = []
    with pytest.raises(KeyError):
        run_command_line("prog", _table(KeyError("bug"), seen), ["work", "--warehouse", str(tmp_path / "given.duckdb")])
    assert seen == [tmp_path / "given.duckdb"]
