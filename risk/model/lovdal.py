"""Schema and feature matrix of the public Lövdal et al. 2021 data set.

The two CSV files of DataverseNL doi:10.34894/UWU9PV (``day_approach_maskedID_timeseries.csv``,
``week_approach_maskedID_timeseries.csv``) hold one row per event day with the training of the
days (or weeks) before it, a binary ``injury`` label, ``Athlete ID`` and ``Date`` (days relative
to the first record of the data set).

Quirks handled here (authors' README, version 2 of 19.4.2024):

* Day approach: 10 features for each of 7 days. The suffix counts *up* towards the event: no
  suffix (or ``.0``) is 7 days before the event, ``.6`` the day before it. The first version of
  the paper stated the opposite order. :data:`DAY_FEATURES` are ordered oldest day first.
* Week approach: 22 features for each of 3 weeks. Here the suffix counts *back*: no suffix is
  the week before the event, ``.1`` two weeks before, ``.2`` three weeks before. Three optional
  ratio columns (``rel total kms week 0_1`` ...) follow when present.
* Perceived exertion, training success and recovery are ``-0.01`` on rest days. The value is
  kept as given (it lies below the rating scale, so trees separate it); :func:`rest_day_mask`
  finds it.

References
----------
Lövdal SS, den Hartigh RJR, Azzopardi G. Injury prediction in competitive runners with machine
learning. Int J Sports Physiol Perform 2021;16(10):1522-1531. doi:10.1123/ijspp.2020-0518
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from risk.errors import FrameContractError

Approach = Literal["day", "week"]

ATHLETE_COLUMN = "Athlete ID"
DATE_COLUMN = "Date"
LABEL_COLUMN = "injury"
REST_DAY_VALUE = -0.01

DAY_BASE: tuple[str, ...] = (
    "nr. sessions", "total km", "km Z3-4", "km Z5-T1-T2", "km sprinting", "strength training",
    "hours alternative", "perceived exertion", "perceived trainingSuccess", "perceived recovery",
)
WEEK_BASE: tuple[str, ...] = (
    "nr. sessions", "nr. rest days", "total kms", "max km one day", "total km Z3-Z4-Z5-T1-T2",
    "nr. tough sessions (effort in Z5, T1 or T2)", "nr. days with interval session",
    "total km Z3-4", "max km Z3-4 one day", "total km Z5-T1-T2", "max km Z5-T1-T2 one day",
    "total hours alternative training", "nr. strength trainings", "avg exertion",
    "min exertion", "max exertion", "avg training success", "min training success",
    "max training success", "avg recovery", "min recovery", "max recovery",
)
WEEK_RATIOS: tuple[str, ...] = (
    "rel total kms week 0_1", "rel total kms week 0_2", "rel total kms week 1_2",
)
DAYS, WEEKS = 7, 3
PERCEIVED_DAY: tuple[str, ...] = DAY_BASE[-3:]


def _suffixed(name: str, block: int) -> str:
    return name if block == 0 else f"{name}.{block}"


#: Day-approach columns, oldest day first (block 0 = 7 days before, block 6 = the day before).
DAY_FEATURES: tuple[str, ...] = tuple(_suffixed(n, b) for b in range(DAYS) for n in DAY_BASE)
#: Week-approach columns, oldest week first (block 2 = 3 weeks before, block 0 = last week).
WEEK_FEATURES: tuple[str, ...] = tuple(
    _suffixed(n, b) for b in reversed(range(WEEKS)) for n in WEEK_BASE)

LABEL_DEFINITION = ("injury = 1 when the event day began an injury (authors' label: a new "
                    "injury that made the athlete miss at least one training), features from "
                    "the 7 days (day approach) or 3 weeks (week approach) before that day")


@dataclass(frozen=True)
class LovdalData:
    """A validated Lövdal file as arrays for scikit-learn.

    Attributes
    ----------
    approach : {"day", "week"}
    features : DataFrame
        Numeric feature columns in chronological order (original column names).
    label : ndarray of int or None
        ``injury`` (0/1); ``None`` for a file without labels (scoring only).
    athlete : ndarray of int
        ``Athlete ID`` of every row.
    date : ndarray of int
        ``Date`` of every row (days relative to the first record).
    """

    approach: Approach
    features: pd.DataFrame
    label: np.ndarray | None
    athlete: np.ndarray
    date: np.ndarray

    @property
    def n_events(self) -> int:
        """Number of injury events (0 without labels)."""
        return 0 if self.label is None else int(self.label.sum())


def feature_columns(approach: Approach, columns: pd.Index | list[str]) -> tuple[str, ...]:
    """The model's feature columns for ``approach``, given the file's columns."""
    if approach == "day":
        return DAY_FEATURES
    present = set(columns)
    return WEEK_FEATURES + tuple(c for c in WEEK_RATIOS if c in present)


def detect_approach(columns: pd.Index | list[str]) -> Approach:
    """``"week"`` when the week-only columns are there, else ``"day"``."""
    return "week" if "total kms" in set(columns) else "day"


def describe_feature(name: str, approach: Approach) -> str:
    """Plain words for a column, e.g. ``"total km, 1 day before the event"``."""
    if name in WEEK_RATIOS:
        return f"{name} (ratio of weekly km)"
    base, _, suffix = name.rpartition(".")
    if not base or not suffix.isdigit():
        base, block = name, 0
    else:
        block = int(suffix)
    if approach == "day":
        ago = DAYS - block
        return f"{base}, {ago} day{'s' if ago > 1 else ''} before the event"
    return f"{base}, week {block + 1} before the event"


def _normalise_names(frame: pd.DataFrame) -> pd.DataFrame:
    """Strip spaces around headers and map ``name.0`` to ``name``."""
    renamed = {c: str(c).strip() for c in frame.columns}
    frame = frame.rename(columns=renamed)
    zero = {c: c[:-2] for c in frame.columns
            if c.endswith(".0") and c[:-2] in DAY_BASE + WEEK_BASE}
    return frame.rename(columns=zero)


def lovdal_data(frame: pd.DataFrame, approach: Approach | None = None, *,
                require_label: bool = True) -> LovdalData:
    """Check a Lövdal frame and turn it into :class:`LovdalData`.

    Parameters
    ----------
    frame : DataFrame
        The CSV as read (original headers).
    approach : {"day", "week"}, optional
        Detected from the columns when omitted.
    require_label : bool, default True
        False accepts a file without ``injury`` (to score it).

    Raises
    ------
    FrameContractError
        Naming the missing columns, or the first column and row with a value that is not a
        number, or an ``injury`` value other than 0/1.
    """
    frame = _normalise_names(frame)
    chosen: Approach = approach or detect_approach(frame.columns)
    wanted = feature_columns(chosen, frame.columns)
    needed = [*wanted, ATHLETE_COLUMN, DATE_COLUMN] + ([LABEL_COLUMN] if require_label else [])
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        shown = ", ".join(repr(c) for c in missing[:6])
        more = f" and {len(missing) - 6} more" if len(missing) > 6 else ""
        raise FrameContractError(
            f"not a Lövdal {chosen}-approach file: missing column(s) {shown}{more}; use "
            f"{chosen}_approach_maskedID_timeseries.csv from doi:10.34894/UWU9PV unchanged")
    if frame.empty:
        raise FrameContractError("the file has a header but no rows; give the complete CSV")
    numeric = {}
    for name in [*wanted, ATHLETE_COLUMN, DATE_COLUMN]:
        values = pd.to_numeric(frame[name], errors="coerce")
        bad = values.isna() & frame[name].notna()
        if name in (ATHLETE_COLUMN, DATE_COLUMN):
            bad |= values.isna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise FrameContractError(
                f"column {name!r}, data row {row + 1}: {frame[name].iloc[row]!r} is not a "
                "number; repair the row or download the file again")
        numeric[name] = values.astype("float64")
    label = None
    if LABEL_COLUMN in frame.columns:
        raw = pd.to_numeric(frame[LABEL_COLUMN], errors="coerce")
        bad = ~raw.isin([0, 1])
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise FrameContractError(
                f"column 'injury', data row {row + 1}: {frame[LABEL_COLUMN].iloc[row]} is "
                "not 0 or 1; the label must be binary")
        label = raw.to_numpy(dtype=np.int64)
    features = pd.DataFrame({c: numeric[c] for c in wanted}, index=range(len(frame)))
    return LovdalData(
        approach=chosen, features=features, label=label,
        athlete=numeric[ATHLETE_COLUMN].to_numpy(dtype=np.int64),
        date=numeric[DATE_COLUMN].to_numpy(dtype=np.int64),
    )


def rest_day_mask(data: LovdalData) -> pd.DataFrame:
    """Boolean frame: True where a day-approach perception holds the rest-day value -0.01."""
    columns = [c for c in data.features.columns
               if c.rpartition(".")[0] in PERCEIVED_DAY or c in PERCEIVED_DAY]
    flags = np.isclose(data.features[columns].to_numpy(dtype=float), REST_DAY_VALUE)
    return pd.DataFrame(flags, columns=columns, index=data.features.index)


def per_athlete_normalise(features: pd.DataFrame, athlete: np.ndarray,
                          reference: np.ndarray) -> pd.DataFrame:
    """Z-scores per athlete, with mean and SD taken from that athlete's ``reference`` rows.

    The authors' protocol (Lövdal et al. 2021) uses each athlete's healthy events
    (``injury == 0``) as reference, for training and test athletes alike: that reads the test
    labels, which is why :mod:`risk.model.protocols` also runs a stricter protocol.

    Parameters
    ----------
    features : DataFrame
        Numeric features.
    athlete : ndarray
        Athlete of every row.
    reference : ndarray of bool
        Rows whose mean and SD define each athlete's scale.

    Returns
    -------
    DataFrame
        Same shape; a feature with SD 0 (or a single reference row) is only centred; an athlete
        without reference rows is left as is.
    """
    values = features.to_numpy(dtype=float, copy=True)
    for who in np.unique(athlete):
        rows = athlete == who
        ref = rows & reference
        if not ref.any():
            continue
        mean = values[ref].mean(axis=0)
        sd = values[ref].std(axis=0, ddof=1) if ref.sum() > 1 else np.zeros(values.shape[1])
        sd = np.where(np.isfinite(sd) & (sd > 0), sd, 1.0)
        values[rows] = (values[rows] - mean) / sd
    return pd.DataFrame(values, columns=features.columns, index=features.index)
