"""``loadwatch demo`` (build the synthetic demo store and serve the dashboard on it) and
``loadwatch dashboard`` (serve the dashboard on the configured store)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from etl.demo.build import DemoSummary, build_demo_store, summarise_store
from etl.demo.profiles import SYNTHETIC_LABEL
from etl.demo.simulate import SquadConfig
from etl.store import Store
from etl.store.engine import ENV_DB
from loadwatch.cli.common import EXIT_OK, UsageError, open_store

DEFAULT_PORT = 8501
PORT_SEARCH = 20
APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
ENV_DEMO = "LOADWATCH_DEMO"


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = subparsers.add_parser(
        "demo", help="build the synthetic demo database and serve the dashboard on it",
        description="Build a synthetic squad (its own database, never mixed with real data) "
        "and serve the dashboard on it. Everything in it is synthetic.")
    demo.add_argument("--port", type=int, help=f"dashboard port (default {DEFAULT_PORT}, or "
                      "the next free one)")
    demo.add_argument("--athletes", type=int, default=24, help="runners to simulate (default 24)")
    length = demo.add_mutually_exclusive_group()
    length.add_argument("--years", type=float, default=2.0,
                        help="years of history ending yesterday (default 2)")
    length.add_argument("--days", type=int, help="days of history ending yesterday")
    demo.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    demo.add_argument("--rebuild", action="store_true",
                      help="delete the demo database and build it again")
    demo.add_argument("--no-serve", action="store_true",
                      help="build (when missing), print the summary and exit")
    demo.set_defaults(func=run_demo)

    dashboard = subparsers.add_parser("dashboard", help="serve the dashboard on the configured "
                                      "store (--db or LOADWATCH_DB)")
    dashboard.add_argument("--port", type=int, help=f"port (default {DEFAULT_PORT}, or the next "
                           "free one)")
    dashboard.set_defaults(func=run_dashboard)


def _config(args: argparse.Namespace) -> SquadConfig:
    if args.athletes < 1:
        raise UsageError(f"--athletes {args.athletes}: give at least 1")
    years = args.days / 365.25 if args.days is not None else args.years
    if years * 365.25 < 28:
        raise UsageError("the demo needs at least 28 days of history (--days 28 or more)")
    end = dt.date.today() - dt.timedelta(days=1)
    return SquadConfig(end_date=end, athletes=args.athletes, years=years, seed=args.seed)


def _demo_file(store: Store) -> Path | None:
    database = store.engine.url.database
    if store.engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(database)


def _rebuild(args: argparse.Namespace) -> None:
    if args.db:
        raise UsageError(
            f"--rebuild only deletes the demo's own database, not {args.db!r}; give an empty "
            "database with --db, or leave out --db to rebuild the default demo")
    store = Store.open(None, demo=True)
    path = _demo_file(store)
    store.engine.dispose()
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


def _check_port(port: int | None) -> None:
    if port is not None and not 1 <= port <= 65535:
        raise UsageError(f"--port {port} is not a port number (1-65535)")


def run_demo(args: argparse.Namespace) -> int:
    _check_port(args.port)
    config = _config(args)
    if args.rebuild:
        _rebuild(args)
    store = Store.open(args.db, demo=True)
    if store.activity_count() == 0:
        print(f"Building the {SYNTHETIC_LABEL} demo squad ({config.athletes} runners, "
              f"{config.days} days)...", file=sys.stderr)
        summary = build_demo_store(store, config, progress=_progress)
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        print(f"Built in {summary.seconds:.1f} s.", file=sys.stderr)
        _warm_metrics(store)
    else:
        summary = summarise_store(store)
        if summary.athletes == 0:
            print(f"{store.url} already holds data and none of it is synthetic; serving it as "
                  "it is.", file=sys.stderr)
    _print_summary(summary)
    if args.no_serve:
        return EXIT_OK
    return serve(store, args.port, demo=True)


def _warm_metrics(store: Store) -> None:
    """Compute the per-run stream metrics once now (they are cached in the store), so that the
    dashboard's first page does not have to."""
    from loadwatch.analysis import analyse

    started = time.perf_counter()
    print("Computing the training metrics of every run (once)...", file=sys.stderr)
    analyse(store, with_flags=False)
    print(f"Done in {time.perf_counter() - started:.1f} s.", file=sys.stderr)


def _print_summary(summary: DemoSummary) -> None:
    for line in summary.lines():
        print(line)


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        sys.stderr.write(f"\rstoring activities: {done}/{total}")
        sys.stderr.flush()


def run_dashboard(args: argparse.Namespace) -> int:
    store = open_store(args)
    return serve(store, args.port, demo=False)


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def choose_port(requested: int | None) -> int:
    """``requested`` if free (else a usage error), or the first free port from 8501 on."""
    if requested is not None:
        _check_port(requested)
        if not port_is_free(requested):
            raise UsageError(f"port {requested} is in use; choose another with --port")
        return requested
    for port in range(DEFAULT_PORT, DEFAULT_PORT + PORT_SEARCH):
        if port_is_free(port):
            return port
    raise UsageError(f"ports {DEFAULT_PORT}-{DEFAULT_PORT + PORT_SEARCH - 1} are all in use; "
                     "choose one with --port")


def serve(store: Store, port: int | None, *, demo: bool) -> int:
    """Run ``streamlit run dashboard/app.py`` on 127.0.0.1 with the store URL in the env."""
    if not APP.is_file():
        print(f"The dashboard ({APP.name}) is not there yet; the store is ready at {store.url}.",
              file=sys.stderr)
        return EXIT_OK
    chosen = choose_port(port)
    env = dict(os.environ)
    env[ENV_DB] = store.engine.url.render_as_string(hide_password=False)
    if demo:
        env[ENV_DEMO] = "1"
    command = [sys.executable, "-m", "streamlit", "run", str(APP), "--server.address",
               "127.0.0.1", "--server.port", str(chosen), "--server.headless", "true",
               "--browser.gatherUsageStats", "false"]
    print(f"Serving the dashboard at http://127.0.0.1:{chosen} (Ctrl+C to stop)", file=sys.stderr)
    return subprocess.call(command, env=env)
