"""DuckDB's single-writer lock, told to a person in one line.

DuckDB lets one process write a database file (or several read it). When another process
holds the file, DuckDB raises an IOException whose text names the holder's PID; left
alone it becomes a long traceback that also suggests read-only mode, which does not help
when a build is writing. Every command opens the warehouse through `open_warehouse`, and
the CLI turns a `WarehouseLocked` into exactly one line and exit code 2, so a script can
tell "busy, try later" from a real failure.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

#: Exit code of a command that found the warehouse held by another process.
EXIT_LOCKED = 2
#: DuckDB's lock error: `Could not set lock on file "<path>": Conflicting lock is held in
#: <program> (PID <n>)`.
_LOCK_ERROR = re.compile(
    r'Could not set lock on file "(?P<path>[^"]+)": Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)'
)


class WarehouseLocked(Exception):
    """Another process holds the warehouse file; `str()` is the one line to print."""

    def __init__(self, path: Path, pid: int | None, program: str | None = None) -> None:
        self.path = Path(path)
        self.pid = pid
        self.program = program or (program_of(pid) if pid else None) or "unknown program"
        holder = f"process {pid}" if pid else "another process"
        super().__init__(
            f"{self.path.name} is open in {holder} ({self.program}); close it, or read published/ meanwhile"
        )


def program_of(pid: int) -> str | None:
    """What process `pid` runs, for a person to recognise: its command line's program and
    first argument (`dbt build`, `python -m ...`), else /proc's short name."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        argv = []
    words = [word.decode(errors="replace") for word in argv if word]
    if words and os.path.basename(words[0]).startswith("python") and len(words) > 1:
        if words[1] in ("-m", "-c"):
            return " ".join(["python", *words[1:3]]) if words[1] == "-m" else "python -c"
        words = words[1:]  # `python /x/.venv/bin/dbt build` reads better as `dbt build`
    if words:
        second = [words[1]] if len(words) > 1 and not words[1].startswith("-") else []
        return " ".join([os.path.basename(words[0]), *second])[:60]
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() or None
    except OSError:
        return None


def locked_from_error(error: BaseException, path: Path | None = None) -> WarehouseLocked | None:
    """The `WarehouseLocked` that DuckDB's lock error (or any text holding it) describes;
    None for any other error."""
    found = _LOCK_ERROR.search(str(error))
    if not found:
        return None
    pid = int(found["pid"])
    return WarehouseLocked(path or Path(found["path"]), pid, program_of(pid) or os.path.basename(found["program"]))


def holder_of(path: Path) -> WarehouseLocked | None:
    """Who holds a lock on `path` that would stop a writer, asked before launching dbt
    (which otherwise fails deep in its run with a traceback). None when the file is free
    or does not exist.

    Read from /proc/locks rather than asked with fcntl(F_GETLK): that needs the file open,
    and closing any descriptor of a file drops every POSIX lock the calling process holds
    on it, so asking would silently release a DuckDB connection's lock of our own.
    """
    try:
        status = os.stat(path)
        table = Path("/proc/locks").read_text()
    except OSError:
        return None
    wanted = f"{os.major(status.st_dev):02x}:{os.minor(status.st_dev):02x}:{status.st_ino}"
    for line in table.splitlines():
        fields = line.split()
        if len(fields) < 6 or fields[1] == "->":  # "->" marks a process waiting, not holding
            continue
        if fields[5] == wanted and fields[4].isdigit():
            return WarehouseLocked(Path(path), int(fields[4]))
    return None


def open_warehouse(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """`duckdb.connect` that raises `WarehouseLocked` (one line) when another process
    holds the file; every other error passes through unchanged."""
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        locked = locked_from_error(error, Path(path))
        if locked is None:
            raise
        raise locked from None
