"""What every part of the loader shares: its error, its report and SQL quoting.

Kept apart so the readers, the casts, the ledger and the transaction can each be read
(and tested) without the others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Longest example value quoted in an error message, so the message stays one short line.
EXAMPLE_MAX_CHARS = 60

#: Longest DuckDB reason quoted in an error message.
REASON_MAX_CHARS = 300


class LoadError(Exception):
    """Every problem a load found, one human line each, and nothing loaded.

    A load checks the whole folder before it writes anything, so a user fixes every mistake
    in one round instead of one per run. One problem is its own message (the command line
    prints it as is); several are listed one a line under a count.
    """

    def __init__(self, problems: str | list[str]) -> None:
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            message = f"{len(self.problems)} problems, nothing was loaded:\n  - " + "\n  - ".join(
                self.problems
            )
        super().__init__(message)


@dataclass(frozen=True)
class LoadReport:
    """What a successful load did: rows per raw table it wrote, how long it took, and how.

    `rows` names only the tables the load wrote: an append leaves a table without a file
    as it was. `mode` is 'replace' or 'append'; `files` the ledger's entries of this load.
    """

    rows: dict[str, int]
    seconds: float
    mode: str = "replace"
    files: list[dict[str, object]] = field(default_factory=list)


def one_line(error: BaseException) -> str:
    """DuckDB's reason for an error, on one line and without its list of possible fixes.

    DuckDB's CSV errors run over twenty lines (the offending line, fixes, every option);
    the line number and the reason, which sits last before the fixes, are what a user needs.
    """
    lines: list[str] = []
    for line in str(error).splitlines():
        if line.startswith(("Possible fix", "Possible Solution", "  file = ")):
            break
        if line.strip():
            lines.append(line.strip())
    if not lines:
        return type(error).__name__
    first = re.sub(r"^[A-Za-z ]+ Error: ", "", lines[0])
    if first.startswith("CSV Error on Line") and len(lines) > 1:
        first = f"{first}: {lines[-1]}"
    if len(first) > REASON_MAX_CHARS:
        first = first[: REASON_MAX_CHARS - 3] + "..."
    return first


def shown(value: object) -> str:
    """A value quoted for an error message, cut so the message stays one short line."""
    text = repr(value)
    if len(text) > EXAMPLE_MAX_CHARS:
        text = text[: EXAMPLE_MAX_CHARS - 4] + "...'"
    return text


def ident(name: str) -> str:
    """A quoted SQL identifier, so a schema or column name is never pasted in raw."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A quoted SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def quoted_list(names: list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
