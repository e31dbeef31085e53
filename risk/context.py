"""Context metrics over the daily frame: ACWR (rolling and EWMA), CTL/ATL/TSB, monotony, strain.

Everything is computed for all athletes at once on an (athlete x day) grid: rolling windows as
sums over sliding windows, the exponential averages as first-order recursive filters
(``scipy.signal.lfilter``) along the day axis. Days before an athlete's first day count as 0
(the series "start at 0", SCIENCE.md 1.2 option d); days marked ``missing`` and loads that are
unknown (NaN) also count as 0 in the windows, and the data-gap flag reports them.

These numbers are descriptive context ("how this week compares with your recent weeks"),
not a validated injury-risk score (SCIENCE.md 1.3).

References
----------
Lolli L et al. Mathematical coupling causes spurious correlation within the conventional
acute-to-chronic workload ratio calculations. Br J Sports Med 2019;53(15):921-922.
doi:10.1136/bjsports-2017-098110

Windt J, Gabbett TJ. Is it all for naught? What does mathematical coupling mean for
acute:chronic workload ratios? Br J Sports Med 2019;53(16):988-990. doi:10.1136/bjsports-2017-098925

Williams S, West S, Cross MJ, Stokes KA. Better way to determine the acute:chronic workload
ratio? Br J Sports Med 2017;51(3):209-210. doi:10.1136/bjsports-2016-096589

Banister EW, Calvert TW, Savage MV, Bach A. A systems model of training for athletic
performance. Aust J Sports Med 1975;7:57-61 (CTL/ATL/TSB in the PMC form).

Foster C. Monitoring training in athletes with reference to overtraining syndrome. Med Sci
Sports Exerc 1998;30(7):1164-1168. doi:10.1097/00005768-199807000-00023
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from loadwatch import columns as C
from risk.daily import (
    COUNT_DTYPE,
    DISTANCE_ABOVE_THRESHOLD_KM,
    GAP_DISTANCE_KM,
    LOAD_STATUS,
    RUN_COUNT,
    STATUS_MISSING,
    TIME_ABOVE_THRESHOLD_MIN,
    TOTAL_DURATION_MIN,
    TOTAL_SRPE_AU,
    TOTAL_TRIMP_AU,
    local_days,
    small_counts,
)
from risk.errors import FrameContractError, SettingsError
from risk.frames import side_by_side
from risk.session import DOWN_VERT_M, HRSS_AU, RTSS_AU, TRIMP_AU, UP_VERT_M
from risk.sessions import DISTANCE_KM, DURATION_MIN, SRPE_AU
from risk.vocabulary import ensure_column

_ACWR_SOURCE = "Lolli 2019; Windt & Gabbett 2019; SCIENCE.md 1.1"
HISTORY_DAYS = ensure_column("history_days", "d", "calendar days since the athlete's first "
                             "activity, that day included")
ACUTE_LOAD = ensure_column("acute_load", "(load)/d", "mean daily load over the last 7 days, "
                           "today included", _ACWR_SOURCE)
CHRONIC_LOAD_COUPLED = ensure_column("chronic_load_coupled", "(load)/d",
                                     "mean daily load over the last 28 days (coupled)",
                                     _ACWR_SOURCE)
CHRONIC_LOAD_UNCOUPLED = ensure_column("chronic_load_uncoupled", "(load)/d",
                                       "mean daily load over the 21 days before the acute week",
                                       _ACWR_SOURCE)
ACWR_COUPLED = ensure_column("acwr_coupled", "ratio", "acute / coupled chronic load (Gabbett "
                             "zones; comparison only)", _ACWR_SOURCE)
ACWR_UNCOUPLED = ensure_column("acwr_uncoupled", "ratio", "acute / uncoupled chronic load "
                               "(primary)", _ACWR_SOURCE)
EWMA_ACUTE_LOAD = ensure_column("ewma_acute_load", "(load)/d", "EWMA of daily load, lambda = 2/8",
                                "Williams 2017; SCIENCE.md 1.2")
EWMA_CHRONIC_LOAD = ensure_column("ewma_chronic_load", "(load)/d",
                                  "EWMA of daily load, lambda = 2/29",
                                  "Williams 2017; SCIENCE.md 1.2")
ACWR_EWMA = ensure_column("acwr_ewma", "ratio", "EWMA acute / EWMA chronic",
                          "Williams 2017; SCIENCE.md 1.2")
ACWR_EWMA_UNCOUPLED = ensure_column("acwr_ewma_uncoupled", "ratio",
                                    "EWMA acute / EWMA chronic of 7 days earlier",
                                    "SCIENCE.md 1.2 (practitioner variant, grade C)")
ACWR_STATE = ensure_column("acwr_state", "", "ok | warming_up (< 28 days of history) | "
                           "insufficient_base (< 1 km/day or < 4 runs in the chronic window)",
                           "SCIENCE.md 1.5")
CTL = ensure_column("ctl", "(load)/d", "chronic training load (fitness), tau 42 d, "
                    "alpha = 1 - exp(-1/42)", "Banister 1975; SCIENCE.md 3.6")
ATL = ensure_column("atl", "(load)/d", "acute training load (fatigue), tau 7 d, "
                    "alpha = 1 - exp(-1/7)", "Banister 1975; SCIENCE.md 3.6")
TSB = ensure_column("tsb", "(load)/d", "training stress balance (form): yesterday's CTL - ATL",
                    "SCIENCE.md 3.6")
MONOTONY = ensure_column("monotony", "ratio", "7-day mean / population SD of daily load, capped "
                         "at 10", "Foster 1998; SCIENCE.md 3.2")
STRAIN = ensure_column("strain", "(load)", "7-day load x monotony", "Foster 1998; SCIENCE.md 3.2")
WEEK_DISTANCE_KM = ensure_column("week_distance_km", "km", "running distance of the last 7 days",
                                 "SCIENCE.md 2.1")
PREV_WEEK_DISTANCE_KM = ensure_column("prev_week_distance_km", "km",
                                      "running distance of the 7 days before those",
                                      "SCIENCE.md 2.1")
WEEK_CHANGE_PCT = ensure_column("week_change_pct", "%", "change of 7-day running distance over "
                                "the previous 7 days", "Nielsen 2014; SCIENCE.md 2.1")
LOAD_MEASURE = ensure_column("load_measure", "", "daily-frame column the load metrics use")

CONTEXT_COLUMNS: tuple[str, ...] = (
    HISTORY_DAYS, ACUTE_LOAD, CHRONIC_LOAD_COUPLED, CHRONIC_LOAD_UNCOUPLED, ACWR_COUPLED,
    ACWR_UNCOUPLED, EWMA_ACUTE_LOAD, EWMA_CHRONIC_LOAD, ACWR_EWMA, ACWR_EWMA_UNCOUPLED,
    ACWR_STATE, CTL, ATL, TSB, MONOTONY, STRAIN, WEEK_DISTANCE_KM, PREV_WEEK_DISTANCE_KM,
    WEEK_CHANGE_PCT, LOAD_MEASURE,
)
LOAD_MEASURES: tuple[str, ...] = (
    DISTANCE_KM, DURATION_MIN, SRPE_AU, TRIMP_AU, HRSS_AU, RTSS_AU, UP_VERT_M, DOWN_VERT_M,
    GAP_DISTANCE_KM, TIME_ABOVE_THRESHOLD_MIN, DISTANCE_ABOVE_THRESHOLD_KM, C.ELEVATION_GAIN_M,
    TOTAL_DURATION_MIN, TOTAL_TRIMP_AU, TOTAL_SRPE_AU,
)
STATE_OK, STATE_WARMING_UP, STATE_INSUFFICIENT_BASE = "ok", "warming_up", "insufficient_base"
#: ``acwr_state`` and ``load_measure`` are categorical (one byte a day instead of a pointer);
#: categories in text order, so sorting by them sorts alphabetically as with plain strings.
ACWR_STATE_DTYPE = pd.CategoricalDtype(sorted((STATE_OK, STATE_WARMING_UP,
                                               STATE_INSUFFICIENT_BASE)))
LOAD_MEASURE_DTYPE = pd.CategoricalDtype(sorted(LOAD_MEASURES))
#: Category code of each state code of :func:`_metrics_on_grid` (0 ok, 1 warming up,
#: 2 insufficient base).
_STATE_CATEGORY = np.array([ACWR_STATE_DTYPE.categories.get_loc(name) for name in
                            (STATE_OK, STATE_WARMING_UP, STATE_INSUFFICIENT_BASE)], dtype=np.int8)
#: Context columns that are not float64 (``history_days`` is a whole number of days).
_NOT_FLOAT = (HISTORY_DAYS, ACWR_STATE, LOAD_MEASURE)
_CONTEXT_DTYPES = {HISTORY_DAYS: COUNT_DTYPE, ACWR_STATE: ACWR_STATE_DTYPE,
                   LOAD_MEASURE: LOAD_MEASURE_DTYPE}


@dataclass(frozen=True)
class ContextWindows:
    """Windows and constants of the context metrics (SCIENCE.md 1.1, 1.2, 3.2, 3.6, 9).

    Parameters
    ----------
    acute_days, chronic_days : int
        Rolling windows: 7 d acute, 28 d chronic (uncoupled: the 21 d before the acute week).
    ewma_acute_days, ewma_chronic_days : int
        ``N`` of ``lambda = 2 / (N + 1)``: 7 and 28 (lambda 0.25 and 0.0690).
    ctl_tau_days, atl_tau_days : float
        Time constants of CTL and ATL, ``alpha = 1 - exp(-1 / tau)``.
    min_history_days : int
        Ratios are hidden before this many days of history (28).
    pmc_hidden_days : int
        CTL/ATL/TSB are hidden for this many first days (42).
    monotony_days, monotony_min_recorded_days, monotony_ddof : int
        Monotony window (7), recorded days needed in it (4) and the SD's ddof (0: the week is
        the whole population, not a sample).
    week_days : int
        Week length of the weekly change (7).
    """

    acute_days: int = 7
    chronic_days: int = 28
    ewma_acute_days: int = 7
    ewma_chronic_days: int = 28
    ctl_tau_days: float = 42.0
    atl_tau_days: float = 7.0
    min_history_days: int = 28
    pmc_hidden_days: int = 42
    monotony_days: int = 7
    monotony_min_recorded_days: int = 4
    monotony_ddof: int = 0
    week_days: int = 7

    @property
    def lambda_acute(self) -> float:
        return 2.0 / (self.ewma_acute_days + 1)

    @property
    def lambda_chronic(self) -> float:
        return 2.0 / (self.ewma_chronic_days + 1)

    @property
    def alpha_ctl(self) -> float:
        return 1.0 - math.exp(-1.0 / self.ctl_tau_days)

    @property
    def alpha_atl(self) -> float:
        return 1.0 - math.exp(-1.0 / self.atl_tau_days)


class ContextThresholds(Protocol):
    """The thresholds context metrics read (``risk.settings.RiskSettings`` provides them)."""

    @property
    def acwr_min_chronic_km_per_day(self) -> float: ...
    @property
    def acwr_min_chronic_runs(self) -> float: ...
    @property
    def monotony_cap(self) -> float: ...


@dataclass(frozen=True)
class DefaultThresholds:
    """SCIENCE.md defaults used when no settings object is given."""

    acwr_min_chronic_km_per_day: float = 1.0
    acwr_min_chronic_runs: float = 4.0
    monotony_cap: float = 10.0


#: Athletes computed together on one grid (bounds the memory of the temporaries).
CHUNK_ATHLETES = 256
#: A standard deviation at most this fraction of the mean counts as zero ("no variation").
ZERO_SD_RELATIVE = 1e-9


def running_sums(values: np.ndarray, *, exact: bool = False) -> np.ndarray:
    """Running sums along axis 1 in extended precision (``np.longdouble``).

    ``exact=True`` for counts (whole numbers are summed exactly in float64).
    """
    return np.cumsum(values, axis=1, dtype=np.float64 if exact else np.longdouble)


def window_sums(running: np.ndarray, width: int) -> np.ndarray:
    """Trailing ``width``-day sums from :func:`running_sums` (extended precision).

    ``out[a, t] = sum(values[a, t-width+1 : t+1])``, days before the first counting as 0.
    A window of zeros is exactly 0: adding zeros leaves the running sum unchanged.
    """
    out = running.copy()
    out[:, width:] -= running[:, :-width]
    return out


def shift_days(values: np.ndarray, days: int, fill: float = 0.0) -> np.ndarray:
    """``out[a, t] = values[a, t - days]``; ``fill`` before the first day."""
    out = np.full_like(values, fill)
    out[:, days:] = values[:, :-days] if days else values
    return out


def exponential_average(values: np.ndarray, alpha: float) -> np.ndarray:
    """``E_t = alpha * L_t + (1 - alpha) * E_{t-1}`` along axis 1, starting from ``E_{-1} = 0``."""
    return np.asarray(lfilter([alpha], [1.0, alpha - 1.0], values, axis=1), dtype=float)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return np.divide(numerator, denominator, out=np.full(numerator.shape, np.nan),
                     where=denominator > 0)


def _grid(daily: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Row order, athlete row and day column of every daily row on a left-aligned grid."""
    codes, names = pd.factorize(daily[C.ATHLETE])
    days = local_days(daily[C.LOCAL_DATE]).astype(np.int64)
    same = codes[1:] == codes[:-1]
    if bool(np.all(codes[1:] >= codes[:-1])) and bool(np.all(days[1:][same] > days[:-1][same])):
        order = np.arange(len(codes))
        sorted_codes, sorted_days = codes, days
    else:
        order = np.lexsort((days, codes))
        sorted_codes, sorted_days = codes[order], days[order]
    new_block = np.ones(len(order), dtype=bool)
    new_block[1:] = sorted_codes[1:] != sorted_codes[:-1]
    step = np.diff(sorted_days)
    broken = ~new_block[1:] & (step != 1)
    if broken.any():
        where = int(np.flatnonzero(broken)[0]) + 1
        raise FrameContractError(
            f"context_metrics: the daily frame of athlete {names[sorted_codes[where]]!r} is not "
            "one row per consecutive day (gap or duplicate before "
            f"{np.datetime64(int(sorted_days[where]), 'D')}); "
            "build it with risk.daily.daily_frame, which fills rest days")
    row = np.cumsum(new_block) - 1
    block_start = np.flatnonzero(new_block)
    column = np.arange(len(order)) - block_start[row]
    width = int(column.max()) + 1
    return order, row, column, width


class _Chunk:
    """A block of athletes laid out left-aligned on a (athlete x day) grid."""

    def __init__(self, rows: np.ndarray, columns: np.ndarray) -> None:
        self.width = int(columns.max()) + 1
        self.height = int(rows[-1]) + 1
        self.cell = rows * self.width + columns
        self.full = len(self.cell) == self.height * self.width

    def grid(self, values: np.ndarray) -> np.ndarray:
        """Row values (in grid order) on the grid; cells without a row are 0."""
        if self.full:
            return values.reshape(self.height, self.width).copy()
        grid = np.zeros(self.height * self.width)
        grid[self.cell] = values
        return grid.reshape(self.height, self.width)

    def values(self, grid: np.ndarray) -> np.ndarray:
        """The grid's cells that hold a row, in row order."""
        flat = grid.reshape(-1)
        return flat if self.full else flat[self.cell]


def _metrics_on_grid(load_grid: np.ndarray, distance: np.ndarray, runs: np.ndarray,
                     recorded: np.ndarray, thresholds: ContextThresholds, w: ContextWindows,
                     put: Callable[[str, np.ndarray], None]) -> np.ndarray:
    """Every context metric of one block of athletes (rows) x days (columns); returns the
    ACWR state codes (0 ok, 1 warming up, 2 insufficient base) and hands each metric grid to
    ``put``."""
    n, width = load_grid.shape
    index = np.broadcast_to(np.arange(width), (n, width))
    before_days = w.chronic_days - w.acute_days
    distance_running = running_sums(distance)
    base_km = shift_days((window_sums(distance_running, before_days) / before_days).astype(
        float), w.acute_days)
    base_runs = shift_days(window_sums(running_sums(runs, exact=True), before_days).astype(float),
                           w.acute_days)
    thin = (base_km < thresholds.acwr_min_chronic_km_per_day) | (
        base_runs < thresholds.acwr_min_chronic_runs)
    del base_km, base_runs
    state_code = np.where(index < w.min_history_days - 1, 1, np.where(thin, 2, 0))
    shown = state_code == 0

    def shown_ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        return np.where(shown, _ratio(numerator, denominator), np.nan)

    week = window_sums(distance_running, w.week_days).astype(float)
    del distance_running
    prev_week = shift_days(week, w.week_days)
    put(WEEK_DISTANCE_KM, week)
    put(PREV_WEEK_DISTANCE_KM, prev_week)
    put(WEEK_CHANGE_PCT, np.where(index >= 2 * w.week_days - 1,
                                  100.0 * _ratio(week - prev_week, prev_week), np.nan))
    del week, prev_week

    load_running = running_sums(load_grid)
    acute = (window_sums(load_running, w.acute_days) / w.acute_days).astype(float)
    put(ACUTE_LOAD, acute)
    chronic = (window_sums(load_running, w.chronic_days) / w.chronic_days).astype(float)
    put(CHRONIC_LOAD_COUPLED, chronic)
    put(ACWR_COUPLED, shown_ratio(acute, chronic))
    chronic = shift_days((window_sums(load_running, before_days) / before_days).astype(float),
                         w.acute_days)
    put(CHRONIC_LOAD_UNCOUPLED, chronic)
    put(ACWR_UNCOUPLED, shown_ratio(acute, chronic))
    del acute, chronic

    ewma_acute = exponential_average(load_grid, w.lambda_acute)
    ewma_chronic = exponential_average(load_grid, w.lambda_chronic)
    put(EWMA_ACUTE_LOAD, ewma_acute)
    put(EWMA_CHRONIC_LOAD, ewma_chronic)
    put(ACWR_EWMA, shown_ratio(ewma_acute, ewma_chronic))
    put(ACWR_EWMA_UNCOUPLED, shown_ratio(ewma_acute,
                                         shift_days(ewma_chronic, w.acute_days, fill=np.nan)))
    del ewma_acute, ewma_chronic

    pmc_hidden = index < w.pmc_hidden_days
    ctl = exponential_average(load_grid, w.alpha_ctl)
    atl = exponential_average(load_grid, w.alpha_atl)
    put(CTL, np.where(pmc_hidden, np.nan, ctl))
    put(ATL, np.where(pmc_hidden, np.nan, atl))
    put(TSB, np.where(pmc_hidden, np.nan, shift_days(ctl, 1) - shift_days(atl, 1)))
    del ctl, atl

    days = w.monotony_days
    week_sum = window_sums(load_running, days)
    del load_running
    week_squares = window_sums(running_sums(load_grid * load_grid), days)
    variance = np.clip((week_squares - week_sum * week_sum / days) / (days - w.monotony_ddof),
                       0.0, None)
    del week_squares
    week_load = week_sum.astype(float)
    mean = week_load / days
    sd = np.sqrt(variance).astype(float)
    del variance, week_sum
    recorded_days = window_sums(running_sums(recorded, exact=True), days).astype(float)
    cap = float(thresholds.monotony_cap)
    no_variation = sd <= ZERO_SD_RELATIVE * mean
    monotony = np.where(no_variation, cap,
                        np.minimum(np.divide(mean, sd, out=np.full(sd.shape, cap), where=sd > 0),
                                   cap))
    monotony = np.where((mean > 0) & (recorded_days >= w.monotony_min_recorded_days),
                        monotony, np.nan)
    put(MONOTONY, monotony)
    put(STRAIN, week_load * monotony)

    return state_code


def context_metrics(daily: pd.DataFrame, load: str = DISTANCE_KM,
                    settings: ContextThresholds | None = None,
                    windows: ContextWindows = ContextWindows()) -> pd.DataFrame:
    """Add the ACWR variants, CTL/ATL/TSB, monotony, strain and weekly change to ``daily``.

    Parameters
    ----------
    daily : DataFrame
        Output of :func:`risk.daily.daily_frame`: one row per athlete and consecutive day,
        with ``distance_km`` and ``run_count`` (for the base check and the weekly change), the
        ``load`` column and optionally ``load_status``.
    load : str, default "distance_km"
        Column the load metrics use (one of :data:`LOAD_MEASURES`). The ``insufficient_base``
        state and the weekly change always use running distance.
    settings : RiskSettings-like, optional
        ``acwr_min_chronic_km_per_day`` (1.0), ``acwr_min_chronic_runs`` (4), ``monotony_cap``
        (10).
    windows : ContextWindows
        Windows and decay constants.

    Returns
    -------
    DataFrame
        ``daily`` (same rows, same order) plus :data:`CONTEXT_COLUMNS`.

    Notes
    -----
    With ``L`` the daily load and ``t`` today (0-based day index ``i`` since the first day):

    - ``acute = sum(L[t-6..t]) / 7``; ``chronic_coupled = sum(L[t-27..t]) / 28``;
      ``chronic_uncoupled = sum(L[t-27..t-7]) / 21``. Ratios are NaN unless
      ``acwr_state == "ok"``: ``warming_up`` while ``i < 27`` (fewer than 28 days),
      ``insufficient_base`` when the 21 days before the acute week hold < 1 km/day of running
      or < 4 runs; also NaN when the chronic load is 0.
    - EWMA: ``E_t = lambda L_t + (1 - lambda) E_{t-1}``, ``E_{-1} = 0``; ``acwr_ewma =
      Ea_t / Ec_t``; ``acwr_ewma_uncoupled = Ea_t / Ec_{t-7}``; same visibility as above.
    - ``CTL_t = CTL_{t-1} + a_c (L_t - CTL_{t-1})`` with ``a = 1 - exp(-1/tau)``; likewise ATL;
      ``TSB_t = CTL_{t-1} - ATL_{t-1}``; all three NaN while ``i < 42``.
    - Monotony = mean / SD (ddof 0) of the last 7 daily loads; NaN for an all-zero week or
      with fewer than 4 recorded days (within history and not ``missing``); capped at 10
      (a constant non-zero week gives 10, "no variation"). Strain = 7-day sum x monotony.
    - ``week_change_pct = 100 (W - W_prev) / W_prev`` on 7-day running distance; NaN when
      ``W_prev == 0`` or before 14 days of history.
    """
    if load not in LOAD_MEASURES:
        raise SettingsError(f"unknown load measure {load!r}; use one of {', '.join(LOAD_MEASURES)}")
    needed = [C.ATHLETE, C.LOCAL_DATE, DISTANCE_KM, RUN_COUNT, load]
    absent = [c for c in dict.fromkeys(needed) if c not in daily.columns]
    if absent:
        raise FrameContractError(
            f"context_metrics: the daily frame lacks {', '.join(absent)}; build it with "
            "risk.daily.daily_frame(session_frame(activities))")
    thresholds: ContextThresholds = settings if settings is not None else DefaultThresholds()
    out = daily
    if out.empty:
        out = daily.copy()
        for name in CONTEXT_COLUMNS:
            dtype: Any = _CONTEXT_DTYPES.get(name, np.dtype(float))
            out[name] = pd.Series(dtype=dtype)
        return out
    order, row, column, _ = _grid(out)
    in_order = bool(np.array_equal(order, np.arange(len(order))))

    def numbers(name: str) -> np.ndarray:
        values = np.nan_to_num(pd.to_numeric(out[name], errors="coerce").to_numpy(dtype=float),
                               nan=0.0)
        return values if in_order else values[order]

    inputs = [numbers(load), numbers(DISTANCE_KM), numbers(RUN_COUNT)]
    recorded_flags: np.ndarray = np.ones(len(out))
    if LOAD_STATUS in out.columns:
        recorded_flags = out[LOAD_STATUS].ne(STATUS_MISSING).to_numpy(dtype=float)
    inputs.append(recorded_flags if in_order else recorded_flags[order])

    numeric = [name for name in CONTEXT_COLUMNS if name not in _NOT_FLOAT]
    block = np.empty((len(out), len(numeric)), order="F")
    position = {name: index for index, name in enumerate(numeric)}
    state_codes = np.empty(len(out), dtype=np.int64)
    row_edges = np.searchsorted(row, np.arange(0, int(row.max()) + 1 + CHUNK_ATHLETES,
                                               CHUNK_ATHLETES))
    for first, last in itertools.pairwise(row_edges.tolist()):
        if first == last:
            continue
        chunk = _Chunk(row[first:last] - row[first], column[first:last])
        target = slice(first, last) if in_order else order[first:last]

        def put(name: str, grid: np.ndarray, chunk: _Chunk = chunk,
                target: slice | np.ndarray = target) -> None:
            block[target, position[name]] = chunk.values(grid)

        load_grid, distance, runs, recorded = (chunk.grid(values[first:last])
                                               for values in inputs)
        codes = _metrics_on_grid(load_grid, distance, runs, recorded, thresholds, windows, put)
        state_codes[target] = chunk.values(codes)

    history = np.empty(len(out), dtype=np.int64)
    history[slice(None) if in_order else order] = column + 1
    new = pd.DataFrame(block, index=out.index, columns=numeric, copy=False)
    new.insert(0, HISTORY_DAYS, small_counts(history))
    new[ACWR_STATE] = pd.Categorical.from_codes(_STATE_CATEGORY[state_codes],
                                                dtype=ACWR_STATE_DTYPE)
    new[LOAD_MEASURE] = pd.Categorical.from_codes(
        np.full(len(out), LOAD_MEASURE_DTYPE.categories.get_loc(load), dtype=np.int8),
        dtype=LOAD_MEASURE_DTYPE)
    kept = out.drop(columns=[c for c in CONTEXT_COLUMNS if c in out.columns])
    return side_by_side(kept, new)
