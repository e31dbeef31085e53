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

The line is a scikit-learn :class:`~sklearn.linear_model.LinearRegression` weighted by window
duration, refitted once after dropping windows more than 3 robust standard deviations
(1.4826 MAD) from the first fit, so that a few odd windows do not bend it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression

from risk import evidence_load as ev
from risk.flag import Flag
from risk.rules.common import as_int_id, require, run_sessions, to_date
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
TREADMILL_SPORT_TYPES = frozenset({"VirtualRun"})
ROBUST_SD = 1.4826
TRIM_SD = 3.0


@dataclass(frozen=True)
class CadenceBaseline:
    """A runner's flat-ground cadence line ``spm = intercept + slope * speed``."""

    intercept_spm: float
    slope_spm_per_mps: float
    windows: int
    sessions: int

    def expected(self, speed_mps: np.ndarray) -> np.ndarray:
        """Expected cadence [steps/min] at ``speed_mps`` [m/s]."""
        return self.intercept_spm + self.slope_spm_per_mps * np.asarray(speed_mps, dtype=float)


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
    speed = windows["speed_mps"].to_numpy(dtype=float)[:, None]
    cadence = windows["cadence_spm"].to_numpy(dtype=float)
    weight = windows["duration_s"].to_numpy(dtype=float)
    model = LinearRegression().fit(speed, cadence, sample_weight=weight)
    residual = cadence - model.predict(speed)
    spread = ROBUST_SD * float(np.median(np.abs(residual - np.median(residual))))
    keep = np.abs(residual) <= TRIM_SD * spread if spread > 0 else np.ones_like(cadence, bool)
    if keep.sum() >= 2 and not keep.all():
        model = LinearRegression().fit(speed[keep], cadence[keep], sample_weight=weight[keep])
    return CadenceBaseline(float(model.intercept_), float(model.coef_[0]), int(keep.sum()),
                           int(windows["activity_id"].nunique()))


def _eligible_runs(sessions: pd.DataFrame, settings: RiskSettings) -> pd.DataFrame:
    runs = run_sessions(sessions)
    if "sport_type" in runs.columns:
        runs = runs[~runs["sport_type"].isin(TREADMILL_SPORT_TYPES)]
    climb = pd.Series(np.nan, index=runs.index)
    for column in ("up_vert_m", "elevation_gain_m"):
        if column in runs.columns:
            climb = climb.fillna(pd.to_numeric(runs[column], errors="coerce"))
    per_km = climb / runs["run_km"].where(runs["run_km"] > 0)
    return runs[~(per_km > settings.overstride_max_climb_m_per_km)]


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
    if windows is None or windows.empty:
        return empty
    require(windows, WINDOW_COLUMNS, "flat steady windows",
            "build it with risk.session.flat_steady_windows for each run")
    runs = _eligible_runs(sessions, settings)
    usable = windows.dropna(subset=list(WINDOW_COLUMNS))
    usable = usable[(usable["cadence_spm"] > 0) & (usable["duration_s"] > 0)]
    merged = usable.merge(runs[["athlete", "activity_id", "day_ts"]], on="activity_id")
    if merged.empty:
        return empty
    merged["week_ts"] = merged["day_ts"] - pd.to_timedelta(merged["day_ts"].dt.day_of_week, "D")
    rows = []
    span = pd.Timedelta(days=settings.overstride_baseline_days)
    for athlete, own in merged.groupby("athlete", sort=False):
        for week_key, current in own.groupby("week_ts", sort=True):
            week = pd.Timestamp(week_key)  # type: ignore[arg-type]
            base = own[(own["day_ts"] >= week - span) & (own["day_ts"] < week)]
            if (len(base) < settings.overstride_min_baseline_windows
                    or base["activity_id"].nunique() < settings.overstride_min_baseline_sessions
                    or base["speed_mps"].nunique() < 2):
                continue
            baseline = fit_baseline(base)
            for activity, run in current.groupby("activity_id", sort=False):
                flat = float(run["duration_s"].sum())
                if flat < settings.overstride_min_flat_s:
                    continue
                expected = baseline.expected(run["speed_mps"].to_numpy(dtype=float))
                residual = 100.0 * (run["cadence_spm"].to_numpy(dtype=float) - expected) / expected
                median = round(float(np.median(residual)), 6)
                rows.append({
                    "athlete": athlete, "activity_id": activity,
                    "local_date": to_date(run["day_ts"].iloc[0]), FLAT_STEADY_S: flat,
                    OBSERVED_CADENCE_SPM: float(run["cadence_spm"].median()),
                    EXPECTED_CADENCE_SPM: float(baseline.expected(
                        np.array([run["speed_mps"].median()]))[0]),
                    CADENCE_RESIDUAL_PCT: median, BASELINE_WINDOWS: baseline.windows,
                    IS_OVERSTRIDE: median <= settings.overstride_deficit_pct,
                })
    return pd.DataFrame(rows, columns=list(ASSESSMENT_COLUMNS)) if rows else empty


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
