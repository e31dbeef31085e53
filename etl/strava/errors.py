"""Errors of the Strava sync, all subclasses of :class:`etl.errors.StravaError`.

Each message names the request (method and path, never a token) and says what to do.
"""

from __future__ import annotations

import datetime as dt

from etl.errors import StravaError


class RateLimitExceeded(StravaError):
    """Strava's request budget is used up and the caller asked not to wait.

    ``resume_at`` is the (UTC) time at which the exhausted window resets.
    """

    def __init__(self, request: str, resume_at: dt.datetime, window: str) -> None:
        self.request = request
        self.resume_at = resume_at
        self.window = window
        super().__init__(
            f"{request}: Strava's {window} request limit is used up; everything fetched so far "
            f"is stored. Run `loadwatch strava sync` again after "
            f"{resume_at.strftime('%Y-%m-%d %H:%M:%S')} UTC (or drop --no-wait to wait)."
        )


class ReconnectRequired(StravaError):
    """The stored tokens no longer work (revoked, deauthorised or never stored)."""

    def __init__(self, athlete: str, reason: str) -> None:
        self.athlete = athlete
        self.reason = reason
        super().__init__(
            f"Strava connection of athlete {athlete!r}: {reason}; reconnect with "
            f"`loadwatch strava connect --athlete {athlete!r}`"
        )


class StravaResponseError(StravaError):
    """Strava (or the configured base URL) answered with something unusable.

    ``status`` is the HTTP status when there was one (``None`` for timeouts and bodies that
    are not the JSON we expect).
    """

    def __init__(self, request: str, reason: str, status: int | None = None) -> None:
        self.request = request
        self.reason = reason
        self.status = status
        super().__init__(f"{request}: {reason}")


class OAuthError(StravaError):
    """The authorisation step failed: wrong state, denied access, missing scope, bad code."""


class NotFound(StravaResponseError):
    """Strava answered 404: the activity (or subscription) does not exist (any more)."""


class MalformedResponse(StravaResponseError):
    """The answer is not JSON, or not the shape Strava documents; nothing of it is stored."""
