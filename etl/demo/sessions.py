"""The parametric description of a simulated session and its summary in closed form.

A session is a warm-up on rolling terrain, ``n_reps`` repetitions (a fast or uphill piece and
a recovery piece), and a cool-down, with a few pauses. Every summary value (distance, times,
vertical, time above threshold, heart rate, cadence) follows from those parameters by
vectorised formulas, so a squad of thousands can be summarised without building streams;
:mod:`etl.demo.streams` samples the same pieces, so streams and summaries agree.

Rolling terrain is a triangle wave over the distance run at easy pace: grade ``+roll_g`` for
the first half of each period of ``roll_p`` metres, ``-roll_g`` for the second half.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

FloatArray = np.ndarray
Number = np.ndarray | float

SPORTS: tuple[str, ...] = ("Run", "TrailRun", "VirtualRun", "Ride", "Walk", "WeightTraining")
RUN, TRAIL_RUN, VIRTUAL_RUN, RIDE, WALK, WEIGHTS = range(len(SPORTS))

KINDS: tuple[str, ...] = ("easy", "long", "tempo", "intervals", "hills", "race", "recovery",
                          "trail", "ride", "walk", "weights")
(EASY, LONG, TEMPO, INTERVALS, HILLS, RACE, RECOVERY, TRAIL, RIDE_KIND, WALK_KIND,
 WEIGHTS_KIND) = range(len(KINDS))
TITLES: dict[int, str] = {
    EASY: "Easy run", LONG: "Long run", TEMPO: "Tempo run", INTERVALS: "Intervals",
    HILLS: "Hill repeats", RACE: "Race", RECOVERY: "Recovery run", TRAIL: "Trail run",
    RIDE_KIND: "Ride", WALK_KIND: "Walk", WEIGHTS_KIND: "Strength training",
}

#: Heart-rate drift while moving [fraction of HR reserve per hour].
HR_DRIFT_PER_H = 0.04
#: Time constant of the heart-rate response [s].
HR_TAU_S = 30.0
#: Heart-rate-reserve fraction for the non-running sports (ride, walk, strength).
OTHER_SPORT_HRR: dict[int, float] = {RIDE: 0.55, WALK: 0.32, WEIGHTS: 0.42}
#: Cadence rise per percent of uphill grade [steps/min per %].
CADENCE_PER_GRADE_PCT = 0.5
#: Walking cadence at 1.4 m/s and its rise per m/s [steps/min].
WALK_CADENCE_SPM = (105.0, 12.0)
#: Grades below this count as flat for the cadence baseline (SCIENCE.md 6.3) [decimal].
FLAT_GRADE = 0.02


@dataclass
class SessionParams:
    """Column arrays describing sessions (one element per session).

    Durations are seconds (multiples of 5 s), speeds m/s, grades decimal, distances m.
    """

    athlete: np.ndarray      # int: index of the runner in the squad
    day: np.ndarray          # int: days since the first simulated day
    start_s: np.ndarray      # int: local start, seconds after midnight
    sport: np.ndarray        # int: index into SPORTS
    kind: np.ndarray         # int: index into KINDS
    recorded: np.ndarray     # bool: False when the watch was not worn (ground truth only)
    has_hr: np.ndarray       # bool: a heart-rate strap was worn
    easy_s: np.ndarray       # moving time at easy pace (warm-up + cool-down)
    warm_frac: np.ndarray    # share of easy_s before the repetitions
    v_easy: np.ndarray
    roll_g: np.ndarray
    roll_p: np.ndarray
    n_reps: np.ndarray       # int
    rep_s: np.ndarray
    v_rep: np.ndarray
    rep_g: np.ndarray        # uphill grade of the repetitions (0 on the flat)
    rec_s: np.ndarray
    v_rec: np.ndarray
    n_pause: np.ndarray      # int
    pause_s: np.ndarray
    cad_factor: np.ndarray   # 1.0, or below 1 on overstriding runs
    rpe: np.ndarray          # CR-10 or NaN
    threshold: np.ndarray    # runner's threshold speed
    max_hr: np.ndarray
    rest_hr: np.ndarray
    cad_base: np.ndarray     # cadence at 3 m/s on the flat
    cad_slope: np.ndarray

    def __len__(self) -> int:
        return len(self.day)

    def take(self, index: np.ndarray) -> SessionParams:
        """The sessions at ``index`` (an integer or boolean array)."""
        return SessionParams(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @classmethod
    def concat(cls, parts: list[SessionParams]) -> SessionParams:
        return cls(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                      for f in fields(cls)})

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


def triangle_vertical(distance_m: FloatArray, grade: FloatArray,
                      period_m: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Ascent and descent [m] over ``distance_m`` of the rolling-terrain triangle wave."""
    distance_m = np.asarray(distance_m, dtype=float)
    full = np.floor(distance_m / period_m)
    rest = distance_m - full * period_m
    half = period_m / 2.0
    up = grade * (full * half + np.minimum(rest, half))
    down = grade * (full * half + np.maximum(rest - half, 0.0))
    return up, down


def hrr_fraction(effort: Number) -> FloatArray:
    """Steady-state heart-rate-reserve fraction at ``effort`` = grade-weighted speed / threshold."""
    return np.clip(0.88 * np.power(np.maximum(effort, 0.0), 1.2), 0.25, 0.99)


def effort(speed_mps: Number, grade: Number, threshold_mps: Number) -> FloatArray:
    """Running effort relative to threshold: speed weighted by grade (uphill costs more)."""
    factor = np.where(grade >= 0, 1.0 + 6.0 * grade, np.maximum(1.0 + 1.5 * grade, 0.5))
    return speed_mps * factor / threshold_mps


def running_cadence(speed_mps: Number, grade: Number, base: Number,
                    slope: Number) -> FloatArray:
    """Cadence [steps/min] rising with speed and with uphill grade."""
    return base + slope * (speed_mps - 3.0) + CADENCE_PER_GRADE_PCT * 100.0 * np.maximum(grade, 0)


def recovery_grade(p: SessionParams) -> FloatArray:
    """Grade of the recovery pieces: downhill back to the start of each uphill repetition."""
    rep_d = p.rep_s * p.v_rep
    rec_d = p.rec_s * p.v_rec
    return np.where((rec_d > 0) & (p.rep_g > 0), -p.rep_g * rep_d / np.where(rec_d > 0, rec_d, 1),
                    0.0)


@dataclass(frozen=True)
class Summary:
    """Closed-form summary arrays of :class:`SessionParams` (NaN where not applicable)."""

    distance_m: FloatArray
    moving_time_s: FloatArray
    elapsed_time_s: FloatArray
    up_vert_m: FloatArray
    down_vert_m: FloatArray
    time_above_threshold_s: FloatArray
    distance_above_threshold_m: FloatArray
    time_up_10pct_s: FloatArray
    time_down_10pct_s: FloatArray
    avg_heart_rate_bpm: FloatArray
    max_heart_rate_bpm: FloatArray
    avg_cadence_spm: FloatArray
    flat_steady_speed_mps: FloatArray
    flat_steady_cadence_spm: FloatArray
    flat_steady_time_s: FloatArray


def summarise(p: SessionParams) -> Summary:
    """Summaries of every session, vectorised."""
    n = p.n_reps.astype(float)
    is_run = p.sport <= VIRTUAL_RUN
    moves = p.sport != WEIGHTS
    easy_d = np.where(moves, p.easy_s * p.v_easy, 0.0)
    rep_d = n * p.rep_s * p.v_rep
    rec_d = n * p.rec_s * p.v_rec
    distance = easy_d + rep_d + rec_d
    moving = p.easy_s + n * (p.rep_s + p.rec_s)
    elapsed = moving + p.n_pause * p.pause_s
    rec_g = recovery_grade(p)
    roll_up, roll_down = triangle_vertical(easy_d, p.roll_g, p.roll_p)
    up = np.where(moves, roll_up + p.rep_g * rep_d, np.nan)
    down = np.where(moves, roll_down + p.rep_g * rep_d, np.nan)

    thr = p.threshold
    fast_rep, fast_rec, fast_easy = p.v_rep > thr, p.v_rec > thr, p.v_easy > thr
    tat = n * p.rep_s * fast_rep + n * p.rec_s * fast_rec + p.easy_s * fast_easy
    dat = rep_d * fast_rep + rec_d * fast_rec + easy_d * fast_easy
    t_up10 = n * p.rep_s * (p.rep_g > 0.10) + p.easy_s / 2 * (p.roll_g > 0.10)
    t_dn10 = n * p.rec_s * (rec_g < -0.10) + p.easy_s / 2 * (p.roll_g > 0.10)

    other_hrr = np.array([OTHER_SPORT_HRR.get(code, 0.0) for code in range(len(SPORTS))])
    hrr_easy = np.where(is_run, hrr_fraction(effort(p.v_easy, np.zeros_like(thr), thr)),
                        other_hrr[p.sport])
    hrr_rep = hrr_fraction(effort(p.v_rep, p.rep_g, thr))
    hrr_rec = hrr_fraction(effort(p.v_rec, rec_g, thr))
    drift_end = HR_DRIFT_PER_H * moving / 3600.0
    safe_moving = np.where(moving > 0, moving, 1.0)
    avg_hrr = (p.easy_s * hrr_easy + n * p.rep_s * hrr_rep + n * p.rec_s * hrr_rec) / safe_moving
    avg_hrr = avg_hrr + drift_end / 2.0
    rep_peak = np.where(n > 0, hrr_rec + (hrr_rep - hrr_rec) * (1 - np.exp(-p.rep_s / HR_TAU_S)),
                        0.0)
    max_hrr = np.maximum(hrr_easy, rep_peak) + drift_end + 0.02
    max_hrr = np.maximum(max_hrr, avg_hrr + 0.03)
    reserve = p.max_hr - p.rest_hr
    avg_hr = np.round(p.rest_hr + np.minimum(avg_hrr, 0.97) * reserve, 1)
    max_hr = np.round(p.rest_hr + np.minimum(max_hrr, 1.0) * reserve, 1)
    max_hr = np.maximum(max_hr, avg_hr + 1.0)
    avg_hr = np.where(p.has_hr, avg_hr, np.nan)
    max_hr = np.where(p.has_hr, max_hr, np.nan)

    cad_easy = running_cadence(p.v_easy, np.zeros_like(thr), p.cad_base, p.cad_slope)
    cad_rep = running_cadence(p.v_rep, p.rep_g, p.cad_base, p.cad_slope)
    cad_rec = running_cadence(p.v_rec, rec_g, p.cad_base, p.cad_slope)
    run_cad = p.cad_factor * (p.easy_s * cad_easy + n * p.rep_s * cad_rep
                              + n * p.rec_s * cad_rec) / safe_moving
    walk_cad = WALK_CADENCE_SPM[0] + WALK_CADENCE_SPM[1] * (p.v_easy - 1.4)
    cadence = np.where(is_run, run_cad, np.where(p.sport == WALK, walk_cad, np.nan))
    cadence = np.round(cadence, 1)

    flat = is_run & (p.roll_g < FLAT_GRADE) & (p.easy_s > 0)
    return Summary(
        distance_m=np.where(moves, distance, np.nan), moving_time_s=moving,
        elapsed_time_s=elapsed, up_vert_m=up, down_vert_m=down,
        time_above_threshold_s=np.where(is_run, tat, np.nan),
        distance_above_threshold_m=np.where(is_run, dat, np.nan),
        time_up_10pct_s=np.where(moves, t_up10, np.nan),
        time_down_10pct_s=np.where(moves, t_dn10, np.nan),
        avg_heart_rate_bpm=avg_hr, max_heart_rate_bpm=max_hr, avg_cadence_spm=cadence,
        flat_steady_speed_mps=np.where(flat, p.v_easy, np.nan),
        flat_steady_cadence_spm=np.where(flat, p.cad_factor * cad_easy, np.nan),
        flat_steady_time_s=np.where(flat, p.easy_s, 0.0),
    )
