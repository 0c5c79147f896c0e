"""The one shape of a command line: a table of commands, each its options and its function.

Both command lines (the runtime one, ``python -m activation_warehouse``, and the dev tools',
``python -m activation_warehouse.dev``) are a tuple of :class:`Command` read by
:func:`run_command_line`, so what every command shares is written once, here: the
``--warehouse`` option and its default, the exit codes, the one-line answer to a held
warehouse, and the one-line answer to a command's own expected errors. A handler therefore
holds only its command's work; the tests call the same typed functions the handlers call.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from activation_warehouse.paths import warehouse_path

#: Exit codes. 2 is also argparse's for a command line it cannot parse, and the answer to a
#: command that moved (`generate`): both are "this command line cannot run", like a held
#: warehouse (EXIT_LOCKED in warehouse_lock.py, the same 2).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

WAREHOUSE_HELP = "DuckDB file (default: $ACTIVATION_WAREHOUSE_PATH or warehouse.duckdb)"


def _no_arguments(parser: argparse.ArgumentParser) -> None:
    """For a command without options of its own."""


@dataclass(frozen=True)
class Command:
    """One subcommand of a command line.

    ``failures`` and ``refusals`` name error classes as ``"module:Class"`` strings, resolved
    only when an error reaches the command line: the modules behind them (Great Expectations,
    dbt, pandas) are slow to import, and a command must not pay for the others' imports.
    """

    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    arguments: Callable[[argparse.ArgumentParser], None] = _no_arguments
    #: Help of the --warehouse option, or None for a command without one. With it,
    #: ``args.warehouse`` reaches the handler as a Path, the default already applied.
    warehouse: str | None = None
    #: Expected errors, answered ``<name> failed: <error>`` on stderr, exit 1.
    failures: tuple[str, ...] = ()
    #: Expected refusals whose message is the whole answer (on stderr, exit 1).
    refusals: tuple[str, ...] = ()
    #: Everything after the command's name goes, options included, into this attribute
    #: of ``args`` (argparse would claim the options for itself); ``arguments`` declares it
    #: as a REMAINDER positional of that name, for the help.
    passthrough: str | None = None


def parser_for(prog: str, commands: Sequence[Command]) -> argparse.ArgumentParser:
    """The argument parser of a command table (separate so tests and docs can inspect it)."""
    parser = argparse.ArgumentParser(prog=prog)
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in commands:
        sub = subparsers.add_parser(command.name, help=command.help)
        if command.warehouse is not None:
            sub.add_argument("--warehouse", default=None, help=command.warehouse)
        command.arguments(sub)
        sub.set_defaults(command_entry=command)
    return parser


def _resolve(names: tuple[str, ...]) -> tuple[type[BaseException], ...]:
    """The error classes named ``module:Class`` (their modules are loaded by now)."""
    classes = []
    for name in names:
        module, _, attribute = name.partition(":")
        classes.append(getattr(importlib.import_module(module), attribute))
    return tuple(classes)


def run_command_line(prog: str, commands: Sequence[Command], argv: list[str] | None = None) -> int:
    """Parse argv, run its command, answer the shared errors; returns the process exit code."""
    from activation_warehouse.warehouse_lock import EXIT_LOCKED, WarehouseLocked

    argv = sys.argv[1:] if argv is None else argv
    by_name = {command.name: command for command in commands}
    chosen = by_name.get(argv[0]) if argv else None
    if chosen is not None and chosen.passthrough:
        args = argparse.Namespace(command=chosen.name, command_entry=chosen, **{chosen.passthrough: argv[1:]})
    else:
        args = parser_for(prog, commands).parse_args(argv)
    command: Command = args.command_entry
    if command.warehouse is not None:
        args.warehouse = Path(args.warehouse) if args.warehouse else warehouse_path()
    try:
        return int(command.run(args))
    except WarehouseLocked as locked:
        print(locked, file=sys.stderr)
        return EXIT_LOCKED
    except Exception as error:
        # Refusals first: a refusal may subclass a command's failure (PublishRefused does).
        if command.refusals and isinstance(error, _resolve(command.refusals)):
            print(error, file=sys.stderr)
            return EXIT_FAILED
        if command.failures and isinstance(error, _resolve(command.failures)):
            print(f"{command.name} failed: {error}", file=sys.stderr)
            return EXIT_FAILED
        raise
