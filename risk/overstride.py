"""Overstride proxy: speed-matched cadence below the runner's own baseline (SCIENCE.md 6.3).

Cadence rises with speed, so a run is judged against the runner's own cadence-vs-speed line,
fitted on flat (|grade| < 2 %), steady 60-s windows of their runs in the 8 weeks before the
week of the run. The session's deficit is the median over its own flat steady windows of
``100 (spm_obs - spm_expected(v)) / spm_expected(v)``; ``<= -5 %`` flags ``overstride``.

Exclusions: treadmill runs (``VirtualRun``: belt cadence differs), hilly runs (climb above
``overstride_max_climb_m_per_km``), and sessions with less than 5 min of flat steady windows;
no judgement without ``overstride_min_baseline_windows`` baseline windows from
``overstride_min_baseline_sessions`` runs. The proxy is D-grade; the biomechanical rationale
(step rate +5-10 % lowers hip and knee loading) is B (Heiderscheit et al. 2011). The cue is
always relative to the runner's own cadence, never a universal number.

The line is a least-squares fit weighted by window duration (the estimator of scikit-learn's
``LinearRegression`` with ``sample_weight``, computed in closed form: see
:func:`weighted_line`), refitted once after dropping windows more than 3 robust standard
deviations (1.4826 MAD) from the first fit, so that a few odd windows do not bend it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from risk import evidence_load as ev
from risk.flag import Flag
from risk.rules.common import as_int_id, require, run_sessions
from risk.session import flat_steady_windows
from risk.settings import RiskSettings
from risk.vocabulary import ensure_column

CADENCE_RESIDUAL_PCT = ensure_column(
    "cadence_residual_pct", "%", "median speed-matched cadence deviation of a run from the "
    "runner's own flat-ground baseline", "SCIENCE.md 6.3")
EXPECTED_CADENCE_SPM = ensure_column(
    "expected_cadence_spm", "steps/min", "the runner's baseline cadence at the run's median "
    "flat steady speed", "SCIENCE.md 6.3")
OBSERVED_CADENCE_SPM = ensure_column(
    "observed_cadence_spm", "steps/min", "median cadence of the run's flat steady windows",
    "SCIENCE.md 6.3")
FLAT_STEADY_S = ensure_column(
    "flat_steady_s", "s", "time in flat (|grade| < 2 %) steady 60-s windows", "SCIENCE.md 6.3")
BASELINE_WINDOWS = ensure_column(
    "baseline_windows", "windows", "flat steady windows in the cadence baseline", "SCIENCE.md 6.3")
IS_OVERSTRIDE = ensure_column(
    "is_overstride", "bool", "speed-matched cadence deficit at or beyond the threshold",
    "SCIENCE.md 6.3")

ASSESSMENT_COLUMNS: tuple[str, ...] = (
    "athlete", "activity_id", "local_date", FLAT_STEADY_S, OBSERVED_CADENCE_SPM,
    EXPECTED_CADENCE_SPM, CADENCE_RESIDUAL_PCT, BASELINE_WINDOWS, IS_OVERSTRIDE,
)
WINDOW_COLUMNS: tuple[str, ...] = ("activity_id", "speed_mps", "cadence_spm", "duration_s")
#: Per-session summary of the flat steady part of a run (the simulator's activities frame):
#: used as one window per run when no windows are given.
SESSION_WINDOW_COLUMNS: tuple[str, ...] = ("flat_steady_speed_mps", "flat_steady_cadence_spm",
                                           "flat_steady_time_s")
TREADMILL_SPORT_TYPES = frozenset({"VirtualRun"})
ROBUST_SD = 1.4826
EPOCH_MONDAY = pd.Timestamp("1970-01-05")
#: Length of one flat steady window [s]; baseline sizes are counted in 60-s equivalents so
#: that per-run summaries (one row per run) and true windows are judged alike.
WINDOW_S = 60.0
TRIM_SD = 3.0


@dataclass(frozen=True)
class CadenceBaseline:
    """A runner's flat-ground cadence line ``spm = intercept + slope * speed``."""

    intercept_spm: float
    slope_spm_per_mps: float
    windows: int
    sessions: int

    def expected(self, speed_mps: Any) -> Any:
        """Expected cadence [steps/min] at ``speed_mps`` [m/s] (scalar or array)."""
        return self.intercept_spm + self.slope_spm_per_mps * np.asarray(speed_mps, dtype=float)


def weighted_line(speed: np.ndarray, cadence: np.ndarray,
                  weight: np.ndarray) -> tuple[float, float]:
    """Weighted least-squares line ``cadence = a + b speed``: ``(a, b)``.

    The estimator of scikit-learn's ``LinearRegression().fit(speed[:, None], cadence,
    sample_weight=weight)`` in closed form (tests hold the two equal): a squad needs thousands
    of weekly refits and sklearn's input validation costs milliseconds per call.
    """
    total = weight.sum()
    mean_v = float((weight * speed).sum() / total)
    mean_c = float((weight * cadence).sum() / total)
    spread = float((weight * (speed - mean_v) ** 2).sum())
    slope = float((weight * (speed - mean_v) * (cadence - mean_c)).sum() / spread) \
        if spread > 0 else 0.0
    return mean_c - slope * mean_v, slope


def fit_baseline(windows: pd.DataFrame) -> CadenceBaseline:
    """Fit the cadence-vs-speed line on flat steady windows (duration-weighted, trimmed).

    Parameters
    ----------
    windows : DataFrame
        ``speed_mps`` [m/s], ``cadence_spm`` [steps/min], ``duration_s`` [s] and
        ``activity_id``; at least two windows with different speeds.

    Returns
    -------
    CadenceBaseline
    """
    return _fit(windows["speed_mps"].to_numpy(dtype=float),
                windows["cadence_spm"].to_numpy(dtype=float),
                windows["duration_s"].to_numpy(dtype=float),
                int(windows["activity_id"].nunique()))


def _median(values: np.ndarray) -> float:
    """``np.median`` of a non-empty 1-d array without its per-call overhead."""
    half = len(values) // 2
    part = np.partition(values, half)
    if len(values) % 2:
        return float(part[half])
    return float((part[half] + part[:half].max()) / 2.0)


def _fit(speed: np.ndarray, cadence: np.ndarray, weight: np.ndarray,
         sessions: int) -> CadenceBaseline:
    intercept, slope = weighted_line(speed, cadence, weight)
    residual = cadence - (intercept + slope * speed)
    spread = ROBUST_SD * _median(np.abs(residual - _median(residual)))
    keep = np.abs(residual) <= TRIM_SD * spread if spread > 0 else np.ones_like(cadence, bool)
    if keep.sum() >= 2 and not keep.all():
        intercept, slope = weighted_line(speed[keep], cadence[keep], weight[keep])
    return CadenceBaseline(intercept, slope, int(keep.sum()), sessions)


def flat_steady_summary(streams: pd.DataFrame) -> dict[str, float]:
    """A run's flat steady running in three numbers (:data:`SESSION_WINDOW_COLUMNS`).

    Median speed [m/s] and median cadence [steps/min] of the flat steady 60-s windows of
    :func:`risk.session.flat_steady_windows`, and their total duration [s] (0 without any).
    Stored per activity with the stream metrics, so that the overstride proxy can run on a
    whole history without loading every stream again.
    """
    speed, cadence, duration = SESSION_WINDOW_COLUMNS
    windows = flat_steady_windows(streams)
    if windows.empty:
        return {speed: float("nan"), cadence: float("nan"), duration: 0.0}
    return {speed: float(windows["speed_mps"].median()),
            cadence: float(windows["cadence_spm"].median()),
            duration: float(windows["duration_s"].sum())}


def attach_flat_steady(activities: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """``activities`` with the :data:`SESSION_WINDOW_COLUMNS` of ``metrics`` (by activity id).

    ``metrics`` is indexed by ``activity_id`` (the stream-metrics frame); columns it lacks
    are left out, values already in ``activities`` (e.g. from the simulator) are kept.
    """
    present = [c for c in SESSION_WINDOW_COLUMNS if c in metrics.columns]
    if not present or activities.empty or "activity_id" not in activities.columns:
        return activities
    out = activities.copy()
    ids = out["activity_id"]
    for name in present:
        found = ids.map(pd.to_numeric(metrics[name], errors="coerce"))
        out[name] = out[name].fillna(found) if name in out.columns else found
    return out


def windows_from_sessions(sessions: pd.DataFrame) -> pd.DataFrame | None:
    """One window per run from :data:`SESSION_WINDOW_COLUMNS`, or None without them."""
    if not all(c in sessions.columns for c in (*SESSION_WINDOW_COLUMNS, "activity_id")):
        return None
    speed, cadence, duration = SESSION_WINDOW_COLUMNS
    windows = pd.DataFrame({
        "activity_id": sessions["activity_id"],
        "speed_mps": pd.to_numeric(sessions[speed], errors="coerce"),
        "cadence_spm": pd.to_numeric(sessions[cadence], errors="coerce"),
        "duration_s": pd.to_numeric(sessions[duration], errors="coerce"),
    })
    return windows[windows["duration_s"] > 0].reset_index(drop=True)


def _eligible_runs(sessions: pd.DataFrame, settings: RiskSettings) -> pd.DataFrame:
    """``athlete``, ``athlete_code``, ``activity_id`` and ``day_ts`` of the runs that can be
    judged (not on a treadmill, not hilly)."""
    runs = run_sessions(sessions)
    keep = np.ones(len(runs), dtype=bool)
    if "sport_type" in runs.columns:
        keep &= ~runs["sport_type"].isin(TREADMILL_SPORT_TYPES).to_numpy()
    climb = pd.Series(np.nan, index=runs.index)
    for column in ("up_vert_m", "elevation_gain_m"):
        if column in runs.columns:
            climb = climb.fillna(pd.to_numeric(runs[column], errors="coerce"))
    per_km = climb / runs["run_km"].where(runs["run_km"] > 0)
    keep &= ~(per_km > settings.overstride_max_climb_m_per_km).to_numpy()
    columns = ["athlete", "athlete_code", "activity_id", "day_ts"]
    return runs[columns].iloc[np.flatnonzero(keep)]


def overstride_assessment(sessions: pd.DataFrame, windows: pd.DataFrame | None,
                          settings: RiskSettings | None = None) -> pd.DataFrame:
    """Speed-matched cadence deficit of every judged run.

    Parameters
    ----------
    sessions : DataFrame
        Session frame (``athlete``, ``activity_id``, ``local_date``, ``sport_type``,
        ``distance_km``, ``up_vert_m`` or ``elevation_gain_m``).
    windows : DataFrame or None
        Flat steady 60-s windows of all runs: ``activity_id``, ``speed_mps``,
        ``cadence_spm``, ``duration_s`` (``risk.session.flat_steady_windows`` per activity).
        When None, the per-run summary columns :data:`SESSION_WINDOW_COLUMNS` of
        ``sessions`` are used as one window per run, if present.
    settings : RiskSettings, optional

    Returns
    -------
    DataFrame
        :data:`ASSESSMENT_COLUMNS`, one row per run that could be judged.

    References
    ----------
    Heiderscheit BC et al. Med Sci Sports Exerc 2011;43(2):296-302.
    doi:10.1249/MSS.0b013e3181ebedf4
    """
    settings = settings or RiskSettings()
    empty = pd.DataFrame(columns=list(ASSESSMENT_COLUMNS))
    if windows is None:
        windows = windows_from_sessions(sessions)
    if windows is None or windows.empty:
        return empty
    require(windows, WINDOW_COLUMNS, "flat steady windows",
            "build it with risk.session.flat_steady_windows for each run")
    runs = _eligible_runs(sessions, settings)
    usable = windows.dropna(subset=list(WINDOW_COLUMNS))
    usable = usable[(usable["cadence_spm"] > 0) & (usable["duration_s"] > 0)]
    names = runs.drop_duplicates("athlete_code").set_index("athlete_code")["athlete"]
    merged = usable[list(WINDOW_COLUMNS)].merge(
        runs[["athlete_code", "activity_id", "day_ts"]], on="activity_id")
    if merged.empty:
        return empty
    order = np.lexsort((merged["activity_id"].to_numpy(),
                        merged["day_ts"].to_numpy(dtype="datetime64[ns]").view("int64"),
                        merged["athlete_code"].to_numpy()))
    merged = merged.take(order).reset_index(drop=True)
    lines = weekly_baselines(merged, settings)
    merged["intercept"], merged["slope"], merged["base_windows"] = lines.T
    judged = merged[merged["intercept"].notna()].copy()
    if judged.empty:
        return empty
    expected = judged["intercept"] + judged["slope"] * judged["speed_mps"]
    judged["residual"] = 100.0 * (judged["cadence_spm"] - expected) / expected
    if judged["activity_id"].is_unique:  # one window per run (run summaries): no grouping
        per_run = judged.rename(columns={"duration_s": "flat_s", "cadence_spm": "observed",
                                         "speed_mps": "speed"})
    else:
        per_run = judged.groupby(["athlete_code", "activity_id"], sort=False).agg(
            day_ts=("day_ts", "first"), flat_s=("duration_s", "sum"),
            observed=("cadence_spm", "median"), speed=("speed_mps", "median"),
            residual=("residual", "median"), intercept=("intercept", "first"),
            slope=("slope", "first"), base_windows=("base_windows", "first")).reset_index()
    per_run = per_run[per_run["flat_s"] >= settings.overstride_min_flat_s]
    residual = per_run["residual"].round(6)
    result = pd.DataFrame({
        "athlete": names.reindex(per_run["athlete_code"]).to_numpy(),
        "activity_id": per_run["activity_id"],
        "local_date": per_run["day_ts"].to_numpy(dtype="datetime64[D]").astype(object),
        FLAT_STEADY_S: per_run["flat_s"],
        OBSERVED_CADENCE_SPM: per_run["observed"],
        EXPECTED_CADENCE_SPM: per_run["intercept"] + per_run["slope"] * per_run["speed"],
        CADENCE_RESIDUAL_PCT: residual, BASELINE_WINDOWS: per_run["base_windows"].astype(int),
        IS_OVERSTRIDE: residual <= settings.overstride_deficit_pct,
    })
    return result.reset_index(drop=True) if not result.empty else empty


def weekly_baselines(windows: pd.DataFrame, settings: RiskSettings) -> np.ndarray:
    """Per window: intercept, slope and size of the baseline of its athlete's week.

    ``windows`` is sorted by ``athlete_code``, ``day_ts`` and ``activity_id`` with a default
    index. The baseline of a calendar week (Monday to Sunday) is fitted on the athlete's
    windows of the ``overstride_baseline_days`` before that Monday; NaN where it is too thin.
    Every week of every athlete is fitted at once: window bounds by ``searchsorted``, the
    size tests by running sums, the weighted least-squares lines in closed form on a padded
    (week x window) array, the robust trim by row-wise medians.
    """
    out = np.full((len(windows), 3), np.nan)
    if windows.empty:
        return out
    code = windows["athlete_code"].to_numpy(dtype="int64")
    days = (windows["day_ts"] - EPOCH_MONDAY).dt.days.to_numpy(dtype="int64")
    activity = windows["activity_id"].to_numpy()
    speed = windows["speed_mps"].to_numpy(dtype=float)
    cadence = windows["cadence_spm"].to_numpy(dtype=float)
    duration = windows["duration_s"].to_numpy(dtype=float)
    span = int(settings.overstride_baseline_days)
    width = int(days.max() - days.min()) + span + 8
    key = code * width + (days - days.min())
    week = days - days % 7
    week_key = code * width + (week - days.min())
    group_start = np.flatnonzero(np.r_[True, week_key[1:] != week_key[:-1]])
    group_stop = np.r_[group_start[1:], len(days)]
    lo = np.searchsorted(key, week_key[group_start] - span, side="left")
    hi = group_start
    total_s = np.r_[0.0, np.cumsum(duration)]
    enough = (total_s[hi] - total_s[lo]) / WINDOW_S >= settings.overstride_min_baseline_windows
    new_run = np.r_[True, activity[1:] != activity[:-1]]
    starts = np.r_[0, np.cumsum(new_run)]
    sessions = np.where(hi > lo, starts[hi] - starts[lo] + (~new_run[np.minimum(lo, len(days)
                                                                              - 1)]), 0)
    changes = np.r_[0, np.cumsum(np.r_[False, speed[1:] != speed[:-1]])]
    varied = (hi - lo >= 2) & (changes[np.maximum(hi - 1, 0)] - changes[np.minimum(lo, len(
        days) - 1)] > 0)
    chosen = np.flatnonzero(enough & (sessions >= settings.overstride_min_baseline_sessions)
                            & varied)
    if not len(chosen):
        return out
    lines = _fit_padded(speed, cadence, duration, lo[chosen], hi[chosen])
    counts = group_stop[chosen] - group_start[chosen]
    rows = np.repeat(group_start[chosen] - np.r_[0, np.cumsum(counts)[:-1]], counts) \
        + np.arange(counts.sum())
    out[rows] = np.repeat(lines, counts, axis=0)
    return out


def _fit_padded(speed: np.ndarray, cadence: np.ndarray, weight: np.ndarray, lo: np.ndarray,
                hi: np.ndarray, block_cells: int = 4_000_000) -> np.ndarray:
    """:func:`_fit` of ``[lo[i]:hi[i]]`` for every ``i``: rows of ``(intercept, slope, n)``."""
    result = np.empty((len(lo), 3))
    by_size = np.argsort(hi - lo, kind="stable")
    first = 0
    while first < len(lo):
        # Blocks of similar sizes (padding stays small), at most ``block_cells`` cells each.
        longest = int((hi - lo)[by_size[min(len(lo) - 1, first + 4095)]])
        part = by_size[first:first + max(1, min(4096, block_cells // max(longest, 1)))]
        first += len(part)
        start, size = lo[part], hi[part] - lo[part]
        longest = int(size.max())
        column = np.arange(longest)
        inside = column[None, :] < size[:, None]
        take = np.where(inside, start[:, None] + column[None, :], 0)
        v, c = speed[take], cadence[take]
        w = np.where(inside, weight[take], 0.0)
        intercept, slope = _padded_line(v, c, w)
        residual = c - (intercept[:, None] + slope[:, None] * v)
        centre = _padded_median(residual, inside)
        spread = ROBUST_SD * _padded_median(np.abs(residual - centre[:, None]), inside)
        keep = inside & ((np.abs(residual) <= TRIM_SD * spread[:, None])
                         | ~(spread > 0)[:, None])
        kept = keep.sum(axis=1)
        refit = (kept >= 2) & (kept < size)
        if refit.any():
            again_a, again_b = _padded_line(v[refit], c[refit], np.where(keep[refit],
                                                                         w[refit], 0.0))
            intercept[refit], slope[refit] = again_a, again_b
        result[part] = np.column_stack([intercept, slope, kept])
    return result


def _padded_line(v: np.ndarray, c: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`weighted_line` of each row (weight 0 on padding and dropped windows)."""
    total = w.sum(axis=1)
    mean_v = (w * v).sum(axis=1) / total
    mean_c = (w * c).sum(axis=1) / total
    dv = np.where(w > 0, v - mean_v[:, None], 0.0)
    spread = (w * dv ** 2).sum(axis=1)
    covariance = (w * dv * (c - mean_c[:, None])).sum(axis=1)
    slope = np.divide(covariance, spread, out=np.zeros(len(total)), where=spread > 0)
    return mean_c - slope * mean_v, slope


def _padded_median(values: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Median of each row over the cells marked ``inside`` (as :func:`_median`)."""
    ordered = np.sort(np.where(inside, values, np.inf), axis=1)
    count = inside.sum(axis=1)
    rows = np.arange(len(values))
    upper = ordered[rows, count // 2]
    lower = ordered[rows, np.maximum((count - 1) // 2, 0)]
    return np.where(count % 2 == 1, upper, (upper + lower) / 2.0)


def overstride_flags(sessions: pd.DataFrame, windows: pd.DataFrame | None,
                     settings: RiskSettings) -> list[Flag]:
    """``overstride`` flags (severity low) for runs whose deficit reaches the threshold."""
    assessed = overstride_assessment(sessions, windows, settings)
    flags = []
    for row in assessed[assessed[IS_OVERSTRIDE].astype(bool)].to_dict("records"):
        deficit = -float(row[CADENCE_RESIDUAL_PCT])
        own = float(row[OBSERVED_CADENCE_SPM])
        flags.append(Flag(
            athlete=str(row["athlete"]), local_date=row["local_date"], kind="overstride",
            severity="low", value=float(row[CADENCE_RESIDUAL_PCT]),
            threshold=settings.overstride_deficit_pct, unit="%",
            message=f"On your run on {row['local_date']} your flat-ground step rate was about "
            f"{deficit:.0f} % below your usual at the same speed "
            f"({own:.0f} instead of about {float(row[EXPECTED_CADENCE_SPM]):.0f} steps/min): "
            "longer steps, a possible sign of overstriding.",
            advice="Research on step rate suggests that raising it 5-10 % above your own "
            f"preferred rate (here about {own * 1.05:.0f}-{own * 1.10:.0f} steps/min at that "
            "speed) lowers hip and knee loading; there is no universal target.",
            evidence_key=ev.OVERSTRIDE, activity_id=as_int_id(row["activity_id"]),
            category="cadence_deficit",
            details={"expected_cadence_spm": float(row[EXPECTED_CADENCE_SPM])},
        ))
    return flags
