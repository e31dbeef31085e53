"""``loadwatch strava ...``: connect, sync, status, process-events, webhook, subscription,
disconnect. A thin shell over :mod:`etl.strava`; progress and waits go to stderr."""

from __future__ import annotations

import argparse
import sys
import webbrowser

import pandas as pd

from etl.errors import StravaError
from etl.store import strava_state as state
from etl.strava import status as strava_status
from etl.strava.client import StravaClient, Transport
from etl.strava.config import load_settings
from etl.strava.connect import disconnect, exchange_code
from etl.strava.events import process_events
from etl.strava.oauth import authorization_url, new_state, wait_for_callback
from etl.strava.ratelimit import RateLimitPlanner
from etl.strava.sync import Progress, SyncReport, sync
from etl.strava.webhook import make_server
from loadwatch.cli.common import EXIT_OK, EXIT_PARTIAL, UsageError, add_format, emit, open_store


def _err(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _connect(args: argparse.Namespace) -> int:
    store = open_store(args)
    settings = load_settings()
    scopes: tuple[str, ...] = ()
    code = args.code
    if not code:
        redirect = f"http://127.0.0.1:{args.port}/callback" if args.port else settings.redirect_uri
        oauth_state = new_state()
        url = authorization_url(oauth_state, redirect_uri=redirect, settings=settings)
        sys.stdout.write(f"Open this address to connect loadwatch to Strava:\n{url}\n")
        sys.stdout.flush()
        if not args.no_browser:
            webbrowser.open(url)
        _err(f"waiting for Strava to redirect to {redirect} ...")
        result = wait_for_callback(oauth_state, redirect, timeout_s=args.timeout)
        code, scopes = result.code, result.scopes
    connection = exchange_code(store, args.athlete, code, scopes=scopes, settings=settings)
    sys.stdout.write(f"connected athlete {connection.athlete!r} to Strava athlete "
                     f"{connection.strava_athlete_id} (scopes {','.join(connection.scopes)}); "
                     f"run `loadwatch strava sync --athlete {connection.athlete!r}`\n")
    return EXIT_OK


def _progress(athlete: str) -> Progress:
    last = {"message": ""}

    def tell(done: int, total: int, message: str) -> None:
        if message != last["message"] or done % 50 == 0:
            _err(f"{athlete}: {message} {done}/{total}")
            last["message"] = message

    return tell


def _on_wait(seconds: float, window: str) -> None:
    minutes, secs = divmod(int(seconds), 60)
    _err(f"Strava's {window} request limit is used up; waiting {minutes} min {secs} s for the "
         "window to reset (Ctrl-C stops; everything stored so far is kept)")


def _summary(report: SyncReport) -> str:
    return (f"{report.athlete}: {report.inserted} new, {report.updated} updated, "
            f"{report.merged + report.duplicates} merged with other sources, {report.skipped} "
            f"unchanged, {report.deleted} deleted, {len(report.rejected)} rejected; "
            f"{report.requests} requests; history "
            f"{'complete' if report.backfill_complete else 'still backfilling'}")


def _sync(args: argparse.Namespace) -> int:
    store = open_store(args)
    if args.max_requests is not None and args.max_requests < 1:
        raise UsageError("--max-requests must be at least 1")
    athletes = [args.athlete] if args.athlete else [
        c.athlete for c in state.connections(store) if c.status == "active"]
    if not athletes:
        raise UsageError("no athlete is connected to Strava; run `loadwatch strava connect`")
    code = EXIT_OK
    for athlete in athletes:
        try:
            report = sync(store, athlete, full=args.full, progress=_progress(athlete),
                          max_requests=args.max_requests, wait=not args.no_wait,
                          on_wait=_on_wait)
        except StravaError as exc:
            if args.athlete:
                raise
            _err(f"loadwatch: {exc}")
            code = EXIT_PARTIAL
            continue
        sys.stdout.write(_summary(report) + "\n")
        for message in report.rejected:
            _err(f"rejected: {message}")
        if report.stopped:
            _err(report.stopped)
        if report.rejected or (report.stopped and report.resume_at is not None):
            code = EXIT_PARTIAL
    return code


def _status(args: argparse.Namespace) -> int:
    store = open_store(args)
    rows = [s.as_row() for s in strava_status(store, args.athlete)]
    frame = pd.DataFrame(rows)
    if args.format == "table" and not frame.empty:
        frame = frame.T.reset_index()
        frame.columns = ["field", *[str(r["athlete"]) for r in rows]]
    if frame.empty and args.format == "table":
        sys.stdout.write("no Strava connection; run `loadwatch strava connect`\n")
        return EXIT_OK
    emit(frame, args.format)
    return EXIT_OK


def _events(args: argparse.Namespace) -> int:
    store = open_store(args)
    report = process_events(store, wait=not args.no_wait)
    sys.stdout.write(f"{report.processed} events applied, {report.pending} still pending\n")
    for message in report.failed:
        _err(message)
    return EXIT_PARTIAL if report.failed else EXIT_OK


def _webhook(args: argparse.Namespace) -> int:
    store = open_store(args)
    token = args.verify_token or load_settings().verify_token
    if not token:
        raise UsageError("the webhook needs a verify token: pass --verify-token TOKEN or set "
                         "LOADWATCH_STRAVA_VERIFY_TOKEN")
    server = make_server(store, token, host=args.host, port=args.port)
    host, port = server.server_address[:2]
    _err(f"listening for Strava webhook events on http://{host!s}:{port} (Ctrl-C stops); "
         "apply them with `loadwatch strava process-events`")
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        _err(f"stopped; {server.recorded} events recorded")
    finally:
        server.server_close()
    return EXIT_OK


def _subscription(args: argparse.Namespace) -> int:
    settings = load_settings()
    client = StravaClient(settings, RateLimitPlanner(), transport=Transport())
    if args.action == "create":
        token = args.verify_token or settings.verify_token
        if not args.callback_url or not token:
            raise UsageError("subscription create needs --callback-url URL and a verify token "
                             "(--verify-token or LOADWATCH_STRAVA_VERIFY_TOKEN)")
        answer = client.create_subscription(args.callback_url, token)
        sys.stdout.write(f"created subscription {answer.get('id')} -> {args.callback_url}\n")
    elif args.action == "list":
        answer = client.list_subscriptions()
        emit(pd.DataFrame(answer if isinstance(answer, list) else [],
                          columns=["id", "callback_url", "created_at"]), args.format)
    else:
        if args.id is None:
            raise UsageError("subscription delete needs the subscription ID")
        client.delete_subscription(args.id)
        sys.stdout.write(f"deleted subscription {args.id}\n")
    return EXIT_OK


def _disconnect(args: argparse.Namespace) -> int:
    store = open_store(args)
    removed = disconnect(store, args.athlete)
    sys.stdout.write(f"disconnected {args.athlete!r}: tokens deleted, {removed} Strava API "
                     "activities removed (runs also imported from an export or file stay)\n")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    strava = subparsers.add_parser("strava", help="connect to Strava and sync activities")
    commands = strava.add_subparsers(dest="strava_command", metavar="COMMAND")

    connect = commands.add_parser("connect", help="authorise loadwatch to read your Strava "
                                  "activities (scopes read,activity:read_all)")
    connect.add_argument("--athlete", help="loadwatch athlete name (default: your Strava name)")
    connect.add_argument("--code", help="exchange this authorisation code instead of waiting "
                         "for the browser callback")
    connect.add_argument("--port", type=int, help="loopback callback port (default from "
                         "LOADWATCH_STRAVA_REDIRECT_URI or 8765)")
    connect.add_argument("--no-browser", action="store_true", help="only print the address")
    connect.add_argument("--timeout", type=float, default=300.0,
                         help="seconds to wait for the callback (default 300)")
    connect.set_defaults(func=_connect)

    run = commands.add_parser("sync", help="fetch new activities, then backfill history")
    run.add_argument("--athlete", help="only this athlete (default: every connected athlete)")
    run.add_argument("--full", action="store_true", help="walk the whole history again")
    run.add_argument("--no-wait", action="store_true", help="stop (exit 1, with the resume "
                     "time) instead of waiting when a rate-limit window is used up")
    run.add_argument("--max-requests", type=int, help="stop after about this many requests")
    run.set_defaults(func=_sync)

    show = commands.add_parser("status", help="connections, last sync, cursors, budget left")
    show.add_argument("--athlete")
    add_format(show)
    show.set_defaults(func=_status)

    events = commands.add_parser("process-events", help="apply recorded webhook events")
    events.add_argument("--no-wait", action="store_true")
    events.set_defaults(func=_events)

    hook = commands.add_parser("webhook", help="serve the Strava webhook endpoint")
    hook.add_argument("--port", type=int, default=8787)
    hook.add_argument("--host", default="127.0.0.1",
                      help="address to bind (default 127.0.0.1; put a TLS proxy in front)")
    hook.add_argument("--verify-token", help="default: LOADWATCH_STRAVA_VERIFY_TOKEN")
    hook.set_defaults(func=_webhook)

    sub = commands.add_parser("subscription", help="manage the webhook push subscription")
    sub.add_argument("action", choices=("create", "list", "delete"))
    sub.add_argument("id", nargs="?", type=int, help="subscription id (delete)")
    sub.add_argument("--callback-url")
    sub.add_argument("--verify-token")
    add_format(sub)
    sub.set_defaults(func=_subscription)

    drop = commands.add_parser("disconnect", help="revoke access and delete Strava API data")
    drop.add_argument("--athlete", required=True)
    drop.set_defaults(func=_disconnect)

    strava.set_defaults(func=lambda args: (strava.print_help(sys.stderr), 2)[1])
