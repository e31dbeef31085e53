"""Persistent cache of per-activity stream metrics (table ``stream_metrics``).

The metrics (:func:`risk.session.summarise_streams`) can always be recomputed from the streams;
the cache only saves the work. A row is valid for one ``settings_key``: the caller derives it
from the athlete settings, the metrics version and the activity's ``updated_at``
(:func:`activity_versions`), so an edited activity or changed settings simply miss the cache.
Reads pass :meth:`Store.authorize` like the streams they derive from.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select

from etl.errors import StoreError
from etl.store import tables as T
from etl.store.base import utcnow
from etl.store.store import Store

_CHUNK = 500


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield [int(i) for i in ids[start:start + _CHUNK]]


def _allowed(store: Store, activity_ids: Iterable[int]) -> list[int]:
    """The ids among ``activity_ids`` whose athlete the store's principal may read."""
    ids = sorted({int(i) for i in activity_ids})
    owners: dict[int, int] = {}
    with store.engine.connect() as conn:
        for chunk in _chunks(ids):
            rows = conn.execute(select(T.activities.c.id, T.activities.c.athlete_id).where(
                T.activities.c.id.in_(chunk))).all()
            owners.update({int(r[0]): int(r[1]) for r in rows})
    permitted = store.authorize(sorted(set(owners.values())), "streams")
    if permitted is None:
        return sorted(owners)
    allowed_athletes = set(permitted)
    from etl.store.access import hidden_stream_ids  # Strava's display rule, server mode

    hidden = hidden_stream_ids(store, owners)
    return sorted(i for i, owner in owners.items() if owner in allowed_athletes
                  and i not in hidden)


def activity_versions(store: Store, activity_ids: Iterable[int]) -> dict[int, str]:
    """``updated_at`` (ISO 8601) of each readable activity, to build cache keys from."""
    ids = _allowed(store, activity_ids)
    versions: dict[int, str] = {}
    with store.engine.connect() as conn:
        for chunk in _chunks(ids):
            rows = conn.execute(select(T.activities.c.id, T.activities.c.updated_at).where(
                T.activities.c.id.in_(chunk))).all()
            versions.update({int(r[0]): r[1].isoformat() for r in rows})
    return versions


def _decode(value: Any) -> Any:
    """JSON back to numbers: null -> NaN, lists element by element."""
    if value is None:
        return float("nan")
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _decode(v) for k, v in value.items()}
    return float(value)


def _encode(value: Any) -> Any:
    """Numbers to JSON: NaN and infinities -> null (PostgreSQL's JSON has no NaN)."""
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    number = float(value)
    return number if math.isfinite(number) else None


def get_metrics(store: Store, wanted: Mapping[int, str]) -> dict[int, dict[str, Any]]:
    """Cached metrics of the activities in ``wanted`` whose row has the wanted settings key.

    Parameters
    ----------
    store
        The store.
    wanted
        ``{activity_id: settings_key}``.

    Returns
    -------
    dict
        ``{activity_id: metrics}`` for the hits only: numbers, or lists of numbers (unknown
        values come back as NaN).
    """
    ids = _allowed(store, wanted)
    found: dict[int, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        for chunk in _chunks(ids):
            rows = conn.execute(select(T.stream_metrics).where(
                T.stream_metrics.c.activity_id.in_(chunk))).mappings().all()
            for row in rows:
                activity_id = int(row["activity_id"])
                if row["settings_key"] == wanted.get(activity_id):
                    found[activity_id] = _decode(row["metrics"] or {})
    return found


def put_metrics(store: Store, rows: Mapping[int, tuple[str, Mapping[str, Any]]]) -> int:
    """Store (replace) cached metrics: ``{activity_id: (settings_key, metrics)}``.

    Metrics map names to numbers or (nested) lists of numbers; NaN is stored as JSON null.
    Rows of activities that no longer exist are skipped.
    Returns the number of rows written.

    Raises
    ------
    StoreError
        When a settings key is longer than the column (64 characters).
    """
    for activity_id, (key, _) in rows.items():
        if len(key) > 64:
            raise StoreError(f"stream-metrics cache key for activity {activity_id} is longer "
                             "than 64 characters; use a sha256 hex digest")
    ids = _allowed(store, rows)
    now = utcnow()
    with store.transaction() as conn:
        for chunk in _chunks(ids):
            conn.execute(delete(T.stream_metrics).where(
                T.stream_metrics.c.activity_id.in_(chunk)))
            conn.execute(insert(T.stream_metrics), [
                {"activity_id": i, "settings_key": rows[i][0],
                 "metrics": _encode(rows[i][1]), "computed_at": now} for i in chunk])
    return len(ids)
