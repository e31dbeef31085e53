"""Planning requests against Strava's rate limits.

Strava reports two limits on every API response, each as "15-minute,daily" pairs:
``X-RateLimit-Limit``/``X-RateLimit-Usage`` (overall; default 200 per 15 min, 2,000 per day)
and ``X-ReadRateLimit-Limit``/``X-ReadRateLimit-Usage`` (non-upload requests; default 100 and
1,000). The 15-minute windows reset at :00, :15, :30 and :45, the daily one at midnight UTC
(https://developers.strava.com/docs/rate-limits/). Header names are compared
case-insensitively (recorded responses say ``X-Readratelimit-Usage``).

:class:`RateLimitPlanner` counts every request it lets through, takes the server's figures
whenever a response carries them, and before each request either lets it go, waits for the
exhausted window to reset, or (``wait=False``) raises :class:`RateLimitExceeded` with the
resume time. Clock and sleep are injectable so tests can run many windows in seconds.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from etl.store.strava_state import RateUsage
from etl.strava.config import StravaSettings
from etl.strava.errors import RateLimitExceeded

SHORT_WINDOW_S = 900.0
DAY_S = 86400.0
DEFAULT_LIMITS = {"overall": (200, 2000), "read": (100, 1000)}
_HEADERS = {
    "overall": ("x-ratelimit-limit", "x-ratelimit-usage"),
    "read": ("x-readratelimit-limit", "x-readratelimit-usage"),
}


@dataclass(frozen=True)
class Budget:
    """Requests left in each window and when the windows reset (UTC)."""

    read_15min_left: int
    read_daily_left: int
    overall_15min_left: int
    overall_daily_left: int
    window_resets_at: dt.datetime
    day_resets_at: dt.datetime

    @property
    def requests_left(self) -> int:
        """Requests that may go out now before any window is exhausted."""
        return max(0, min(self.read_15min_left, self.read_daily_left,
                          self.overall_15min_left, self.overall_daily_left))


def _pair(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    parts = text.split(",")
    if len(parts) != 2:
        return None
    try:
        first, second = int(parts[0].strip()), int(parts[1].strip())
    except ValueError:
        return None
    return (first, second) if first >= 0 and second >= 0 else None


def parse_headers(headers: Mapping[str, str]) -> dict[str, tuple[tuple[int, int], tuple[int, int]]]:
    """``{"overall"|"read": ((limit_15min, limit_daily), (usage_15min, usage_daily))}``.

    Only the kinds whose limit and usage headers are both present and well formed appear.
    """
    lower = {str(k).lower(): str(v) for k, v in headers.items()}
    found = {}
    for kind, (limit_name, usage_name) in _HEADERS.items():
        limit, usage = _pair(lower.get(limit_name)), _pair(lower.get(usage_name))
        if limit is not None and usage is not None:
            found[kind] = (limit, usage)
    return found


def rate_key(settings: StravaSettings) -> str:
    """The key of the stored usage snapshot: limits apply per API application."""
    return f"{settings.base_url}#{settings.client_id or 0}"


def _utc(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


class RateLimitPlanner:
    """Decide before every request whether it may go out now.

    Parameters
    ----------
    clock
        Seconds since the epoch (UTC), ``time.time`` by default.
    sleep
        Called with the seconds to wait when a window is exhausted and ``wait`` is true.
    wait
        Wait for the reset (default) or raise :class:`RateLimitExceeded`.
    snapshot
        The usage last seen (e.g. by an earlier process), applied if still in its window.
    reserve
        Requests to leave unused in every window (for other clients of the same app).
    on_wait
        Told ``(seconds, window)`` before each wait, e.g. to print progress.
    """

    def __init__(self, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep, wait: bool = True,
                 snapshot: RateUsage | None = None, reserve: int = 0,
                 on_wait: Callable[[float, str], None] | None = None) -> None:
        self.clock = clock
        self.sleep = sleep
        self.wait = wait
        self.reserve = reserve
        self.on_wait = on_wait
        self.limits: dict[str, list[int]] = {k: list(v) for k, v in DEFAULT_LIMITS.items()}
        self.usage: dict[str, list[int]] = {k: [0, 0] for k in DEFAULT_LIMITS}
        self.sent = 0
        self.observed_at: float | None = None
        now = clock()
        self._window = math.floor(now / SHORT_WINDOW_S)
        self._day = math.floor(now / DAY_S)
        if snapshot is not None:
            self._apply_snapshot(snapshot)

    # -- bookkeeping -------------------------------------------------------------------
    def _apply_snapshot(self, snap: RateUsage) -> None:
        seen = snap.observed_at.timestamp()
        self.limits["overall"] = [snap.limit_15min, snap.limit_daily]
        self.limits["read"] = [snap.read_limit_15min, snap.read_limit_daily]
        same_window = math.floor(seen / SHORT_WINDOW_S) == self._window
        same_day = math.floor(seen / DAY_S) == self._day
        self.usage["overall"] = [snap.usage_15min if same_window else 0,
                                 snap.usage_daily if same_day else 0]
        self.usage["read"] = [snap.read_usage_15min if same_window else 0,
                              snap.read_usage_daily if same_day else 0]
        self.observed_at = seen

    def _roll(self, now: float) -> None:
        window, day = math.floor(now / SHORT_WINDOW_S), math.floor(now / DAY_S)
        if window != self._window:
            for counts in self.usage.values():
                counts[0] = 0
            self._window = window
        if day != self._day:
            for counts in self.usage.values():
                counts[1] = 0
            self._day = day

    def observe(self, headers: Mapping[str, str], method: str = "GET") -> None:
        """Take the limits and usage a response reports (the server's count wins)."""
        found = parse_headers(headers)
        if not found:
            return
        now = self.clock()
        self._roll(now)
        for kind, (limit, usage) in found.items():
            self.limits[kind] = list(limit)
            self.usage[kind] = list(usage)
        self.observed_at = now

    def snapshot(self) -> RateUsage:
        """The current figures, to persist for the next process."""
        seen = self.observed_at if self.observed_at is not None else self.clock()
        return RateUsage(
            limit_15min=self.limits["overall"][0], limit_daily=self.limits["overall"][1],
            usage_15min=self.usage["overall"][0], usage_daily=self.usage["overall"][1],
            read_limit_15min=self.limits["read"][0], read_limit_daily=self.limits["read"][1],
            read_usage_15min=self.usage["read"][0], read_usage_daily=self.usage["read"][1],
            observed_at=_utc(seen))

    def budget(self) -> Budget:
        now = self.clock()
        self._roll(now)
        left = {kind: (self.limits[kind][0] - self.usage[kind][0],
                       self.limits[kind][1] - self.usage[kind][1]) for kind in self.limits}
        return Budget(
            read_15min_left=max(0, left["read"][0]), read_daily_left=max(0, left["read"][1]),
            overall_15min_left=max(0, left["overall"][0]),
            overall_daily_left=max(0, left["overall"][1]),
            window_resets_at=_utc((math.floor(now / SHORT_WINDOW_S) + 1) * SHORT_WINDOW_S),
            day_resets_at=_utc((math.floor(now / DAY_S) + 1) * DAY_S))

    # -- planning ----------------------------------------------------------------------
    def _blocked_until(self, now: float) -> tuple[float, str] | None:
        resume: tuple[float, str] | None = None
        for kind in ("read", "overall"):
            label = "read" if kind == "read" else "overall"
            if self.usage[kind][1] + 1 > self.limits[kind][1] - self.reserve:
                at = (math.floor(now / DAY_S) + 1) * DAY_S
                if resume is None or at > resume[0]:
                    resume = (at, f"daily {label}")
            elif self.usage[kind][0] + 1 > self.limits[kind][0] - self.reserve:
                at = (math.floor(now / SHORT_WINDOW_S) + 1) * SHORT_WINDOW_S
                if resume is None or at > resume[0]:
                    resume = (at, f"15-minute {label}")
        return resume

    def before_request(self, request: str) -> None:
        """Block (or raise) until ``request`` fits in every window, then count it."""
        while True:
            now = self.clock()
            self._roll(now)
            blocked = self._blocked_until(now)
            if blocked is None:
                break
            resume_at, window = blocked
            if not self.wait:
                raise RateLimitExceeded(request, _utc(resume_at), window)
            seconds = resume_at - now + 1.0
            if self.on_wait is not None:
                self.on_wait(seconds, window)
            self.sleep(seconds)
        for counts in self.usage.values():
            counts[0] += 1
            counts[1] += 1
        self.sent += 1

    def on_429(self, headers: Mapping[str, str], request: str) -> None:
        """A 429 arrived: mark the exhausted window as full so the next request waits."""
        found = parse_headers(headers)
        self.observe(headers)
        exhausted = any(usage[1] >= limit[1] or usage[0] >= limit[0]
                        for limit, usage in found.values())
        if not exhausted:
            for kind in self.usage:
                self.usage[kind][0] = max(self.usage[kind][0], self.limits[kind][0])
