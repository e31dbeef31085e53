"""Entry point of the ``loadwatch`` command (DESIGN.md section 11).

Each command group lives in its own module with a ``register(subparsers)`` function that adds
its sub-commands and sets ``func`` (returning the exit code) on them.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from etl.errors import AccessDenied, ConfigurationError, LoadwatchETLError
from loadwatch import __version__
from loadwatch.cli.common import EXIT_DENIED, EXIT_PARTIAL, EXIT_USAGE, UsageError

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


def build_parser() -> argparse.ArgumentParser:
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
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
