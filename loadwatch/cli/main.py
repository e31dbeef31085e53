"""Entry point of the ``loadwatch`` command (DESIGN.md section 11).

Each command group lives in its own module with a ``register(subparsers)`` function that adds
its sub-commands and sets ``func`` (returning the exit code) on them. Only the module of the
command being run is imported (start-up stays fast); ``--help`` and unknown commands import all.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from etl.errors import AccessDenied, ConfigurationError, LoadwatchETLError
from loadwatch import __version__
from loadwatch.cli.common import EXIT_DENIED, EXIT_PARTIAL, EXIT_USAGE, UsageError

# The command modules, and the top-level commands each one registers.
COMMANDS: dict[str, tuple[str, ...]] = {
    "loadwatch.cli.demo_cmds": ("demo", "dashboard"),
    "loadwatch.cli.import_cmds": ("import", "activities"),
    "loadwatch.cli.risk_cmds": ("risk",),
    "loadwatch.cli.flags_cmds": ("flags",),
    "loadwatch.cli.log_cmds": ("log",),
    "loadwatch.cli.strava_cmds": ("strava",),
    "loadwatch.cli.model_cmds": ("model",),
    "loadwatch.cli.report_cmds": ("report",),
    "loadwatch.cli.access_cmds": ("users", "grants", "audit", "account"),
}
COMMAND_MODULES = (
    "loadwatch.cli.demo_cmds",
    "loadwatch.cli.import_cmds",
    "loadwatch.cli.risk_cmds",
    "loadwatch.cli.flags_cmds",
    "loadwatch.cli.log_cmds",
    "loadwatch.cli.strava_cmds",
    "loadwatch.cli.model_cmds",
    "loadwatch.cli.report_cmds",
    "loadwatch.cli.access_cmds",
)


_GLOBAL_OPTIONS_WITH_VALUE = ("--db", "--as")


def command_of(argv: list[str]) -> str | None:
    """The top-level command named in ``argv`` (skipping global options and their values)."""
    tokens = iter(argv)
    for token in tokens:
        if token in _GLOBAL_OPTIONS_WITH_VALUE:
            next(tokens, None)
        elif not token.startswith("-"):
            return token
    return None


def modules_for(command: str | None) -> tuple[str, ...]:
    """The command modules to import for ``command`` (all of them when it is not known)."""
    owner = [name for name, commands in COMMANDS.items() if command in commands]
    return tuple(owner) if owner else COMMAND_MODULES


def build_parser(modules: tuple[str, ...] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loadwatch",
        description="Training-load monitoring and injury-risk dashboard for runners. "
        "Not a medical device; not a diagnosis.",
    )
    parser.add_argument("--version", action="version", version=f"loadwatch {__version__}")
    parser.add_argument("--db", metavar="URL",
                        help="SQLAlchemy database URL (default: $LOADWATCH_DB or the SQLite "
                        "file in your user data directory)")
    parser.add_argument("--as", dest="as_user", metavar="USER",
                        help="server mode: run as this user (access rules apply)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    parser = build_parser(modules_for(command_of(arguments)))
    args = parser.parse_args(arguments)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code = int(args.func(args) or 0)
    except UsageError as exc:
        print(f"loadwatch: {exc}", file=sys.stderr)
        code = EXIT_USAGE
    except AccessDenied as exc:
        print(f"loadwatch: access denied: {exc}", file=sys.stderr)
        code = EXIT_DENIED
    except ConfigurationError as exc:
        print(f"loadwatch: {exc}", file=sys.stderr)
        code = EXIT_USAGE
    except LoadwatchETLError as exc:
        print(f"loadwatch: {exc}", file=sys.stderr)
        code = EXIT_PARTIAL
    except KeyboardInterrupt:
        print("loadwatch: interrupted; everything stored so far is kept", file=sys.stderr)
        code = 130
    if argv is None:
        sys.exit(code)
    return code


if __name__ == "__main__":
    main()
