"""Files with the schema of the Lövdal et al. 2021 CSVs and a planted, known signal.

Each athlete has a personal volume scale. The injury log-odds rise with the day-before (day
approach) or last-week (week approach) distance relative to the athlete's own usual distance:
``logit P = base + strength * z``, so a model that uses that column recovers the signal and one
given shuffled labels cannot.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from risk.model.lovdal import (
    ATHLETE_COLUMN,
    DATE_COLUMN,
    DAY_FEATURES,
    LABEL_COLUMN,
    PERCEIVED_DAY,
    REST_DAY_VALUE,
    WEEK_FEATURES,
    WEEK_RATIOS,
)

SIGNAL_DAY = "total km.6"
SIGNAL_WEEK = "total kms"


def lovdal_frame(approach: str = "day", *, athletes: int = 24, rows_per_athlete: int = 120,
                 strength: float = 1.6, base: float = -3.3, seed: int = 1) -> pd.DataFrame:
    """A frame with the original headers, ``injury``, ``Athlete ID`` and ``Date``."""
    rng = np.random.default_rng(seed)
    columns = DAY_FEATURES if approach == "day" else (*WEEK_FEATURES, *WEEK_RATIOS)
    signal = SIGNAL_DAY if approach == "day" else SIGNAL_WEEK
    parts = []
    for athlete in range(athletes):
        scale = rng.uniform(0.6, 1.6)
        n = rows_per_athlete
        values = rng.gamma(2.0, 2.0 * scale, size=(n, len(columns)))
        frame = pd.DataFrame(values, columns=list(columns))
        z = rng.normal(size=n)
        frame[signal] = np.clip(8 * scale * (1 + 0.35 * z), 0, None)
        if approach == "day":
            for day in range(7):
                rest = rng.random(n) < 0.2
                for name in PERCEIVED_DAY:
                    column = name if day == 0 else f"{name}.{day}"
                    frame[column] = np.where(rest, REST_DAY_VALUE,
                                             rng.uniform(0, 1, n).round(2))
        odds = base + strength * z
        frame[LABEL_COLUMN] = (rng.random(n) < 1 / (1 + np.exp(-odds))).astype(int)
        frame[ATHLETE_COLUMN] = athlete
        frame[DATE_COLUMN] = np.sort(rng.choice(np.arange(2500), size=n, replace=False))
        parts.append(frame)
    return pd.concat(parts, ignore_index=True).round(3)


def write_lovdal(path: Path, approach: str = "day", **kwargs: object) -> Path:
    """Write :func:`lovdal_frame` as CSV (the authors' header order) and return the path."""
    lovdal_frame(approach, **kwargs).to_csv(path, index=False)  # type: ignore[arg-type]
    return path
