"""The ``opms-dispatch`` command (also ``python -m dispatch``).

Each command lives in its own module of :mod:`dispatch.cli.commands` and exposes
``register(subparsers, common)``; this module discovers them, so adding a command never
touches this file. A command's function receives ``(args, settings)`` and returns a
JSON-serialisable result; with ``--json`` exactly one JSON document is printed on stdout,
otherwise a readable summary. Errors go to stderr with the contract's exit codes
(2 bad input, 3 not found / not covered, 1 other), never a traceback (set
``OPMS_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import pkgutil
import sys
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from dispatch.errors import DispatchError


def _default(obj: Any) -> Any:
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


def dumps(result: Any) -> str:
    """Serialise a command result as the contract's JSON (Decimal as strings)."""
    return json.dumps(result, default=_default, ensure_ascii=False, allow_nan=False)


def _human(result: Any, indent: int = 0) -> str:
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


def _scalar(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, (Decimal, datetime, date, Path)):
        return str(_default(value))
    return str(value)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every discovered command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print exactly one JSON document")
    common.add_argument("--config", metavar="FILE", help="settings TOML file (default $OPMS_CONFIG)")
    common.add_argument("--data-dir", metavar="DIR", help="data directory (default $OPMS_DATA_DIR)")
    common.add_argument("--quiet", action="store_true", help="no progress output on stderr")
    parser = argparse.ArgumentParser(
        prog="opms-dispatch",
        description="Service-area and dispatch planner (OPMS).",
        parents=[common],
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    import dispatch.cli.commands as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"dispatch.cli.commands.{info.name}")
        module.register(sub, common)
    return parser


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
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse already printed its message
        return int(exc.code or 0) if exc.code in (0, None) else 2
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    debug = bool(os.environ.get("OPMS_DEBUG"))
    try:
        from dispatch.settings import load_settings

        settings = load_settings(args.config, data_dir=args.data_dir)
        result = args.func(args, settings)
    except DispatchError as err:
        print(f"opms-dispatch: {err}", file=sys.stderr)
        if debug:
            raise
        return err.exit_code
    except KeyboardInterrupt:
        print("opms-dispatch: interrompu.", file=sys.stderr)
        return 130
    except Exception as err:  # last resort: never a traceback for users
        if debug:
            raise
        print(
            f"opms-dispatch: internal error ({type(err).__name__}: {err}). "
            "Run again with OPMS_DEBUG=1 for details and report it.",
            file=sys.stderr,
        )
        return 1
    if isinstance(result, int) and not isinstance(result, bool):
        return result
    if args.json:
        sys.stdout.write(dumps(result) + "\n")
    elif result is not None:
        print(_human(result))
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
