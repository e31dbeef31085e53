"""Helpers shared by the CLI commands: opening the store, dates, output formats."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterable
from typing import Any

import pandas as pd

from etl.store import Store

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_DENIED = 0, 1, 2, 3


class UsageError(Exception):
    """A command-line problem the user can fix (exit code 2)."""


def open_store(args: argparse.Namespace, *, demo: bool = False) -> Store:
    """Open the store named by ``--db`` / ``LOADWATCH_DB`` (or the demo store)."""
    store = Store.open(getattr(args, "db", None), demo=demo)
    user = getattr(args, "as_user", None)
    if not user and not demo:
        from etl.store.access import DeploymentSettings

        if DeploymentSettings.from_env().mode == "server":
            raise UsageError("server mode (LOADWATCH_MODE=server): say who you are with --as USER")
    if user:
        from etl.store.access import principal_for  # server mode: act as a named user

        store = store.as_principal(principal_for(store, user))
    return store


def parse_date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{option} {text!r} is not a date; use YYYY-MM-DD") from None


def add_athletes_and_period(parser: argparse.ArgumentParser) -> None:
    """The ``--athlete`` (repeatable), ``--since`` and ``--until`` options of the reports."""
    parser.add_argument("--athlete", action="append", metavar="NAME",
                        help="athlete to show (repeatable; default: every athlete)")
    parser.add_argument("--since", metavar="DATE", help="first day to show (YYYY-MM-DD)")
    parser.add_argument("--until", metavar="DATE",
                        help="last day to show (YYYY-MM-DD; default: today)")


def add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table",
                        help="output format (default: a readable table)")


def _jsonable(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if hasattr(value, "item"):
        return _jsonable(value.item())
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """A frame as a list of flat JSON-ready objects (ISO 8601 dates, NaN as null)."""
    return [{k: _jsonable(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]


def emit(frame: pd.DataFrame, fmt: str, *, out: Any = None) -> None:
    """Write ``frame`` to stdout as a table, JSON list of objects, or CSV."""
    out = out or sys.stdout
    if fmt == "json":
        json.dump(records(frame), out, indent=1, ensure_ascii=False)
        out.write("\n")
    elif fmt == "csv":
        from etl.csv_safety import neutralise_frame

        neutralise_frame(frame).to_csv(out, index=False)
    elif frame.empty:
        out.write("(nothing to show)\n")
    else:
        with pd.option_context("display.max_rows", 500, "display.max_columns", 40,
                               "display.width", 200):
            out.write(frame.to_string(index=False) + "\n")


def progress(items: Iterable[Any], total: int, label: str) -> Iterable[Any]:
    """Yield ``items`` while drawing a progress bar on stderr (only when stderr is a TTY)."""
    tty = sys.stderr.isatty()
    for done, item in enumerate(items, start=1):
        yield item
        if tty:
            width = 30
            filled = int(width * done / max(total, 1))
            sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            sys.stderr.flush()
        elif done == total or done % 100 == 0:
            sys.stderr.write(f"{label}: {done}/{total}\n")
    if tty and total:
        sys.stderr.write("\n")
