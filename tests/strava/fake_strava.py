"""A fake Strava API on 127.0.0.1 for the tests (stdlib http.server in a thread).

Shapes follow Strava's API v3 (SummaryActivity, DetailedActivity, StreamSet keyed by type,
the OAuth token answers and error bodies) as seen in the recorded bodies under
``shared/fixtures/strava_api`` and stravalib's swagger; values are generated
deterministically. The server enforces rate limits per 15-minute window and UTC day on a
clock the test controls, records every request that arrives while a window is already full
(``violations``), and can be told to fail: status codes (429, 401, 5xx), timeouts, malformed
JSON, wrong shapes; activities can be deleted or have their sport type changed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

CLIENT_ID = 4242
CLIENT_SECRET = "fake-client-secret"
STRAVA_ATHLETE_ID = 26462176
TIMEZONES = (("(GMT+01:00) Europe/Amsterdam", 3600), ("(GMT-05:00) America/New_York", -18000),
             ("(GMT+00:00) Europe/London", 0))
SPORTS = (("Run", 0.55), ("TrailRun", 0.1), ("Ride", 0.15), ("Walk", 0.1), ("Swim", 0.05),
          ("Pickleball", 0.05))


class FakeClock:
    """A clock tests move by hand; ``sleep`` advances it instantly."""

    def __init__(self, start: float) -> None:
        self.now = float(start)
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += max(0.0, seconds)


def _iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate_history(count: int, *, end: dt.datetime, seed: int = 5,
                     run_fraction: float | None = None, manual_every: int = 37,
                     athlete_id: int = STRAVA_ATHLETE_ID) -> list[dict[str, Any]]:
    """``count`` summaries, one every ~26 h back from ``end``, ids rising with time.

    ``run_fraction`` overrides the sport mix (runs vs rides); every ``manual_every``-th
    activity is a manual entry (no device, no streams).
    """
    rng = random.Random(seed)
    out = []
    moment = end
    for index in range(count):
        moment -= dt.timedelta(hours=20 + rng.random() * 12)
        if run_fraction is None:
            sport = rng.choices([s for s, _ in SPORTS], [w for _, w in SPORTS])[0]
        else:
            sport = "Run" if rng.random() < run_fraction else "Ride"
        zone, offset = TIMEZONES[index % len(TIMEZONES)]
        distance = round(3000 + rng.random() * 15000, 1)
        moving = int(distance / (2.5 + rng.random()))
        is_run = sport in ("Run", "TrailRun")
        manual = manual_every > 0 and index % manual_every == manual_every - 1
        out.append({
            "resource_state": 2, "athlete": {"id": athlete_id, "resource_state": 1},
            "name": f"{sport} {index}", "distance": distance, "moving_time": moving,
            "elapsed_time": moving + rng.randrange(0, 300),
            "total_elevation_gain": round(rng.random() * 200, 1), "type": sport,
            "sport_type": sport, "workout_type": 0 if is_run else None,
            "id": 10_000_000_000 + count - index,
            "start_date": _iso(moment),
            "start_date_local": _iso(moment + dt.timedelta(seconds=offset)),
            "timezone": zone, "utc_offset": float(offset), "location_city": None,
            "location_state": None, "location_country": None, "achievement_count": 0,
            "kudos_count": rng.randrange(0, 9), "comment_count": 0, "athlete_count": 1,
            "photo_count": 0, "trainer": False, "commute": False, "manual": manual,
            "private": False, "visibility": "everyone", "flagged": False, "gear_id": None,
            "start_latlng": [], "end_latlng": [], "average_speed": round(distance / moving, 3),
            "max_speed": 6.0,
            "average_cadence": None if manual else round(80 + rng.random() * 12, 1),
            "has_heartrate": not manual, "average_heartrate": None if manual else 150.0,
            "max_heartrate": None if manual else 175.0, "heartrate_opt_out": False,
            "display_hide_heartrate_option": False, "elev_high": 50.0, "elev_low": 10.0,
            "upload_id": None if manual else 20_000_000_000 + index,
            "upload_id_str": None if manual else str(20_000_000_000 + index),
            "external_id": None if manual else f"garmin_{index}.fit", "from_accepted_tag": False,
            "pr_count": 0, "total_photo_count": 0, "has_kudoed": False,
            "suffer_score": None if manual else float(rng.randrange(10, 200)),
            "map": {"id": f"a{10_000_000_000 + count - index}", "summary_polyline": "",
                    "resource_state": 2},
        })
    return out


@dataclass
class Fault:
    """Make the next ``times`` requests whose path matches ``pattern`` fail as ``kind``."""

    pattern: str
    kind: str  # "status", "timeout", "malformed", "shape"
    status: int = 500
    times: int = 1
    body: Any = None


@dataclass
class Subscription:
    id: int
    callback_url: str
    created_at: str


@dataclass
class Tokens:
    access: dict[str, float] = field(default_factory=dict)
    refresh: set[str] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)


class FakeStrava:
    """The fake server; :meth:`start` binds 127.0.0.1 on a free port (``base_url``)."""

    def __init__(self, *, activities: list[dict[str, Any]] | None = None,
                 clock: Callable[[], float] = time.time, limits: tuple[int, int] = (200, 2000),
                 read_limits: tuple[int, int] = (100, 1000), token_lifetime_s: float = 21600,
                 stream_samples: int = 20, timeout_delay_s: float = 0.6,
                 request_delay_s: float = 0.0) -> None:
        self.clock = clock
        self.limits = limits
        self.read_limits = read_limits
        self.token_lifetime_s = token_lifetime_s
        self.stream_samples = stream_samples
        self.timeout_delay_s = timeout_delay_s
        self.request_delay_s = request_delay_s
        self.activities: dict[int, dict[str, Any]] = {a["id"]: a for a in activities or []}
        self.deleted: set[int] = set()
        self.faults: list[Fault] = []
        self.tokens = Tokens()
        self.subscriptions: dict[int, Subscription] = {}
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        self.usage: Counter[tuple[str, int]] = Counter()
        self.violations: list[str] = []
        self.lock = threading.RLock()
        self.server: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> FakeStrava:
        fake = self

        class Handler(_Handler):
            strava = fake

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    @property
    def base_url(self) -> str:
        if self.server is None:
            raise RuntimeError("start the fake server first")
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    # -- controls ----------------------------------------------------------------------
    def fail(self, pattern: str, kind: str, *, status: int = 500, times: int = 1,
             body: Any = None) -> None:
        with self.lock:
            self.faults.append(Fault(pattern, kind, status, times, body))

    def delete(self, activity_id: int) -> None:
        with self.lock:
            self.deleted.add(activity_id)

    def change_sport(self, activity_id: int, sport: str) -> None:
        with self.lock:
            self.activities[activity_id]["sport_type"] = sport
            self.activities[activity_id]["type"] = sport

    def add(self, summary: dict[str, Any]) -> None:
        with self.lock:
            self.activities[summary["id"]] = summary

    def issue_code(self) -> str:
        code = secrets.token_hex(8)
        with self.lock:
            self.tokens.codes.add(code)
        return code

    def issue_tokens(self) -> dict[str, Any]:
        access, refresh = secrets.token_hex(12), secrets.token_hex(12)
        expires_at = int(self.clock() + self.token_lifetime_s)
        with self.lock:
            self.tokens.access[access] = expires_at
            self.tokens.refresh.add(refresh)
        return {"token_type": "Bearer", "access_token": access, "refresh_token": refresh,
                "expires_at": expires_at, "expires_in": int(self.token_lifetime_s)}

    def expire_access_tokens(self) -> None:
        with self.lock:
            for token in self.tokens.access:
                self.tokens.access[token] = 0

    def revoke(self) -> None:
        with self.lock:
            self.tokens = Tokens(codes=self.tokens.codes)

    def counts(self) -> Counter[str]:
        """Requests by kind: list, detail, streams, athlete, token, subscriptions."""
        kinds: Counter[str] = Counter()
        for _, path, _ in self.requests:
            if path == "/api/v3/athlete/activities":
                kinds["list"] += 1
            elif re.fullmatch(r"/api/v3/activities/\d+", path):
                kinds["detail"] += 1
            elif re.fullmatch(r"/api/v3/activities/\d+/streams", path):
                kinds["streams"] += 1
            elif path.startswith("/oauth/"):
                kinds["token"] += 1
            else:
                kinds["other"] += 1
        return kinds

    def visible(self) -> list[dict[str, Any]]:
        with self.lock:
            return [a for i, a in self.activities.items() if i not in self.deleted]

    # -- rate limits -------------------------------------------------------------------
    def _windows(self) -> tuple[int, int]:
        now = self.clock()
        return math.floor(now / 900), math.floor(now / 86400)

    def _headers(self) -> dict[str, str]:
        window, day = self._windows()
        short, daily = self.usage[("w", window)], self.usage[("d", day)]
        return {"X-Ratelimit-Limit": f"{self.limits[0]},{self.limits[1]}",
                "X-Ratelimit-Usage": f"{short},{daily}",
                "X-Readratelimit-Limit": f"{self.read_limits[0]},{self.read_limits[1]}",
                "X-Readratelimit-Usage": f"{short},{daily}"}

    def count_request(self, label: str) -> bool:
        """Count an API request; False (and a violation) when a window was already full."""
        window, day = self._windows()
        short, daily = self.usage[("w", window)], self.usage[("d", day)]
        limit_short = min(self.limits[0], self.read_limits[0])
        limit_daily = min(self.limits[1], self.read_limits[1])
        if short >= limit_short or daily >= limit_daily:
            self.violations.append(f"{label} at usage {short},{daily}")
            return False
        self.usage[("w", window)] += 1
        self.usage[("d", day)] += 1
        return True

    # -- bodies ------------------------------------------------------------------------
    def detail(self, activity_id: int) -> dict[str, Any]:
        summary = dict(self.activities[activity_id])
        summary.update({"resource_state": 3, "description": None, "calories": 600.0,
                        "perceived_exertion": None if activity_id % 3 else 6.0,
                        "prefer_perceived_exertion": False,
                        "device_name": None if summary["manual"] else "Garmin Forerunner 255",
                        "embed_token": "x", "splits_metric": [], "laps": [],
                        "segment_efforts": [], "best_efforts": [], "photos": {}})
        return summary

    def streams(self, activity_id: int, keys: list[str]) -> dict[str, Any]:
        n = self.stream_samples
        summary = self.activities[activity_id]
        step = summary["elapsed_time"] / max(n - 1, 1)
        series = {
            "time": [round(i * step) for i in range(n)],
            "distance": [round(summary["distance"] * i / (n - 1), 1) for i in range(n)],
            "altitude": [10.0 + (i % 5) for i in range(n)],
            "heartrate": [140 + i % 20 for i in range(n)],
            "cadence": [85 + i % 3 for i in range(n)],
            "velocity_smooth": [round(summary["average_speed"], 2)] * n,
            "grade_smooth": [round(0.5 * (i % 4), 1) for i in range(n)],
            "moving": [True] * n,
        }
        return {k: {"data": series[k], "series_type": "distance", "original_size": n,
                    "resolution": "high"} for k in keys if k in series}


def _error_body(message: str, resource: str = "Activity", field_name: str = "id",
                code: str = "invalid") -> dict[str, Any]:
    return {"message": message,
            "errors": [{"resource": resource, "field": field_name, "code": code}]}


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that timed out and hung up is expected here (timeout faults)."""


class _Handler(BaseHTTPRequestHandler):
    strava: FakeStrava
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        return

    def _send(self, status: int, payload: Any, *, raw: bytes | None = None,
              headers: dict[str, str] | None = None) -> None:
        body = raw if raw is not None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _form(self) -> dict[str, list[str]]:
        length = int(self.headers.get("Content-Length") or 0)
        return parse_qs(self.rfile.read(length).decode()) if length else {}

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_DELETE(self) -> None:
        self._route("DELETE")

    def _fault(self, path: str) -> Fault | None:
        fake = self.strava
        with fake.lock:
            for fault in fake.faults:
                if fault.times > 0 and re.fullmatch(fault.pattern, path):
                    fault.times -= 1
                    return fault
        return None

    def _route(self, method: str) -> None:
        fake = self.strava
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        form = self._form() if method in ("POST", "DELETE") else {}
        with fake.lock:
            fake.requests.append((method, path, query))
        if fake.request_delay_s:
            time.sleep(fake.request_delay_s)
        if path.startswith("/oauth/"):
            self._oauth(method, path, query, form)
            return
        fault = self._fault(path)
        with fake.lock:
            injected_429 = fault is not None and fault.kind == "status" and fault.status == 429
            allowed = injected_429 or fake.count_request(f"{method} {path}")
            headers = fake._headers()
        if not allowed:
            self._send(429, {"errors": "Rate Limit Exceeded", "status": 429,
                             "message": "Too Many Requests"}, headers=headers)
            return
        if fault is not None:
            if fault.kind == "timeout":
                time.sleep(fake.timeout_delay_s)
                self._send(504, _error_body("Gateway Timeout"), headers=headers)
                return
            if fault.kind == "malformed":
                self._send(200, None, raw=b'{"id": 1, "name": "trunc', headers=headers)
                return
            if fault.kind == "shape":
                self._send(200, fault.body, headers=headers)
                return
            if fault.status == 429:
                full = {k: v for k, v in headers.items()}
                full["X-Readratelimit-Usage"] = f"{fake.read_limits[0]},{fake.read_limits[0]}"
                self._send(429, {"errors": "Rate Limit Exceeded", "status": 429,
                                 "message": "Too Many Requests"}, headers=full)
                return
            self._send(fault.status, _error_body("Fault injected", "Application", ""),
                       headers=headers)
            return
        if path.startswith("/api/v3/push_subscriptions"):
            self._subscriptions(method, path, query, form, headers)
            return
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        with fake.lock:
            expires = fake.tokens.access.get(token)
        if expires is None or expires <= fake.clock():
            self._send(401, _error_body("Authorization Error", "Application", "", "invalid"),
                       headers=headers)
            return
        self._api(path, query, headers)

    def _api(self, path: str, query: dict[str, list[str]], headers: dict[str, str]) -> None:
        fake = self.strava
        if path == "/api/v3/athlete":
            self._send(200, {"id": STRAVA_ATHLETE_ID, "resource_state": 3, "firstname": "Ada",
                             "lastname": "Runner", "sex": "F"}, headers=headers)
            return
        if path == "/api/v3/athlete/activities":
            self._send(200, self._page(query), headers=headers)
            return
        match = re.fullmatch(r"/api/v3/activities/(\d+)(/streams)?", path)
        if match:
            activity_id = int(match.group(1))
            with fake.lock:
                missing = activity_id not in fake.activities or activity_id in fake.deleted
            if missing:
                self._send(404, _error_body("Record Not Found"), headers=headers)
                return
            if match.group(2):
                keys = (query.get("keys") or [""])[0].split(",")
                self._send(200, fake.streams(activity_id, keys), headers=headers)
            else:
                self._send(200, fake.detail(activity_id), headers=headers)
            return
        self._send(404, _error_body("Record Not Found", "Path", "path"), headers=headers)

    def _page(self, query: dict[str, list[str]]) -> list[dict[str, Any]]:
        def number(name: str, default: int | None) -> int | None:
            values = query.get(name)
            return int(values[0]) if values else default

        after, before = number("after", None), number("before", None)
        page, per_page = number("page", 1) or 1, min(number("per_page", 30) or 30, 200)
        items = []
        for summary in self.strava.visible():
            try:
                start = dt.datetime.fromisoformat(summary["start_date"]).timestamp()
            except (TypeError, ValueError):  # a deliberately broken summary sorts as oldest
                start = 0.0
            if after is not None and start <= after:
                continue
            if before is not None and start >= before:
                continue
            items.append((start, summary))
        items.sort(key=lambda pair: pair[0], reverse=after is None)
        chosen = items[(page - 1) * per_page: page * per_page]
        return [dict(s) for _, s in chosen]

    def _subscriptions(self, method: str, path: str, query: dict[str, list[str]],
                       form: dict[str, list[str]], headers: dict[str, str]) -> None:
        fake = self.strava
        params = {**query, **form}
        if (params.get("client_id") or [""])[0] != str(CLIENT_ID) or \
                (params.get("client_secret") or [""])[0] != CLIENT_SECRET:
            self._send(401, _error_body("Authorization Error", "Application", "client_id"),
                       headers=headers)
            return
        if method == "GET":
            subs = [{"id": s.id, "resource_state": 2, "application_id": CLIENT_ID,
                     "callback_url": s.callback_url, "created_at": s.created_at,
                     "updated_at": s.created_at} for s in fake.subscriptions.values()]
            self._send(200, subs, headers=headers)
            return
        if method == "POST":
            callback = (params.get("callback_url") or [""])[0]
            verify = (params.get("verify_token") or [""])[0]
            challenge = secrets.token_hex(8)
            try:
                answer = requests.get(callback, params={
                    "hub.mode": "subscribe", "hub.challenge": challenge,
                    "hub.verify_token": verify}, timeout=2)
                ok = answer.status_code == 200 and answer.json().get("hub.challenge") == challenge
            except (requests.RequestException, ValueError):
                ok = False
            if not ok:
                self._send(400, _error_body("Bad Request", "PushSubscription", "callback url",
                                            "GET to callback URL does not return 200"),
                           headers=headers)
                return
            sub = Subscription(120000 + len(fake.subscriptions) + 1, callback,
                               _iso(dt.datetime.fromtimestamp(fake.clock(), dt.UTC)))
            fake.subscriptions[sub.id] = sub
            self._send(201, {"id": sub.id, "resource_state": 2, "application_id": CLIENT_ID,
                             "callback_url": callback, "created_at": sub.created_at,
                             "updated_at": sub.created_at}, headers=headers)
            return
        match = re.fullmatch(r"/api/v3/push_subscriptions/(\d+)", path)
        if method == "DELETE" and match and int(match.group(1)) in fake.subscriptions:
            del fake.subscriptions[int(match.group(1))]
            self._send(204, None, raw=b"", headers=headers)
            return
        self._send(404, _error_body("Record Not Found", "PushSubscription"), headers=headers)

    def _oauth(self, method: str, path: str, query: dict[str, list[str]],
               form: dict[str, list[str]]) -> None:
        fake = self.strava

        def one(params: dict[str, list[str]], name: str) -> str:
            return (params.get(name) or [""])[0]

        if path == "/oauth/authorize" and method == "GET":
            target = one(query, "redirect_uri")
            code = fake.issue_code()
            location = target + "?" + urlencode({"state": one(query, "state"), "code": code,
                                                 "scope": one(query, "scope")})
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/oauth/deauthorize" and method == "POST":
            fake.revoke()
            self._send(200, {"access_token": "revoked"})
            return
        if path != "/oauth/token" or method != "POST":
            self._send(404, _error_body("Record Not Found", "Path", "path"))
            return
        if one(form, "client_id") != str(CLIENT_ID) or one(form, "client_secret") != CLIENT_SECRET:
            self._send(400, _error_body("Bad Request", "Application", "client_id"))
            return
        grant = one(form, "grant_type")
        with fake.lock:
            if grant == "authorization_code" and one(form, "code") in fake.tokens.codes:
                fake.tokens.codes.discard(one(form, "code"))
                answer = fake.issue_tokens()
                answer["athlete"] = {"id": STRAVA_ATHLETE_ID, "resource_state": 2,
                                     "firstname": "Ada", "lastname": "Runner"}
                self._send(200, answer)
                return
            if grant == "refresh_token" and one(form, "refresh_token") in fake.tokens.refresh:
                fake.tokens.refresh.discard(one(form, "refresh_token"))
                self._send(200, fake.issue_tokens())
                return
        field_name = "code" if grant == "authorization_code" else "refresh_token"
        self._send(400, _error_body("Bad Request", "RefreshToken" if field_name ==
                                    "refresh_token" else "AuthorizationCode", field_name))
