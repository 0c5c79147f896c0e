"""dbt runs for the tests, forked from a process that has already imported dbt.

A dbt command spends about 3 s of CPU starting Python and importing dbt and its adapters
before it reads the project: over the suite's few hundred commands, a quarter of its time
on tiny data. This server pays for the imports once per pytest worker; each command is a
`fork()` of it, a process of its own as before, so DuckDB's lock still ends with the
command, and the command line, working folder, environment, output and exit code are
those of `dbt` run as a program (the child runs the console script's own entry point).

The server is single-threaded when it forks (it only waits on its pipe), which is what
makes forking after the imports safe. Commands that must run beside another (a test that
kills a build, or holds the warehouse while dbt starts) do not come here: `run` returns
None while a command is under way, and the caller starts dbt as a program instead.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import NoReturn

_PRELOADED = (
    "dbt.cli.main", "dbt.adapters.duckdb", "dbt.adapters.duckdb.impl", "dbt.adapters.postgres",
    "dbt.adapters.postgres.impl", "dbt.task.build", "dbt.task.run", "dbt.task.test", "dbt.task.seed",
    "dbt.task.show", "dbt.task.compile", "dbt.parser.manifest", "dbt.compilation", "agate", "duckdb",
)


def serve() -> None:
    """Read one JSON request a line from stdin ({argv, cwd, env}), run it in a forked
    child, answer one JSON line ({code, stdout, stderr}) on the original stdout."""
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    # Anything the imports print must not land in the answers.
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)
    for module in _PRELOADED:
        __import__(module)
    answers.write("ready\n")
    for line in sys.stdin:
        request = json.loads(line)
        answers.write(json.dumps(_run_forked(request["argv"], request["cwd"], request["env"], devnull)) + "\n")


def _run_forked(argv: list[str], cwd: str, env: dict[str, str], devnull: int) -> dict[str, object]:
    """One dbt command in a forked child; its exit code and output."""
    folder = Path(tempfile.mkdtemp(prefix="dbt_fork_"))
    out, err = folder / "stdout", folder / "stderr"
    pid = os.fork()
    if pid == 0:
        _child(argv, cwd, env, devnull, out, err)
    _, status = os.waitpid(pid, 0)
    answer = {
        "code": os.waitstatus_to_exitcode(status),
        "stdout": out.read_text(errors="replace") if out.exists() else "",
        "stderr": err.read_text(errors="replace") if err.exists() else "",
    }
    shutil.rmtree(folder, ignore_errors=True)
    return answer


def _child(argv: list[str], cwd: str, env: dict[str, str], devnull: int, out: Path, err: Path) -> NoReturn:
    """Run dbt as its console script does, then end this process the way a program ends:
    through the interpreter's shutdown, which closes DuckDB's database and so folds its
    write-ahead log into the file (os._exit would leave the log beside it, and a test
    copying the file alone would copy an older warehouse)."""
    code = 3
    try:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        os.dup2(devnull, 0)
        os.dup2(os.open(out, os.O_WRONLY | os.O_CREAT), 1)
        os.dup2(os.open(err, os.O_WRONLY | os.O_CREAT), 2)
        sys.argv = ["dbt", *argv]
        from dbt.cli.main import cli

        try:
            cli()
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    except BaseException:  # noqa: BLE001 - the child reports everything, then exits
        import traceback

        traceback.print_exc()
    sys.stdout.flush()
    sys.stderr.flush()
    # Nothing in the server catches this: the child leaves the request loop and ends.
    raise SystemExit(code)


class ForkServer:
    """The pytest worker's end of the server: started at the first command."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._busy = threading.Lock()

    def run(self, command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str] | None:
        """`command` (a dbt command line) run by the server, as `subprocess.run(...,
        capture_output=True, text=True)` would; None when the server is already running
        one (the caller then runs it as a program)."""
        if not self._busy.acquire(blocking=False):
            return None
        try:
            process = self._started()
            assert process.stdin is not None and process.stdout is not None
            process.stdin.write(json.dumps({"argv": command[1:], "cwd": str(cwd), "env": env}) + "\n")
            process.stdin.flush()
            answer = json.loads(process.stdout.readline())
        finally:
            self._busy.release()
        return subprocess.CompletedProcess(command, answer["code"], answer["stdout"], answer["stderr"])

    def _started(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                cwd=Path(__file__).parent,
            )
            assert self._process.stdout is not None
            ready = self._process.stdout.readline()
            assert ready == "ready\n", f"the dbt fork server did not start: {ready!r}"
        return self._process

    def close(self) -> None:
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            self._process.wait(timeout=30)
            self._process = None


if __name__ == "__main__":
    serve()
