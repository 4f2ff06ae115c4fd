"""``opms-dispatch policy``: the service policy the customer signs before the diagnostic.

    opms-dispatch policy show [--version N] --json      # version, sha256, text
    opms-dispatch policy set politique.md               # a new version (identical text: none)

On a fresh installation the company's default policy, written from the tariff in force, is
version 1 (stored the first time it is shown or signed). A signature keeps the version and
the SHA-256 of the text the customer read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dispatch.cli.commands._db import actor, database
from dispatch.cli.commands._visit_help import answer, read_file
from dispatch.cli.streams import stderr
from dispatch.errors import InvalidInput
from dispatch.i18n import N_

if TYPE_CHECKING:
    from argparse import ArgumentParser, Namespace, _SubParsersAction

    from dispatch.records.policies import PolicyVersion
    from dispatch.settings import Settings


def register(subparsers: _SubParsersAction[ArgumentParser], common: ArgumentParser) -> None:
    p = subparsers.add_parser("policy", parents=[common], help="the service policy customers sign")
    sub = p.add_subparsers(dest="policy_command", metavar="ACTION")

    s = sub.add_parser("show", parents=[common], help="the policy in force (or --version N)")
    s.add_argument("--version", type=int, help="an earlier version")
    s.add_argument("--actor")
    s.set_defaults(func=_show)

    t = sub.add_parser("set", parents=[common], help="store a new version from a Markdown file")
    t.add_argument("file", metavar="FILE.md")
    t.add_argument("--actor")
    t.set_defaults(func=_set)

    def _help(args: Namespace, settings: Settings) -> int:
        p.print_help(stderr())
        return 2

    p.set_defaults(func=_help)


def _result(policy: PolicyVersion) -> dict[str, object]:
    return {
        "version": policy.version, "sha256": policy.sha256, "created_at": policy.created_at,
        "created_by": policy.created_by, "text": policy.text,
    }  # fmt: skip


def _show(args: Namespace, settings: Settings) -> object:
    # lazy: keeps `opms-dispatch --help` fast (dispatch.office imports the records, 0.26 s)
    from dispatch.i18n import _
    from dispatch.office.policy import policy_in_force
    from dispatch.records.policies import policy_version

    with database(settings) as db:
        if args.version is not None:
            policy = policy_version(db, args.version)
        else:
            policy = policy_in_force(db, settings, actor=actor(args))
    head = _("Policy version {version} (SHA-256 {sha256})").format(version=policy.version, sha256=policy.sha256)
    return answer(args, _result(policy), [head, "", policy.text])


def _set(args: Namespace, settings: Settings) -> object:
    # lazy: keeps `opms-dispatch --help` fast (dispatch.office imports the records, 0.26 s)
    from dispatch.i18n import _
    from dispatch.office.policy import set_policy

    try:
        text = read_file(args.file).decode("utf-8")
    except UnicodeDecodeError as err:
        msg = N_("The policy file {path} is not UTF-8 text: save it as UTF-8 Markdown.")
        raise InvalidInput(msg, path=args.file) from err
    with database(settings) as db:
        policy = set_policy(db, text, actor=actor(args))
    line = _("Policy version {version} in force (SHA-256 {sha256}).").format(version=policy.version, sha256=policy.sha256)
    return answer(args, _result(policy), [line])
