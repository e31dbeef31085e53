"""Sample streams of one simulated session, consistent with its closed-form summary.

The pieces of :mod:`etl.demo.sessions` are sampled every ``interval_s`` seconds. Speed has a
little correlated noise whose mean is removed, so the distance stream ends exactly at the
summary distance; altitude integrates the grade (rolling terrain, hill repetitions); heart rate
follows the effort of each piece through a first-order lag with drift, and is then scaled so
its moving mean and its maximum equal the summary values; cadence rises with speed and uphill
grade around the runner's own baseline. Pauses stop the clock of motion (``is_moving`` False,
speed 0) while time runs on. Sample ``i`` describes the interval from ``time_s[i]`` to
``time_s[i + 1]``; a final sample closes the last interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from etl.demo import sessions as S
from etl.records import empty_streams
from loadwatch import columns as C

#: Relative speed noise (standard deviation, clip) on every piece.
SPEED_NOISE = (0.006, 0.015)
#: Heart-rate-reserve fraction during pauses and at the start.
PAUSE_HRR = 0.35
START_HRR = 0.25


def _pieces(p: S.SessionParams, i: int) -> list[tuple[float, float, float, bool]]:
    """(duration_s, speed_mps, grade or NaN for rolling terrain, is_easy) of each moving piece."""
    easy_s = float(p.easy_s[i])
    warm = 5.0 * round(float(p.warm_frac[i]) * easy_s / 5.0) if p.n_reps[i] else easy_s
    pieces: list[tuple[float, float, float, bool]] = []
    rolling = float("nan")
    if warm > 0:
        pieces.append((warm, float(p.v_easy[i]), rolling, True))
    rep_d, rec_d = float(p.rep_s[i] * p.v_rep[i]), float(p.rec_s[i] * p.v_rec[i])
    rec_g = -float(p.rep_g[i]) * rep_d / rec_d if rec_d > 0 and p.rep_g[i] > 0 else 0.0
    for _ in range(int(p.n_reps[i])):
        pieces.append((float(p.rep_s[i]), float(p.v_rep[i]), float(p.rep_g[i]), False))
        if p.rec_s[i] > 0:
            pieces.append((float(p.rec_s[i]), float(p.v_rec[i]), rec_g, False))
    if easy_s - warm > 0:
        pieces.append((easy_s - warm, float(p.v_easy[i]), rolling, True))
    return pieces


def session_streams(p: S.SessionParams, i: int, summary: S.Summary, interval_s: float,
                    rng: np.random.Generator) -> pd.DataFrame:
    """The streams of session ``i`` of ``p`` (empty for strength sessions).

    Parameters
    ----------
    p, i
        The session table and the row to sample.
    summary
        :func:`etl.demo.sessions.summarise` of ``p`` (the values the streams must agree with).
    interval_s
        Sampling interval [s]; 1 or 5 (piece durations are multiples of 5 s).
    rng
        Noise source for this session.
    """
    sport = int(p.sport[i])
    if sport == S.WEIGHTS:
        return empty_streams()
    pieces = _pieces(p, i)
    counts = np.array([round(d / interval_s) for d, _, _, _ in pieces])
    speed_piece = np.repeat([v for _, v, _, _ in pieces], counts)
    grade_piece = np.repeat([g for _, _, g, _ in pieces], counts)
    easy = np.repeat([e for _, _, _, e in pieces], counts)
    n_moving = int(counts.sum())

    sigma, clip = SPEED_NOISE
    noise = lfilter([np.sqrt(1 - 0.9**2)], [1, -0.9], rng.normal(0, sigma, n_moving))
    noise = np.clip(noise, -clip, clip)
    noise -= np.sum(speed_piece * noise) / np.sum(speed_piece)
    speed = speed_piece * (1 + noise)

    step = speed * interval_s
    easy_step = np.where(easy, step, 0.0)
    u = np.concatenate(([0.0], np.cumsum(easy_step)[:-1]))
    period, roll = float(p.roll_p[i]), float(p.roll_g[i])
    rolling = np.where(np.mod(u, period) < period / 2, roll, -roll)
    grade = np.where(np.isnan(grade_piece), rolling, grade_piece)

    thr = float(p.threshold[i])
    is_run = sport <= S.VIRTUAL_RUN
    if is_run:
        target = S.hrr_fraction(S.effort(speed_piece, np.where(easy, 0.0, grade), thr))
        cadence = S.running_cadence(speed_piece, grade, float(p.cad_base[i]),
                                    float(p.cad_slope[i])) * float(p.cad_factor[i])
    else:
        target = np.full(n_moving, S.OTHER_SPORT_HRR[sport])
        walk_base, walk_slope = S.WALK_CADENCE_SPM
        cadence = (walk_base + walk_slope * (speed_piece - 1.4) if sport == S.WALK
                   else np.full(n_moving, np.nan))
    target = target + S.HR_DRIFT_PER_H * np.arange(n_moving) * interval_s / 3600.0
    cadence = cadence + rng.normal(0, 1.2, n_moving)

    moving = np.ones(n_moving, dtype=bool)
    pause_n, pause_len = int(p.n_pause[i]), round(float(p.pause_s[i]) / interval_s)
    if pause_n and pause_len:
        easy_index = np.flatnonzero(easy)
        spots = easy_index[(np.arange(1, pause_n + 1) * len(easy_index)) // (pause_n + 1)]
        block = np.repeat(spots, pause_len)
        speed, grade = np.insert(speed, block, 0.0), np.insert(grade, block, 0.0)
        target = np.insert(target, block, PAUSE_HRR)
        cadence = np.insert(cadence, block, 0.0 if is_run or sport == S.WALK else np.nan)
        moving = np.insert(moving, block, False)

    alpha = 1 - np.exp(-interval_s / S.HR_TAU_S)
    hrr = lfilter([alpha], [1, -(1 - alpha)], target, zi=[(1 - alpha) * START_HRR])[0]
    hrr = hrr + rng.normal(0, 0.004, len(hrr))

    distance = np.concatenate(([0.0], np.cumsum(speed * interval_s)))
    altitude = 20.0 + 35.0 * (int(p.athlete[i]) % 7) + np.concatenate(
        ([0.0], np.cumsum(grade * speed * interval_s)))
    n = len(speed) + 1
    frame = pd.DataFrame({
        C.TIME_S: np.arange(n) * interval_s,
        C.DISTANCE_M: distance,
        C.ALTITUDE_M: np.round(altitude, 2),
        C.HEART_RATE_BPM: _match_heart_rate(p, i, summary, hrr, moving),
        C.CADENCE_SPM: _match_mean(np.append(cadence, cadence[-1]), moving,
                                   float(summary.avg_cadence_spm[i])),
        C.SPEED_MPS: np.append(speed, speed[-1]),
        C.GRADE_PCT: np.append(grade, grade[-1]) * 100.0,
        C.IS_MOVING: np.append(moving, moving[-1]),
    })
    return frame


def _match_heart_rate(p: S.SessionParams, i: int, summary: S.Summary, hrr: np.ndarray,
                      moving: np.ndarray) -> np.ndarray:
    """Scale the heart-rate trace so its moving mean and its maximum equal the summary."""
    if not p.has_hr[i]:
        return np.full(len(hrr) + 1, np.nan)
    raw = float(p.rest_hr[i]) + hrr * float(p.max_hr[i] - p.rest_hr[i])
    mean_raw, max_raw = float(raw[moving].mean()), float(raw.max())
    avg, top = float(summary.avg_heart_rate_bpm[i]), float(summary.max_heart_rate_bpm[i])
    scale = (top - avg) / (max_raw - mean_raw) if max_raw > mean_raw else 0.0
    scaled = avg + (raw - mean_raw) * scale
    return np.append(scaled, scaled[-1])


def _match_mean(values: np.ndarray, moving: np.ndarray, target: float) -> np.ndarray:
    """Shift ``values`` so their mean over the moving intervals equals ``target``."""
    if not np.isfinite(target):
        return values
    mask = np.append(moving, False)
    shifted = values.copy()
    shifted[mask] += target - float(values[mask].mean())
    if len(shifted) > 1:
        shifted[-1] = shifted[-2]
    return shifted
