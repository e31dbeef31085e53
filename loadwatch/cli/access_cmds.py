"""``loadwatch users|grants|audit|account``: server-mode users, grants, the audit log, and an
athlete's own data (export all, delete all).

A thin shell over :mod:`etl.store.access` and :mod:`etl.store.account`. In server mode every
command runs as the user named by the global ``--as USER``; a refused action exits with 3.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etl.store import access, account
from loadwatch.cli.common import EXIT_OK, UsageError, add_format, emit, open_store


def run_users_add(args: argparse.Namespace) -> int:
    store = open_store(args)
    user = access.add_user(store, args.name, args.role, email=args.email, athlete=args.athlete,
                           team=args.team)
    linked = f", athlete {user.athlete!r}" if user.athlete else ""
    sys.stderr.write(f"added {user.role} {user.name!r}{linked}\n")
    return EXIT_OK


def run_users_list(args: argparse.Namespace) -> int:
    emit(access.users(open_store(args)), args.format)
    return EXIT_OK


def run_users_active(args: argparse.Namespace) -> int:
    access.set_active(open_store(args), args.name, args.command_name == "enable")
    sys.stderr.write(f"{args.command_name}d {args.name!r}\n")
    return EXIT_OK


def _grantee(args: argparse.Namespace) -> tuple[str | None, str | None]:
    if (args.grantee is None) == (args.team is None):
        raise UsageError("name the coach or clinician (USER) or a --team, not both")
    return args.grantee, args.team


def run_grant(args: argparse.Namespace) -> int:
    grantee, team = _grantee(args)
    store = open_store(args)
    access.grant(store, grantee, athlete=args.athlete, team=team, symptoms=args.symptoms)
    who = f"user {grantee!r}" if grantee else f"every coach of team {team!r}"
    scope = " (load, flags, symptoms)" if args.symptoms else ""
    sys.stderr.write(f"granted {who} access{scope}\n")
    return EXIT_OK


def run_withdraw(args: argparse.Namespace) -> int:
    grantee, team = _grantee(args)
    count = access.withdraw(open_store(args), grantee, athlete=args.athlete, team=team)
    if count == 0:
        sys.stderr.write("nothing to withdraw: no active grant to them\n")
    else:
        sys.stderr.write(f"withdrew {count} grant(s); their access ended now\n")
    return EXIT_OK


def run_grants_list(args: argparse.Namespace) -> int:
    emit(access.grants(open_store(args), include_withdrawn=args.all), args.format)
    return EXIT_OK


def run_audit(args: argparse.Namespace) -> int:
    emit(access.audit(open_store(args), args.athlete), args.format)
    return EXIT_OK


def run_export(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() != ".zip":
        raise UsageError(f"--out {out}: the export is a zip; give a FILE.zip")
    if out.exists():
        raise UsageError(f"--out {out} exists; pick a new file name (nothing is overwritten)")
    store = open_store(args)
    partial = out.with_name(f".{out.name}.partial")
    try:
        names = account.export_athlete_data(store, args.athlete, partial)
        partial.chmod(0o600)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    sys.stderr.write(f"wrote {out}: {len(names)} files\n")
    return EXIT_OK


def run_delete(args: argparse.Namespace) -> int:
    if args.confirm != args.athlete:
        raise UsageError(f"deleting is final: repeat the athlete's name with --confirm "
                         f"{args.athlete!r}")
    report = account.delete_athlete_data(open_store(args), args.athlete)
    total = sum(report.rows.values())
    sys.stderr.write(f"deleted every record of {args.athlete!r} ({total} rows, "
                     f"{len(report.activity_ids)} activities)\n")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    users = subparsers.add_parser("users", help="server mode: add and list users (admin)")
    commands = users.add_subparsers(dest="users_command", metavar="COMMAND", required=True)
    add = commands.add_parser("add", help="add a user")
    add.add_argument("name", metavar="NAME", help="the user's name (what --as takes)")
    add.add_argument("--role", required=True, choices=access.TA.ROLES)
    add.add_argument("--email", help="the address they sign in with (OIDC)")
    add.add_argument("--athlete", metavar="NAME",
                     help="athlete users: their athlete record (default: NAME)")
    add.add_argument("--team", help="coaches: their team (team grants reach them)")
    add.set_defaults(func=run_users_add)
    listing = commands.add_parser("list", help="list users")
    add_format(listing)
    listing.set_defaults(func=run_users_list)
    for name in ("enable", "disable"):
        switch = commands.add_parser(name, help=f"{name} a user's sign-in")
        switch.add_argument("name", metavar="NAME")
        switch.set_defaults(func=run_users_active, command_name=name)

    grants = subparsers.add_parser("grants", help="share your data with a coach or clinician")
    commands = grants.add_subparsers(dest="grants_command", metavar="COMMAND", required=True)
    give = commands.add_parser("grant", help="grant access (coach: load and flags; clinician: "
                               "everything)")
    withdraw = commands.add_parser("withdraw", help="withdraw access (takes effect at once)")
    for parser in (give, withdraw):
        parser.add_argument("grantee", nargs="?", metavar="USER", help="the coach or clinician")
        parser.add_argument("--team", help="instead of a user: every coach of this team")
        parser.add_argument("--athlete", metavar="NAME",
                            help="whose data (default: your own; needed in local mode)")
    give.add_argument("--symptoms", action="store_true",
                      help="coaches: also symptoms, wellness, injuries and VISA-H")
    give.set_defaults(func=run_grant)
    withdraw.set_defaults(func=run_withdraw)
    listing = commands.add_parser("list", help="grants you made or received")
    listing.add_argument("--all", action="store_true", help="include withdrawn grants")
    add_format(listing)
    listing.set_defaults(func=run_grants_list)

    audit = subparsers.add_parser("audit", help="who viewed or exported an athlete's data")
    audit.add_argument("--athlete", metavar="NAME")
    add_format(audit)
    audit.set_defaults(func=run_audit)

    acct = subparsers.add_parser("account", help="export or delete all of an athlete's data")
    commands = acct.add_subparsers(dest="account_command", metavar="COMMAND", required=True)
    export = commands.add_parser("export", help="a zip of CSVs with every record and sample")
    export.add_argument("--athlete", required=True, metavar="NAME")
    export.add_argument("--out", required=True, metavar="FILE.zip")
    export.set_defaults(func=run_export)
    delete = commands.add_parser("delete", help="delete every record of the athlete (final)")
    delete.add_argument("--athlete", required=True, metavar="NAME")
    delete.add_argument("--confirm", required=True, metavar="NAME",
                        help="the athlete's name again")
    delete.set_defaults(func=run_delete)
