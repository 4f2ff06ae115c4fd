"""``opms-dispatch user``: staff accounts of the dashboard.

    opms-dispatch user add USERNAME --role ROLE [--technician-id N] [--password-stdin] --json
    opms-dispatch user passwd USERNAME [--password-stdin] --json
    opms-dispatch user disable USERNAME --json
    opms-dispatch user enable USERNAME --json
    opms-dispatch user list --json
    opms-dispatch user throttles [--json]
    opms-dispatch user throttles --clear [ACCOUNT | --client ADDR] [--json]

The password is read from standard input with ``--password-stdin`` (first line, for
scripts), otherwise asked twice on the terminal without echo. It is never printed, and
neither is its hash. Every change is written to the audit log.

``user throttles`` lists the client addresses and accounts whose failed logins are still
remembered (failures, attempts refused during a delay, seconds left); ``--clear`` lifts the
delay of one account, of one client address (``--client``), or of every one.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, overload

from dispatch.cli.commands._db import actor, database
from dispatch.cli.streams import stderr
from dispatch.errors import InvalidInput
from dispatch.i18n import N_, _

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.settings import Settings


class _Roles(Sequence[str]):
    """:data:`dispatch.office.auth.ROLES`, read when argparse checks or shows ``--role``.

    Importing ``dispatch.office.auth`` to build the parser would cost every command, even
    ``opms-dispatch --help``, its 0.28 s of imports (SQLAlchemy, argon2).
    """

    def _roles(self) -> tuple[str, ...]:
        # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.office.auth imports in 0.28 s)
        from dispatch.office.auth import ROLES

        return tuple(ROLES)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...

    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        return self._roles()[index]

    def __len__(self) -> int:
        return len(self._roles())

    def __iter__(self) -> Iterator[str]:
        return iter(self._roles())

    def __contains__(self, value: object) -> bool:
        return value in self._roles()


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser(
        "user", parents=[common], help="staff accounts: add, passwd, disable, list, throttles"
    )
    sub = p.add_subparsers(dest="user_command", metavar="ACTION")

    a = sub.add_parser("add", parents=[common], help="create a staff account")
    a.add_argument("username")
    a.add_argument("--role", required=True, choices=_Roles(), metavar="ROLE", help="one of: %(choices)s")
    a.add_argument("--technician-id", type=int, help="technician account: the technician it is")
    a.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    a.add_argument("--actor")
    a.set_defaults(func=_add)

    w = sub.add_parser("passwd", parents=[common], help="set a new password (clears the account's delay)")
    w.add_argument("username")
    w.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    w.add_argument("--actor")
    w.set_defaults(func=_passwd)

    d = sub.add_parser("disable", parents=[common], help="forbid an account to log in")
    d.add_argument("username")
    d.add_argument("--actor")
    d.set_defaults(func=_disable)

    e = sub.add_parser("enable", parents=[common], help="allow a disabled account again")
    e.add_argument("username")
    e.add_argument("--actor")
    e.set_defaults(func=_enable)

    ls = sub.add_parser("list", parents=[common], help="the accounts (never the password hashes)")
    ls.set_defaults(func=_list)

    t = sub.add_parser("throttles", parents=[common], help="see and clear the delays after failed logins")
    t.add_argument("account", nargs="?", help="with --clear: the account whose delay to lift")
    t.add_argument("--clear", action="store_true", help="lift delays (all, or the one account / client given)")
    t.add_argument("--client", metavar="ADDR", help="with --clear: the client address whose delay to lift")
    t.add_argument("--actor")
    t.set_defaults(func=_throttles)

    def _help(args: Namespace, settings: Settings) -> int:
        p.print_help(stderr())
        return 2

    p.set_defaults(func=_help)


def _read_password(args: Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        if password.endswith("\r"):
            password = password[:-1]
        return password
    if not sys.stdin.isatty():
        msg = N_("No terminal to ask the password: pipe it with --password-stdin.")
        raise InvalidInput(msg)
    import getpass

    first = getpass.getpass(_("Password: "))
    second = getpass.getpass(_("Once more: "))
    if first != second:
        msg = N_("The two passwords differ: nothing was changed.")
        raise InvalidInput(msg)
    return first


def _add(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.office.auth imports in 0.28 s)
    from dispatch.office.auth import add_user

    password = _read_password(args)
    with database(settings) as db:
        user = add_user(
            db, args.username, password, role=args.role, technician_id=args.technician_id,
            actor=actor(args),
        )
    return user.to_dict()


def _passwd(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.office.auth imports in 0.28 s)
    from dispatch.office.auth import set_password

    password = _read_password(args)
    with database(settings) as db:
        return set_password(db, args.username, password, actor=actor(args)).to_dict()


def _disable(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.office.auth imports in 0.28 s)
    from dispatch.office.auth import disable_user

    with database(settings) as db:
        return disable_user(db, args.username, actor=actor(args)).to_dict()


def _enable(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.office.auth imports in 0.28 s)
    from dispatch.office.auth import enable_user

    with database(settings) as db:
        return enable_user(db, args.username, actor=actor(args)).to_dict()


def _list(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.office.auth imports in 0.28 s)
    from dispatch.office.auth import list_users

    with database(settings) as db:
        return {"users": [u.to_dict() for u in list_users(db)]}


def _throttles(args: Namespace, settings: Settings) -> dict[str, object]:
    # lazy: keeps `opms-dispatch --help` fast (measured: dispatch.office.auth imports in 0.28 s)
    from dispatch.office.auth import clear_throttles, list_throttles

    if args.account is not None and args.client is not None:
        msg = N_("Give either an account or --client ADDR to clear, not both.")
        raise InvalidInput(msg)
    if not args.clear and (args.account is not None or args.client is not None):
        what = args.account if args.account is not None else f"--client {args.client}"
        msg = N_("An account or --client needs --clear: `opms-dispatch user throttles --clear {what}`.")
        raise InvalidInput(msg, what=what)
    with database(settings) as db:
        if args.clear:
            n = clear_throttles(db, account=args.account, client=args.client, actor=actor(args))
            return {"cleared": n}
        return {"throttles": [t.to_dict() for t in list_throttles(db, settings=settings)]}
