"""The ``opms-dispatch`` command (also ``python -m dispatch``).

Each command lives in its own module of :mod:`dispatch.cli.commands` and exposes
``register(subparsers, common)``; this module discovers them, so adding a command never
touches this file. A command's function receives ``(args, settings)`` and returns a
JSON-serialisable result; with ``--json`` exactly one JSON document is printed on stdout,
otherwise a readable summary. Errors go to stderr with the contract's exit codes
(2 bad input, 3 not found / not covered, 4 damaged database, 5 disk full, 6 database server
unreachable, 1 other), never a traceback (set ``OPMS_DEBUG=1`` to see one).

The global options (``--json``, ``--config``, ``--data-dir``, ``--quiet``) mean the same
before or after the command: ``opms-dispatch --data-dir D region list`` and
``opms-dispatch region list --data-dir D``. A reader that goes away (``| head``) ends the
command quietly, exit 0 (:mod:`dispatch.cli.streams`).

Building the parser imports every command module, so ``opms-dispatch --help`` costs what
they import at module level: only the standard library, :mod:`dispatch.errors` and
:mod:`dispatch.cli` helpers; each command imports its domain modules inside its handler.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import json
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from dispatch.cli.streams import say, silence, stderr
from dispatch.errors import DiskFull, DispatchError
from dispatch.i18n import N_, _, set_language


def _default(obj: object) -> object:
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, (datetime, date)):
        return obj.isoformat()
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    msg = f"not JSON serialisable: {type(obj).__name__}"
    raise TypeError(msg)


def dumps(result: object) -> str:
    """Serialise a command result as the contract's JSON (Decimal as strings)."""
    return json.dumps(result, default=_default, ensure_ascii=False, allow_nan=False)


def _human(result: object, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(result, dict):
        lines = []
        for key, value in result.items():
            if isinstance(value, (dict, list)) and value:
                lines.append(f"{pad}{key}:")
                lines.append(_human(value, indent + 1))
            else:
                lines.append(f"{pad}{key}: {_scalar(value)}")
        return "\n".join(lines)
    if isinstance(result, list):
        return "\n".join(
            (f"{pad}-\n{_human(item, indent + 1)}" if isinstance(item, (dict, list)) else f"{pad}- {_scalar(item)}")
            for item in result
        )
    return f"{pad}{_scalar(result)}"


def _scalar(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, (Decimal, datetime, date, Path)):
        return str(_default(value))
    return str(value)


#: The options every command takes, before or after its name: (flags, keyword arguments).
GLOBAL_OPTIONS: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = (
    (("--json",), {"action": "store_true", "help": "print exactly one JSON document"}),
    (("--config",), {"metavar": "FILE", "help": "settings TOML file (default $OPMS_CONFIG)"}),
    (("--data-dir",), {"metavar": "DIR", "help": "data directory (default $OPMS_DATA_DIR)"}),
    (("--quiet",), {"action": "store_true", "help": "no progress output on stderr"}),
)


def _global_options(*, after_command: bool) -> argparse.ArgumentParser:
    """A parent parser holding :data:`GLOBAL_OPTIONS`.

    The main parser's copy carries the defaults. A subcommand's copy has no default
    (``argparse.SUPPRESS``): argparse copies every attribute of the subcommand's namespace
    over the main one, so a default there would undo ``--data-dir D`` given before the
    command.
    """
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("global options (before or after the command)")
    for flags, kwargs in GLOBAL_OPTIONS:
        group.add_argument(*flags, **({**kwargs, "default": argparse.SUPPRESS} if after_command else kwargs))
    return parent


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every discovered command."""
    parser = argparse.ArgumentParser(
        prog="opms-dispatch",
        description="Service-area and dispatch planner (OPMS).",
        parents=[_global_options(after_command=False)],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    common = _global_options(after_command=True)
    for name in command_modules():
        importlib.import_module(f"dispatch.cli.commands.{name}").register(sub, common)
    return parser


def command_modules() -> list[str]:
    """The modules of :mod:`dispatch.cli.commands` that are commands (not ``_private``), sorted.

    A plain listing: ``pkgutil.iter_modules`` imports :mod:`inspect`, 6 ms of every start.
    """
    import dispatch.cli.commands as pkg

    names = set()
    for folder in pkg.__path__:
        for entry in os.scandir(folder):
            if entry.name.endswith(".py"):
                names.add(entry.name[:-3])
            elif entry.is_dir() and os.path.isfile(os.path.join(entry.path, "__init__.py")):
                names.add(entry.name)
    return sorted(n for n in names if n.isidentifier() and not n.startswith("_"))


_COORD_OPTIONS = {"--shop-latlon", "--latlon"}


def _join_negative_values(argv: list[str]) -> list[str]:
    """Let ``--latlon -45.1,-73.6`` work (argparse would read the value as an option)."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in _COORD_OPTIONS and i + 1 < len(argv) and argv[i + 1].startswith("-") and (
            argv[i + 1][1:2].isdigit() or argv[i + 1][1:2] == "."
        ):
            out.append(f"{arg}={argv[i + 1]}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    argv = _join_negative_values(list(sys.argv[1:] if argv is None else argv))
    try:
        try:
            args = parser.parse_args(argv)
        finally:
            sys.stdout.flush()  # --help: a closed pipe shows here, not at exit
    except SystemExit as exc:  # argparse already printed its message
        return int(exc.code or 0) if exc.code in (0, None) else 2
    except BrokenPipeError:  # `opms-dispatch --help | head -1`: the reader has gone
        silence(sys.stdout)
        return 0
    if not getattr(args, "func", None):
        parser.print_help(stderr())
        return 2
    try:
        return _run(args)
    finally:
        set_language(None)  # the language of these settings ends with the command


def _run(args: argparse.Namespace) -> int:
    """Load the settings, run the command, print its result (or its error, in the settings' language)."""
    debug = bool(os.environ.get("OPMS_DEBUG"))
    try:
        from dispatch.settings import load_settings

        settings = load_settings(args.config, data_dir=args.data_dir)
        set_language(settings.general.language)  # before: $OPMS_GENERAL__LANGUAGE, else fr_CA
        result = args.func(args, settings)
    except DispatchError as err:
        say(f"opms-dispatch: {err.localized()}")
        if debug:
            raise
        return err.exit_code
    except KeyboardInterrupt:
        say("opms-dispatch: " + _("interrupted."))
        return 130
    except Exception as err:  # last resort: never a traceback for users
        if debug:
            raise
        if isinstance(err, OSError) and err.errno == errno.ENOSPC:  # a write outside the database
            full = DiskFull(N_(
                "The disk is full: the command could not finish writing. Free some space (old "
                "backups, downloads) and try again."
            ))
            say(f"opms-dispatch: {full.localized()}")
            return full.exit_code
        say(
            "opms-dispatch: "
            + _(
                "internal error ({error}: {detail}). Run again with OPMS_DEBUG=1 for details and report it."
            ).format(error=type(err).__name__, detail=err)
        )
        return 1
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    try:
        if args.json:
            sys.stdout.write(dumps(result) + "\n")
        elif result is not None:
            print(_human(result))
        sys.stdout.flush()
    except BrokenPipeError:  # the reader has gone (`| head`): the output is not wanted
        silence(sys.stdout)
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
