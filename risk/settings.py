"""Risk thresholds: one frozen settings object, each value with its unit and source.

:class:`RiskSettings` holds every threshold the flag rules (:mod:`risk.flags`), the overstride
proxy (:mod:`risk.overstride`) and the forward guidance (:mod:`risk.guidance`) use. Defaults are
those of SCIENCE.md section 9. A coach or the athlete may override a value for one athlete (or
for everyone, key ``"*"``); every override records who made it and why, and
:meth:`RiskSettings.overridden` / :func:`describe_settings` list them so that no changed
threshold is ever hidden.

Overrides are given as a mapping ``{athlete: {setting: value}}`` where a value is a number or a
mapping ``{"value": number, "by": "who", "reason": "why"}``::

    {"*": {"weekly_spike_pct": 40},
     "Ana": {"session_small_pct": {"value": 15, "by": "coach Jo", "reason": "rehab plan"}}}

The squad-wide entry ``"*"`` is applied first, the athlete's own entry on top of it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from risk.errors import SettingsError

ALL_ATHLETES = "*"

_FRANDSEN = "Frandsen et al. 2025, BJSM 59(17):1203-1210, doi:10.1136/bjsports-2024-109380 (A)"
_NIELSEN = ("Nielsen et al. 2014, JOSPT 44(10):739-747, doi:10.2519/jospt.2014.5164; "
            "Damsted et al. 2019, JOSPT 49(4):230-238 (A, weak)")
_GABBETT = ("Gabbett 2016, BJSM 50(5):273-280, doi:10.1136/bjsports-2015-095788, mapped to the "
            "uncoupled ratio (Windt & Gabbett 2019) (B/C; contradictory in runners)")
_LOLLI = "SCIENCE.md 1.5 [heuristic] (D)"
_HILL = "SCIENCE.md 4.2: mirrors the distance rules; Roberts & Belliveau 2005 rationale (D)"
_INTENSITY = "SCIENCE.md 5.1 and 9 (D)"
_FOSTER = "Foster 1998, MSSE 30(7):1164-1168, doi:10.1097/00005768-199807000-00023 (B/C)"
_RECOVERY = "SCIENCE.md 5.1 [heuristic] (D)"
_OVERSTRIDE = "SCIENCE.md 6.3 [heuristic]; Heiderscheit et al. 2011 rationale (D)"
_GAP = "SCIENCE.md 0: data-gap badge [heuristic] (D)"
_PRODUCT = "loadwatch product choice, docs/flags.md [heuristic] (D)"


def _setting(default: float, unit: str, source: str, meaning: str) -> Any:
    return field(default=default, metadata={"unit": unit, "source": source, "meaning": meaning})


@dataclass(frozen=True)
class Override:
    """One changed threshold: which, to what, by whom and why."""

    name: str
    value: float
    default: float
    by: str = ""
    reason: str = ""
    athlete: str = ALL_ATHLETES


@dataclass(frozen=True)
class RiskSettings:
    """Every threshold of the load flags, with its unit and source (field metadata).

    Percentages are in percent (``30`` means 30 %), factors are plain multipliers. Use
    :meth:`with_overrides` to change values: it keeps a visible record in :attr:`applied`.
    """

    session_window_days: float = _setting(
        30, "d", _FRANDSEN, "look-back for the longest prior run (Lmax30)")
    session_small_pct: float = _setting(
        10, "%", _FRANDSEN, "session spike above this is 'small' (HRR 1.64)")
    session_moderate_pct: float = _setting(
        30, "%", _FRANDSEN, "session spike above this is 'moderate' (HRR 1.52)")
    session_large_pct: float = _setting(
        100, "%", _FRANDSEN, "session spike above this is 'large' (HRR 2.28)")
    same_day_sum_factor: float = _setting(
        1.10, "x", "SCIENCE.md 2.2 same-day doubles [heuristic extension] (D)",
        "flag a day whose summed runs exceed this multiple of Lmax30")
    weekly_spike_pct: float = _setting(
        30, "%", _NIELSEN, "7-day distance increase over the previous 7 days that is flagged")
    weekly_spike_moderate_pct: float = _setting(
        60, "%", "Damsted 2019 upper band 20-60 % [heuristic severity step] (D)",
        "weekly increase above this is reported with moderate severity")
    acwr_high: float = _setting(
        1.80, "ratio", _GABBETT, "uncoupled ACWR at or above this is 'high' (coupled 1.5)")
    acwr_low: float = _setting(
        0.75, "ratio", _GABBETT, "uncoupled ACWR below this is 'under-loaded' (coupled 0.8)")
    acwr_band_high: float = _setting(
        1.44, "ratio", _GABBETT, "upper edge of the usual band used by guidance (coupled 1.3)")
    acwr_min_chronic_km_per_day: float = _setting(
        1.0, "km/d", _LOLLI, "below this chronic distance there is no meaningful ratio")
    acwr_min_chronic_runs: float = _setting(
        4, "runs", _LOLLI, "fewer runs in the 21-day chronic window: no meaningful ratio")
    injury_suppress_days: float = _setting(
        28, "d", "SCIENCE.md 1.5 tapers and injuries [heuristic] (D)",
        "ACWR flags are suppressed this long after a logged injury")
    hill_session_factor: float = _setting(
        1.10, "x", _HILL, "session uphill vertical above this multiple of the 30-day max")
    hill_session_min_m: float = _setting(
        100, "m", _HILL, "minimum session uphill vertical for a hill session spike")
    hill_week_factor: float = _setting(
        1.30, "x", _HILL, "7-day uphill above this multiple of the mean week of the 21 d before")
    hill_week_min_delta_m: float = _setting(
        150, "m", _HILL, "minimum 7-day uphill increase for a hill week spike")
    steep_window_days: float = _setting(
        28, "d", _HILL, "no steep (>10 %) running in this many days before: first exposure")
    steep_min_s: float = _setting(
        60, "s", "GPS noise floor for time above +10 % grade [heuristic] (D)",
        "time above +10 % grade that counts as steep exposure")
    hard_rpe: float = _setting(
        7, "CR-10", _INTENSITY, "session RPE at or above this makes a hard day")
    hard_time_above_threshold_min: float = _setting(
        10, "min", _INTENSITY, "time above threshold speed at or above this makes a hard day")
    hard_stress_factor: float = _setting(
        1.5, "x", _INTENSITY, "session rTSS/HRSS at or above this multiple of the median")
    hard_stress_min_sessions: float = _setting(
        5, "runs", _PRODUCT, "prior runs needed before the rTSS/HRSS median is used")
    hard_stress_min_duration_min: float = _setting(
        10, "min", _PRODUCT, "shorter runs (e.g. accidental recordings) are left out of the "
        "rTSS/HRSS median and the stress criterion")
    consecutive_hard_days: float = _setting(
        2, "d", _RECOVERY, "this many consecutive hard days is flagged")
    hard_days_max_per_7d: float = _setting(
        3, "d", _INTENSITY, "more hard days than this in 7 days is flagged")
    intensity_week_factor: float = _setting(
        1.3, "x", _INTENSITY, "7-day time above threshold above this multiple of the 21-d mean")
    intensity_week_min_delta_min: float = _setting(
        10, "min", _PRODUCT, "minimum 7-day increase in time above threshold")
    monotony_max: float = _setting(
        2.0, "ratio", _FOSTER, "Foster monotony above this is flagged")
    monotony_cap: float = _setting(
        10, "ratio", "SCIENCE.md 3.2 std = 0 edge case (D)", "monotony at the cap: no variation")
    strain_percentile: float = _setting(
        90, "%", "SCIENCE.md 3.2 individual strain threshold [heuristic percentile] (D)",
        "strain above this percentile of the athlete's own history is flagged")
    strain_min_history_days: float = _setting(
        182, "d", "SCIENCE.md 3.2 '6+ months' (D)", "days of strain history needed first")
    no_rest_days: float = _setting(
        10, "d", _RECOVERY, "this many consecutive days without a rest day is flagged")
    rest_total_load_frac: float = _setting(
        0.20, "frac", _RECOVERY, "a day is rest when total load is below this share of median")
    overstride_deficit_pct: float = _setting(
        -5, "%", _OVERSTRIDE, "median speed-matched cadence residual at or below this")
    overstride_baseline_days: float = _setting(
        56, "d", _OVERSTRIDE, "baseline of flat steady windows from this many days before")
    overstride_min_flat_s: float = _setting(
        300, "s", _OVERSTRIDE, "sessions with less flat steady running are not judged")
    overstride_min_baseline_windows: float = _setting(
        20, "windows", _PRODUCT, "flat steady 60-s windows needed for a baseline")
    overstride_min_baseline_sessions: float = _setting(
        3, "runs", _PRODUCT, "runs the baseline windows must come from")
    overstride_max_climb_m_per_km: float = _setting(
        20, "m/km", _PRODUCT, "runs climbing more than this per km count as hilly (excluded)")
    data_gap_missing_days: float = _setting(
        3, "d", _GAP, "consecutive days marked missing (trained, not recorded) that are flagged")
    data_gap_window_days: float = _setting(
        14, "d", _GAP, "window in which recorded days are counted")
    data_gap_recorded_frac: float = _setting(
        0.5, "frac", _GAP, "fewer recorded days than this share of usual is flagged")
    data_gap_history_days: float = _setting(
        84, "d", _GAP, "history over which 'usual' recorded days are taken")
    data_gap_min_usual_days: float = _setting(
        4, "d", _GAP, "only judge athletes who usually record at least this many days")
    guidance_longest_factor: float = _setting(
        1.10, "x", _FRANDSEN, "next long run at most this multiple of the 30-day longest")
    applied: tuple[Override, ...] = field(default=(), metadata={"internal": True})

    def with_overrides(self, values: Mapping[str, Any], *, athlete: str = ALL_ATHLETES,
                       by: str = "", reason: str = "") -> RiskSettings:
        """A copy with ``values`` changed, each change recorded in :attr:`applied`.

        Parameters
        ----------
        values
            ``{setting: number}`` or ``{setting: {"value": number, "by": str, "reason": str}}``.
        athlete, by, reason
            Whose settings these are and, by default, who changed them and why.

        Raises
        ------
        SettingsError
            For an unknown setting name or a value that is not a finite number.
        """
        names = setting_names()
        changes: dict[str, float] = {}
        records = list(self.applied)
        for name, raw in values.items():
            if name not in names:
                raise SettingsError(
                    f"unknown risk setting {name!r} in the overrides for {athlete!r}; "
                    f"use one of: {', '.join(names)}")
            spec = raw if isinstance(raw, Mapping) else {"value": raw}
            value = _number(spec.get("value"), name, athlete)
            changes[name] = value
            records = [r for r in records if r.name != name]
            records.append(Override(name, value, _DEFAULTS[name],
                                    str(spec.get("by", by) or ""),
                                    str(spec.get("reason", reason) or ""), athlete))
        return dataclasses.replace(self, **changes, applied=tuple(records))

    def overridden(self) -> tuple[Override, ...]:
        """The overrides in effect (values that differ from the defaults or were set)."""
        return self.applied

    def source(self, name: str) -> str:
        """The source of setting ``name``."""
        return str(_FIELDS[name].metadata["source"])


def _number(raw: Any, name: str, athlete: str) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = math.nan
    if not math.isfinite(value) or isinstance(raw, bool):
        raise SettingsError(
            f"risk setting {name!r} for {athlete!r} must be a finite number, got {raw!r}; "
            f"the default is {_DEFAULTS[name]}")
    return value


_FIELDS = {f.name: f for f in dataclasses.fields(RiskSettings) if "source" in f.metadata}
_DEFAULTS: dict[str, float] = {name: float(f.default) for name, f in _FIELDS.items()}  # type: ignore[arg-type]


def setting_names() -> tuple[str, ...]:
    """Names of every threshold in :class:`RiskSettings`."""
    return tuple(_FIELDS)


def settings_for(athlete: str, settings: RiskSettings | None = None,
                 overrides: Mapping[str, Mapping[str, Any]] | None = None) -> RiskSettings:
    """The settings that apply to ``athlete``: squad-wide (``"*"``) then own overrides.

    Raises
    ------
    SettingsError
        When an override names an unknown setting or gives a non-numeric value.
    """
    result = settings or RiskSettings()
    if not overrides:
        return result
    for key in (ALL_ATHLETES, athlete):
        values = overrides.get(key)
        if values:
            result = result.with_overrides(values, athlete=key)
    return result


def describe_settings(settings: RiskSettings | None = None) -> pd.DataFrame:
    """Every threshold with value, default, unit, source and who overrode it and why.

    Columns: ``setting``, ``value``, ``default``, ``unit``, ``meaning``, ``source``,
    ``is_overridden``, ``overridden_by``, ``override_reason``, ``override_scope``.
    """
    settings = settings or RiskSettings()
    by_name = {o.name: o for o in settings.applied}
    rows = []
    for name, spec in _FIELDS.items():
        found = by_name.get(name)
        rows.append({
            "setting": name, "value": float(getattr(settings, name)), "default": _DEFAULTS[name],
            "unit": spec.metadata["unit"], "meaning": spec.metadata["meaning"],
            "source": spec.metadata["source"], "is_overridden": found is not None,
            "overridden_by": found.by if found else "",
            "override_reason": found.reason if found else "",
            "override_scope": found.athlete if found else "",
        })
    return pd.DataFrame(rows)
