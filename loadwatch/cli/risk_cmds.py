"""``loadwatch risk``: daily load and context metrics, one row per athlete-day."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

import pandas as pd

from loadwatch.analysis import UnknownAthleteError, analyse
from loadwatch.cli.common import (
    EXIT_OK,
    UsageError,
    add_athletes_and_period,
    add_format,
    emit,
    open_store,
    parse_date,
)
from risk.context import CONTEXT_COLUMNS, LOAD_MEASURES
from risk.errors import SettingsError

#: Columns of ``loadwatch risk`` (JSON and CSV); the table shows :data:`TABLE_COLUMNS`.
RISK_COLUMNS: tuple[str, ...] = (
    "athlete", "local_date", "load_status", "run_count", "session_count", "distance_km",
    "duration_min", "elevation_gain_m", "up_vert_m", "down_vert_m", "gap_distance_km",
    "time_above_threshold_min", "srpe_au", "trimp_au", "hrss_au", "rtss_au", "longest_run_km",
    "total_duration_min", "total_trimp_au", *CONTEXT_COLUMNS,
)
TABLE_COLUMNS: tuple[str, ...] = (
    "athlete", "local_date", "load_status", "distance_km", "acute_load",
    "chronic_load_uncoupled", "acwr_uncoupled", "acwr_coupled", "acwr_ewma", "acwr_state",
    "ctl", "atl", "tsb", "monotony", "week_change_pct",
)


def risk_rows(daily: pd.DataFrame, fmt: str) -> pd.DataFrame:
    """The daily frame cut to the command's columns (rounded for the table)."""
    if fmt == "table":
        frame = daily.reindex(columns=list(TABLE_COLUMNS))
        numeric = frame.select_dtypes("number").columns
        frame[numeric] = frame[numeric].round(2)
        return frame
    return daily.reindex(columns=list(RISK_COLUMNS))


def run_risk(args: argparse.Namespace) -> int:
    since = parse_date(args.since, "--since")
    until = parse_date(args.until, "--until") or dt.date.today()
    if since is not None and since > until:
        raise UsageError(f"--since {since} is after --until {until}; swap them")
    store = open_store(args)
    try:
        analysis = analyse(store, args.athlete or None, since=since, until=until,
                           load=args.load, with_flags=False)
    except (SettingsError, UnknownAthleteError) as exc:
        raise UsageError(str(exc)) from None
    if analysis.daily.empty:
        sys.stderr.write("loadwatch: no activities in this period; import some with "
                         "`loadwatch import PATH --athlete NAME`\n")
    emit(risk_rows(analysis.daily, args.format), args.format)
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    risk = subparsers.add_parser(
        "risk", help="daily load and context metrics (ACWR, CTL/ATL/TSB, monotony)",
        description="One row per athlete and day: loads, acute and chronic load, ACWR "
        "(uncoupled primary, coupled and EWMA for comparison), CTL/ATL/TSB, monotony, strain "
        "and weekly change. Context, not a validated risk score; not a medical device.")
    add_athletes_and_period(risk)
    risk.add_argument("--load", choices=LOAD_MEASURES, default="distance_km", metavar="MEASURE",
                      help="load measure of the acute/chronic metrics: "
                      f"{', '.join(LOAD_MEASURES)} (default: distance_km)")
    add_format(risk)
    risk.set_defaults(func=run_risk)
