"""Pure dashboard pieces: figures, the roster table and unit formatting (hand-made frames)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dashboard import charts, units
from dashboard.palette import OKABE_ITO, SEVERITY_SYMBOL
from dashboard.roster_table import ROSTER_COLUMNS, roster_rows
from risk.review import weekly_totals

END = dt.date(2024, 6, 30)


def _daily(athlete: str, km: list[float], *, state: str = "ok") -> pd.DataFrame:
    days = [END - dt.timedelta(days=len(km) - 1 - i) for i in range(len(km))]
    return pd.DataFrame({
        "athlete": athlete, "local_date": days, "distance_km": km,
        "run_count": [int(k > 0) for k in km], "session_count": [int(k > 0) for k in km],
        "longest_run_km": km, "acute_load": km, "chronic_load_uncoupled": km,
        "acwr_uncoupled": 1.2, "acwr_state": state,
    })


def _flags(rows: list[tuple[str, dt.date, str, str]]) -> pd.DataFrame:
    return pd.DataFrame([{"athlete": a, "local_date": d, "kind": k, "severity": s,
                          "message": f"{k} of {a}", "evidence_key": "x"} for a, d, k, s in rows])


def test_load_figure_units_band_and_flags() -> None:
    daily = _daily("A", [10.0, 0.0, 16.09344])
    flags = _flags([("A", END, "session_spike", "high"), ("A", END, "weekly_spike", "low")])
    figure = charts.load_figure(daily, flags, pd.DataFrame(), load="distance_km", unit="mi")
    bars = figure.data[0]
    assert list(bars.y) == pytest.approx([10 / 1.609344, 0.0, 10.0])
    assert figure.layout.yaxis.title.text == "running distance [mi]"
    assert all(axis.type == "date" for axis in (figure.layout.xaxis, figure.layout.xaxis2,
                                                figure.layout.xaxis3))
    band = [s for s in figure.layout.shapes if s.type == "rect"]
    assert (band[0].y0, band[0].y1) == (0.75, 1.44)
    texts = [a.text for a in figure.layout.annotations]
    assert "context band 0.75-1.44" in texts and any("not a risk score" in t for t in texts)
    markers = {t.name: t for t in figure.data if (t.name or "").startswith("flag:")}
    assert set(markers) == {"flag: high", "flag: low"}
    assert markers["flag: high"].marker.symbol == SEVERITY_SYMBOL["high"]
    assert list(markers["flag: high"].text) == ["session spike: session_spike of A"]


def test_load_figure_hides_acwr_while_warming_up_and_keeps_other_loads_unconverted() -> None:
    daily = _daily("A", [6.0, 9.0], state="warming_up").assign(duration_min=[30.0, 45.0])
    figure = charts.load_figure(daily, _flags([]), pd.DataFrame(), load="duration_min",
                                unit="mi")
    assert list(figure.data[0].y) == [30.0, 45.0]  # minutes are not distances
    ratio = next(t for t in figure.data if t.name == "ACWR (uncoupled)")
    assert all(v is None or np.isnan(v) for v in ratio.y)


def test_pain_scores_on_the_same_axis() -> None:
    symptoms = pd.DataFrame({"local_date": [END], "pain_during_run_nrs": [6.0],
                             "pain_next_morning_nrs": [np.nan],
                             "hint": ["hint: tendon load pattern"]})
    figure = charts.load_figure(_daily("A", [5.0]), _flags([]), symptoms, load="distance_km")
    names = [t.name for t in figure.data]
    assert "pain during run" in names and "pain next morning" not in names
    during = next(t for t in figure.data if t.name == "pain during run")
    assert list(during.text) == ["hint: tendon load pattern"]
    assert figure.layout.yaxis3.range == (-0.5, 10.5)


def test_streams_figure_pace_in_units_and_empty_state() -> None:
    streams = pd.DataFrame({"time_s": [0.0, 5.0], "distance_m": [0.0, 16.09344],
                            "speed_mps": [3.2186880, 3.2186880], "heart_rate_bpm": [140.0, 141.0],
                            "cadence_spm": [np.nan, np.nan], "altitude_m": [10.0, 11.0],
                            "grade_pct": [0.0, 6.2], "is_moving": [True, True]})
    figure = charts.streams_figure(streams, unit="mi")
    pace = figure.data[0]
    assert list(pace.y) == pytest.approx([8.333333, 8.333333], rel=1e-5)  # 3.218688 m/s = 8:20/mi
    assert list(pace.x) == pytest.approx([0.0, 0.01])
    assert [t.name for t in figure.data] == ["pace [min/mi]", "heart rate [bpm]", "altitude [m]"]
    empty = charts.streams_figure(streams.iloc[0:0])
    assert "no recorded samples" in empty.layout.annotations[0].text


def test_weekly_figures_from_weekly_totals() -> None:
    weekly = weekly_totals(_daily("A", [8.0] * 14), end=END, weeks=2)
    figure = charts.weekly_figure(weekly, unit="km")
    assert list(figure.data[0].y) == [56.0, 56.0]
    comparison = charts.week_comparison_figure(weekly, unit="mi")
    assert list(comparison.data[0].y) == pytest.approx([56 / 1.609344] * 2)
    assert comparison.data[0].marker.color[-1] != comparison.data[0].marker.color[0]


def test_roster_rows_status_order_and_numbers() -> None:
    # A: 14 days of 5 km then a week of 10 km, a high flag; B: steady 5 km, a low flag;
    # C: nothing for 20 days (no data); D: steady, no flags (ok)
    daily = pd.concat([
        _daily("A", [5.0] * 7 + [10.0] * 7),
        _daily("B", [5.0] * 14),
        _daily("C", [5.0] * 5 + [0.0] * 20),
        _daily("D", [4.0] * 14),
    ])
    flags = _flags([("A", END, "session_spike", "high"), ("A", END - dt.timedelta(days=2),
                                                           "weekly_spike", "moderate"),
                    ("B", END - dt.timedelta(days=6), "monotony_high", "low"),
                    ("D", END - dt.timedelta(days=7), "hill_spike", "urgent")])  # too old
    symptoms = pd.DataFrame({"athlete": ["B", "B"], "local_date": [END - dt.timedelta(days=3),
                                                                    END],
                             "pain_during_run_nrs": [2.0, 4.0], "pain_after_1h_nrs": [3.0, 1.0]})
    frame = roster_rows(["A", "B", "C", "D"], daily, flags, symptoms, END)
    assert tuple(frame.columns) == ROSTER_COLUMNS
    assert frame["athlete"].tolist() == ["A", "B", "D", "C"]
    assert frame["status"].tolist() == ["high", "watch", "ok", "no data"]
    a = frame.iloc[0]
    assert (a["top_flag"], a["flag_count"]) == ("session spike", 2)
    assert a["week_km"] == 70.0 and a["week_change_pct"] == pytest.approx(100.0)  # 70 vs 35
    assert a["weeks_km"][-2:] == [35.0, 70.0] and len(a["weeks_km"]) == 8
    assert a["acwr"] == 1.2 and a["last_data"] == END
    assert frame.iloc[1]["latest_pain"] == "4/10 on 30 Jun"
    c = frame.iloc[3]  # last run 20 days ago: older than 14 days
    assert c["last_data"] == END - dt.timedelta(days=20) and c["week_km"] == 0.0


def test_unit_formatting() -> None:
    assert units.distance(16.09344, "mi") == "10.0 mi"
    assert units.distance(float("nan"), "km") == "-"
    assert units.pace(1000 / 330, "km") == "5:30 /km"
    assert units.pace(0.0, "km") == "-"
    assert units.duration(3725) == "1:02:05" and units.duration(65) == "1:05"
    with pytest.raises(ValueError, match="unknown distance unit"):
        units.per_km("furlong")


def test_palette_is_okabe_ito() -> None:
    assert OKABE_ITO["vermillion"] == "#D55E00" and OKABE_ITO["bluish_green"] == "#009E73"
