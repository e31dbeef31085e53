"""Incremental, resumable, rate-limit aware sync of one athlete's Strava activities.

State (table ``sync_state``): every activity that started in ``[backfill_before,
cursor_after]`` is stored. A sync run

1. processes the athlete's recorded webhook events and retries activities that failed before;
2. **catches up**: lists summaries after ``cursor_after`` minus an overlap (late uploads),
   newest first, fetches detail and streams of each new or changed run and stores it;
   ``cursor_after`` moves to the newest start in the transaction of the last row;
3. **backfills** older history newest first (``before=backfill_before``): each activity is
   stored in one transaction together with the moved ``backfill_before``; the very first sync
   is all backfill, so the most recent weeks arrive in the first 15-minute window.

A run that is killed at any point resumes where the cursors stand; activities whose summary
fingerprint is unchanged and that are stored are skipped without further requests, so
repeated listings cost one request per 200 summaries and never duplicate rows. Requests: one
list request per 200 summaries, one detail and one streams request per new or changed run
(manual runs: detail only), none for other sports (stored from the summary).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from etl.records import ParsedActivity, empty_streams
from etl.store import strava_state as state
from etl.store.store import Store
from etl.strava import mapping
from etl.strava.client import Credentials, StravaClient, Transport
from etl.strava.config import StravaSettings, load_settings
from etl.strava.connect import connection_row, credentials_for, forget_athlete
from etl.strava.errors import (
    MalformedResponse,
    NotFound,
    RateLimitExceeded,
    ReconnectRequired,
)
from etl.strava.ratelimit import RateLimitPlanner, rate_key

PER_PAGE = 200
IMPORT_LOG_INPUT = "Strava API sync"
DEFAULT_OVERLAP = dt.timedelta(days=3)
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class SyncReport:
    """What one sync run did.

    ``stopped`` explains an early, resumable stop (request budget or rate limit, with
    ``resume_at``); ``rejected`` lists activities not stored (malformed answers), each
    retried on the next run.
    """

    athlete: str
    listed: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    duplicates: int = 0
    skipped: int = 0
    deleted: int = 0
    events_processed: int = 0
    requests: int = 0
    rejected: tuple[str, ...] = ()
    backfill_complete: bool = False
    stopped: str | None = None
    resume_at: dt.datetime | None = None

    @property
    def stored(self) -> int:
        return self.inserted + self.updated + self.merged + self.duplicates

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["rejected"] = list(self.rejected)
        out["resume_at"] = self.resume_at.isoformat() if self.resume_at else None
        return out


class _Stop(Exception):
    """The caller's request budget is used up (not an error: the sync resumes later)."""


@dataclass
class _Counts:
    listed: int = 0
    skipped: int = 0
    deleted: int = 0
    events: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Pending:
    """One queued write: an activity's rows and bookkeeping, and/or a cursor move."""

    strava_id: int | None
    cursor: dict[str, Any]
    parsed: ParsedActivity | None = None
    status: str = "stored"
    fingerprint: str | None = None
    error: str | None = None
    start: dt.datetime | None = None


def _epoch(value: dt.datetime) -> int:
    return int(value.timestamp())


_NO_START = dt.datetime.min.replace(tzinfo=dt.UTC)


def _start_of(summary: Mapping[str, Any]) -> dt.datetime:
    """The UTC start of a summary, or ``_NO_START`` when it has none (sorts last)."""
    text = str(summary.get("start_date") or "")
    try:
        parsed = dt.datetime.fromisoformat(text)
    except ValueError:
        return _NO_START
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class Syncer:
    """One athlete's sync session: a client, the store, counters and the request budget.

    Use :func:`sync`; this class is public for the webhook event worker.
    """

    def __init__(self, store: Store, row: state.ConnectionRow, client: StravaClient, *,
                 max_requests: int | None = None, progress: Progress | None = None) -> None:
        self.store = store
        self.row = row
        self.client = client
        self.max_requests = max_requests
        self.progress = progress
        self.counts = _Counts()
        self.done = 0
        self._pending: list[_Pending] = []
        self.listed_ids: set[int] = set()
        self._no_streams = empty_streams()  # shared, never mutated: building one costs ~ms

    # -- plumbing ----------------------------------------------------------------------
    def _budget(self) -> None:
        """Before every request: commit what is ready, then check the caller's budget."""
        self.flush()
        if self.max_requests is not None and self.client.requests_sent >= self.max_requests:
            raise _Stop(f"stopped after the request budget of {self.max_requests}")

    def _tell(self, message: str, total: int) -> None:
        if self.progress is not None:
            self.progress(self.done, total, message)

    def _count(self, outcome: str) -> None:
        self.counts.outcomes[outcome] = self.counts.outcomes.get(outcome, 0) + 1

    def _list(self, page: int, *, after: int | None = None, before: int | None = None) -> list[Any]:
        self._budget()
        body = self.client.activities_page(page, PER_PAGE, after=after, before=before)
        request = "GET /api/v3/athlete/activities"
        if not isinstance(body, list):
            raise MalformedResponse(request, "malformed answer: expected a list of activities; "
                                    f"{mapping.MALFORMED_FIX}")
        self.listed_ids.update(mapping.activity_id(item, request) for item in body)
        self.counts.listed += len(body)
        return body

    def _write(self, strava_id: int, *, cursor: Mapping[str, Any],
               parsed: ParsedActivity | None = None, status: str = "stored",
               fingerprint: str | None = None, error: str | None = None,
               start: dt.datetime | None = None) -> None:
        """Queue one activity's rows and cursor move; :meth:`flush` commits the queue."""
        self._pending.append(_Pending(strava_id, dict(cursor), parsed, status, fingerprint,
                                      error, start))

    def _advance(self, cursor: Mapping[str, Any]) -> None:
        if cursor:
            self._pending.append(_Pending(None, dict(cursor)))

    def flush(self) -> None:
        """Commit the queued activities (whole ones only) and the cursor in one transaction.

        Activities that need no request (other sports, unchanged ones) are committed in
        batches; a run is committed before the next request goes out, so a crash or kill
        loses at most the work of the request in flight.
        """
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        cursor: dict[str, Any] = {}
        marks: list[dict[str, Any]] = []
        with self.store.transaction() as conn:
            for item in pending:
                if item.parsed is not None:
                    result = self.store.upsert_activity(self.row.athlete_id, item.parsed,
                                                        connection=conn)
                    self._count(result.outcome)
                if item.strava_id is not None:
                    marks.append({"strava_id": item.strava_id, "status": item.status,
                                  "start_time_utc": item.start,
                                  "summary_sha256": item.fingerprint, "error": item.error})
                cursor.update(item.cursor)
            state.mark_activities(conn, self.row.athlete_id, marks)
            if cursor:
                state.write_sync_state(conn, self.row.athlete_id, **cursor)

    # -- one activity ------------------------------------------------------------------
    def fetch(self, body: Any, *, detail_known: bool = False) -> ParsedActivity:
        """Record and streams of a summary (or detail) body, with the requests it needs."""
        strava_id = mapping.activity_id(body, "activity")
        request = f"GET /api/v3/activities/{strava_id}"
        record = mapping.to_record(body, request)
        if not record.is_run:
            return ParsedActivity(record, self._no_streams)
        if not detail_known:
            self._budget()
            body = self.client.activity(strava_id)
            record = mapping.to_record(body, request)
            if record.source_id != str(strava_id):
                raise MalformedResponse(request, "malformed answer: the detail is of another "
                                        f"activity; {mapping.MALFORMED_FIX}")
        streams = self._no_streams
        if record.is_run and not record.is_manual:
            kept = state.stored_streams(self.store, record.source_id,
                                        start_time_utc=record.start_time_utc,
                                        elapsed_time_s=record.elapsed_time_s,
                                        distance_m=record.distance_m)
            if kept is not None:  # an edit of title or sport: the samples are unchanged
                return ParsedActivity(record, kept)
            self._budget()
            try:
                answer = self.client.streams(strava_id, mapping.STREAM_KEYS)
            except NotFound:
                answer = {}
            streams = mapping.to_streams(answer, is_run=True, request=f"{request}/streams")
        return ParsedActivity(record, streams)

    def process(self, body: Any, cursor: Mapping[str, Any], *, known: state.ActivityState | None,
                stored: bool, detail_known: bool = False) -> None:
        """Store one listed activity (or skip it when unchanged), moving ``cursor`` with it."""
        strava_id = mapping.activity_id(body, "activity")
        fingerprint = mapping.summary_fingerprint(body)
        start: dt.datetime | None = _start_of(body)
        if start == _NO_START:
            start = None
        self.done += 1
        if known is not None and known.status == "stored" and stored \
                and known.summary_sha256 == fingerprint:
            self.counts.skipped += 1
            self._advance(cursor)
            return
        try:
            parsed = self.fetch(body, detail_known=detail_known)
        except NotFound:
            self.store.delete_activity(mapping.SOURCE, str(strava_id))
            self.counts.deleted += 1
            self._write(strava_id, cursor=cursor, status="deleted", start=start)
            return
        except MalformedResponse as exc:
            self.counts.rejected.append(str(exc))
            self._write(strava_id, cursor=cursor, status="failed", error=str(exc), start=start)
            return
        self._write(strava_id, cursor=cursor, parsed=parsed, fingerprint=fingerprint,
                    start=parsed.record.start_time_utc)

    def _process_page(self, page: list[Any], cursors: list[dict[str, Any]], label: str,
                      total: int) -> None:
        ids = [mapping.activity_id(b, "activity") for b in page]
        known = state.activity_states(self.store, ids)
        stored = state.existing_aliases(self.store, [str(i) for i in ids])
        for body, cursor, strava_id in zip(page, cursors, ids, strict=True):
            self.process(body, cursor, known=known.get(strava_id), stored=str(strava_id) in stored)
            self._tell(label, total)
        self.flush()

    # -- phases ------------------------------------------------------------------------
    def _detail(self, strava_id: int) -> Any | None:
        """The detail of ``strava_id``; ``None`` (after recording why) when it is gone or bad."""
        request = f"GET /api/v3/activities/{strava_id}"
        self._budget()
        try:
            body = self.client.activity(strava_id)
            if mapping.activity_id(body, request) != strava_id:
                raise MalformedResponse(request, "malformed answer: the detail is of another "
                                        f"activity; {mapping.MALFORMED_FIX}")
        except NotFound:
            if self.store.delete_activity(mapping.SOURCE, str(strava_id)):
                self.counts.deleted += 1
            self._write(strava_id, cursor={}, status="deleted")
            return None
        except MalformedResponse as exc:
            self.counts.rejected.append(str(exc))
            self._write(strava_id, cursor={}, status="failed", error=str(exc))
            return None
        return body

    def _process_detail(self, body: Any) -> None:
        strava_id = mapping.activity_id(body, "activity")
        known = state.activity_states(self.store, [strava_id]).get(strava_id)
        stored = bool(state.existing_aliases(self.store, [str(strava_id)]))
        self.process(body, {}, known=known, stored=stored, detail_known=True)

    def retry_failed(self) -> None:
        for strava_id in state.failed_activities(self.store, self.row.athlete_id):
            body = self._detail(strava_id)
            if body is not None:
                self._process_detail(body)

    def catch_up(self, sync_state: state.SyncState, overlap: dt.timedelta) -> None:
        after = 0 if sync_state.cursor_after is None else _epoch(sync_state.cursor_after - overlap)
        summaries: list[Any] = []
        page = 1
        while True:
            batch = self._list(page, after=after)
            summaries.extend(batch)
            if len(batch) < PER_PAGE:
                break
            page += 1
        if not summaries:
            return
        summaries.sort(key=_start_of, reverse=True)
        newest = _start_of(summaries[0])
        if sync_state.cursor_after is not None and sync_state.cursor_after > newest:
            newest = sync_state.cursor_after
        cursors: list[dict[str, Any]] = [{} for _ in summaries]
        if newest != _NO_START:
            cursors[-1] = {"cursor_after": newest}
        for start in range(0, len(summaries), PER_PAGE):
            self._process_page(summaries[start:start + PER_PAGE], cursors[start:start + PER_PAGE],
                               "new activities", len(summaries))

    def backfill(self, sync_state: state.SyncState) -> bool:
        before = None if sync_state.backfill_before is None else \
            _epoch(sync_state.backfill_before) + 1
        have_cursor = sync_state.cursor_after is not None
        page = 1
        while True:
            batch = self._list(page, before=before)
            batch.sort(key=_start_of, reverse=True)
            cursors: list[dict[str, Any]] = []
            for body in batch:
                cursor: dict[str, Any] = {}
                start = _start_of(body)
                if start != _NO_START:  # a malformed start moves no cursor (it is rejected)
                    cursor["backfill_before"] = start
                    if not have_cursor:
                        cursor["cursor_after"] = start
                        have_cursor = True
                cursors.append(cursor)
            if len(batch) < PER_PAGE and cursors:
                cursors[-1]["backfill_complete"] = True
            self._process_page(batch, cursors, "history", self.counts.listed)
            if len(batch) < PER_PAGE:
                if not batch:
                    self._advance({"backfill_complete": True})
                return True
            page += 1

    def reconcile(self) -> None:
        """After a complete walk of the history: stored ids no longer listed were deleted on
        Strava (without a webhook); confirm each with its detail (404) and remove it."""
        stored = {int(s) for s in state.api_source_ids(self.store, self.row.athlete_id)}
        for strava_id in sorted(stored - self.listed_ids):
            body = self._detail(strava_id)
            if body is not None:
                self._process_detail(body)

    # -- webhook events ----------------------------------------------------------------
    def apply_event(self, event: state.WebhookEvent) -> None:
        """Apply one recorded event of this athlete (create, update, delete, deauthorize)."""
        if event.object_type == "athlete":
            if str(event.updates.get("authorized", "")).lower() == "false":
                forget_athlete(self.store, self.row.athlete_id)
                raise ReconnectRequired(self.row.athlete, "the athlete revoked access on Strava "
                                        "(their API data was deleted)")
            return
        if event.aspect_type == "delete":
            if self.store.delete_activity(mapping.SOURCE, str(event.object_id)):
                self.counts.deleted += 1
            self._write(event.object_id, cursor={}, status="deleted")
            return
        body = self._detail(event.object_id)
        if body is not None:
            self._process_detail(body)

    def events(self) -> None:
        for event in state.pending_events(self.store):
            if event.owner_id != self.row.strava_athlete_id:
                continue
            try:
                self.apply_event(event)
            except MalformedResponse as exc:
                self.counts.rejected.append(str(exc))
                state.mark_event(self.store, event.id, processed=True, error=str(exc))
                continue
            except ReconnectRequired as exc:
                state.mark_event(self.store, event.id, processed=True, error=str(exc))
                self.counts.events += 1
                raise
            self.flush()
            state.mark_event(self.store, event.id, processed=True)
            self.counts.events += 1

    def report(self, sync_state: state.SyncState, *, stopped: str | None = None,
               resume_at: dt.datetime | None = None) -> SyncReport:
        o = self.counts.outcomes
        return SyncReport(
            athlete=self.row.athlete, listed=self.counts.listed, inserted=o.get("inserted", 0),
            updated=o.get("updated", 0), unchanged=o.get("unchanged", 0),
            merged=o.get("merged", 0), duplicates=o.get("duplicate", 0),
            skipped=self.counts.skipped, deleted=self.counts.deleted,
            events_processed=self.counts.events, requests=self.client.requests_sent,
            rejected=tuple(self.counts.rejected), backfill_complete=sync_state.backfill_complete,
            stopped=stopped, resume_at=resume_at)


def make_client(store: Store, row: state.ConnectionRow, *, settings: StravaSettings,
                transport: Transport, wait: bool, session: requests.Session | None = None,
                on_wait: Callable[[float, str], None] | None = None) -> StravaClient:
    """A client for ``row`` whose planner starts from the stored usage snapshot."""
    planner = RateLimitPlanner(clock=transport.clock, sleep=transport.sleep, wait=wait,
                               snapshot=state.load_rate_usage(store, rate_key(settings)),
                               on_wait=on_wait)
    credentials: Credentials = credentials_for(store, row)
    return StravaClient(settings, planner, credentials=credentials, transport=transport,
                        session=session)


def sync(store: Store, athlete: str, full: bool = False, progress: Progress | None = None,
         max_requests: int | None = None, *, wait: bool = True,
         settings: StravaSettings | None = None, transport: Transport | None = None,
         session: requests.Session | None = None, overlap: dt.timedelta = DEFAULT_OVERLAP,
         on_wait: Callable[[float, str], None] | None = None) -> SyncReport:
    """Sync one athlete's Strava activities into ``store``.

    Parameters
    ----------
    store
        The store; ``athlete`` must have a stored connection (:func:`etl.strava.connect`).
    full
        Forget the cursors and walk the whole history again (unchanged activities still
        cost no detail or streams requests); when the walk completes in this run, stored
        activities Strava no longer lists are checked (one detail request each) and removed
        when deleted.
    progress
        Called with ``(done, total, message)`` after each activity.
    max_requests
        Stop (resumably) after about this many requests.
    wait
        On an exhausted rate-limit window wait for its reset (default) or stop, returning a
        report with ``stopped`` and ``resume_at``.

    Raises
    ------
    ReconnectRequired
        The tokens are missing, revoked or refused.
    StravaResponseError
        Strava kept failing (5xx, timeouts) or sent a malformed activity list; everything
        stored so far stays, the next run resumes.
    """
    settings = settings or load_settings()
    transport = transport or Transport()
    row = connection_row(store, athlete)
    client = make_client(store, row, settings=settings, transport=transport, wait=wait,
                         session=session, on_wait=on_wait)
    syncer = Syncer(store, row, client, max_requests=max_requests, progress=progress)
    if full:
        state.reset_sync_state(store, row.athlete_id)
    stopped: str | None = None
    resume_at: dt.datetime | None = None
    started = dt.datetime.fromtimestamp(transport.clock(), dt.UTC)
    try:
        syncer.events()
        syncer.retry_failed()
        current = state.get_sync_state(store, row.athlete_id)
        if current.cursor_after is not None or current.backfill_complete:
            syncer.catch_up(current, overlap)
        current = state.get_sync_state(store, row.athlete_id)
        if not current.backfill_complete:
            syncer.backfill(current)
        if full:
            syncer.flush()
            syncer.reconcile()
    except _Stop as exc:
        stopped = str(exc)
    except RateLimitExceeded as exc:
        stopped, resume_at = str(exc), exc.resume_at
    except ReconnectRequired:
        if state.get_connection(store, row.athlete_id) is not None:
            state.set_connection_status(store, row.athlete_id, "revoked")
        raise
    finally:
        syncer.flush()
        state.save_rate_usage(store, rate_key(settings), client.planner.snapshot())
    current = state.get_sync_state(store, row.athlete_id)
    report = syncer.report(current, stopped=stopped, resume_at=resume_at)
    finished = dt.datetime.fromtimestamp(transport.clock(), dt.UTC)
    with store.transaction() as conn:
        state.write_sync_state(conn, row.athlete_id, last_sync_at=finished,
                               last_result=report.as_dict())
    store.log_import(IMPORT_LOG_INPUT, row.athlete, imported=report.inserted,
                     updated=report.updated, duplicates=report.merged + report.duplicates,
                     rejected=len(report.rejected),
                     messages=[*report.rejected, *([report.stopped] if report.stopped else [])],
                     started_at=started)
    return report

