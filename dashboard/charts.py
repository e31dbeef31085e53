"""Plotly figures as pure functions: frames in, figure out (no streamlit, no store).

Colours come from the Okabe-Ito palette (:mod:`dashboard.palette`); every coloured element
also has a legend entry or text label, and severities differ by marker shape too.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.palette import OKABE_ITO, SERIES_COLOUR, SEVERITY_COLOUR, SEVERITY_SYMBOL
from dashboard.units import per_km

ACWR_BAND = (0.75, 1.44)
"""Uncoupled-ACWR context band (coupled 0.8-1.3, Gabbett 2016, mapped: SCIENCE.md 1.1)."""
ACWR_HIGH = 1.80
"""Uncoupled ACWR equivalent of the coupled 1.5 "danger zone" (SCIENCE.md 1.1, 1.3)."""

LOAD_LABELS: dict[str, str] = {
    "distance_km": "running distance",
    "duration_min": "running time [min]",
    "srpe_au": "session-RPE load [au]",
    "trimp_au": "TRIMP [au]",
    "hrss_au": "HRSS [au]",
    "rtss_au": "rTSS [au]",
    "up_vert_m": "uphill vertical [m]",
    "gap_distance_km": "grade-adjusted distance",
}
DISTANCE_LOADS = frozenset({"distance_km", "gap_distance_km"})

_LAYOUT = dict(template="plotly_white", margin=dict(l=10, r=10, t=70, b=10),
               legend=dict(orientation="h", yanchor="bottom", y=1.04, x=0),
               hovermode="x unified", font=dict(size=13))


def load_label(load: str, unit: str) -> str:
    """Axis label of a load measure in the chosen distance unit."""
    label = LOAD_LABELS.get(load, load)
    return f"{label} [{unit}]" if load in DISTANCE_LOADS else label


def _empty(title: str, message: str) -> go.Figure:
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper",
                          yref="paper", font=dict(size=14))
    figure.update_layout(title=title, xaxis_visible=False, yaxis_visible=False, **_LAYOUT)
    return figure


def _flag_markers(flags: pd.DataFrame, y: float) -> list[go.Scatter]:
    traces = []
    for severity in ("urgent", "high", "moderate", "low"):
        part = flags[flags["severity"] == severity]
        if part.empty:
            continue
        traces.append(go.Scatter(
            x=pd.to_datetime(part["local_date"]), y=[y] * len(part), mode="markers",
            name=f"flag: {severity}",
            marker=dict(color=SEVERITY_COLOUR[severity], symbol=SEVERITY_SYMBOL[severity],
                        size=12, line=dict(color="#000000", width=1)),
            text=part["kind"].str.replace("_", " ") + ": " + part["message"],
            hovertemplate="%{text}<extra>" + severity + "</extra>"))
    return traces


def load_figure(daily: pd.DataFrame, flags: pd.DataFrame, symptoms: pd.DataFrame, *,
                load: str, unit: str = "km", wellness: pd.DataFrame | None = None) -> go.Figure:
    """Daily load bars with acute and chronic lines; ACWR with its context band and flags;
    pain scores (and wellness, when given) on the same time axis.

    Parameters
    ----------
    daily
        One athlete's daily rows with ``local_date``, the load column, ``acute_load``,
        ``chronic_load_uncoupled`` and ``acwr_uncoupled`` (NaN where the ratio is hidden).
    flags
        That athlete's flags (``local_date``, ``kind``, ``severity``, ``message``).
    symptoms
        Symptom entries with ``local_date`` and any of ``pain_during_run_nrs``,
        ``pain_after_1h_nrs``, ``pain_next_morning_nrs``, ``pain_at_rest_nrs`` (0-10) and an
        optional ``hint`` text.
    load
        The load column; distance loads are shown in ``unit`` (km or mi).
    wellness
        Optional wellness scores with ``local_date`` and ``hooper_index_au``
        (``risk.symptoms.wellness_scores``).
    """
    if daily.empty:
        return _empty("Daily load", "No training days in this range.")
    rows = 3 if wellness is None or wellness.empty else 4
    titles = ["Daily load with acute (7-day) and chronic (21-day) means",
              "ACWR (context, not a risk score): this week vs your recent weeks",
              "Pain scores (0-10)"] + (["Wellness (Hooper index, higher = worse)"]
                                       if rows == 4 else [])
    heights = [0.45, 0.25, 0.3] if rows == 3 else [0.4, 0.2, 0.2, 0.2]
    figure = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.07,
                           subplot_titles=titles, row_heights=heights)
    factor = per_km(unit) if load in DISTANCE_LOADS else 1.0
    days = pd.to_datetime(daily["local_date"])
    figure.add_trace(go.Bar(x=days, y=daily[load] * factor, name="daily load",
                            marker_color=SERIES_COLOUR["load"]), row=1, col=1)
    for column, name, colour, dash in (("acute_load", "acute (7-day mean)", "acute", "solid"),
                                       ("chronic_load_uncoupled", "chronic (21 days before)",
                                        "chronic", "dash")):
        if column in daily.columns:
            figure.add_trace(go.Scatter(x=days, y=daily[column] * factor, name=name,
                                        mode="lines", line=dict(color=SERIES_COLOUR[colour],
                                                                dash=dash, width=2)),
                             row=1, col=1)
    figure.add_hrect(y0=ACWR_BAND[0], y1=ACWR_BAND[1], fillcolor=SERIES_COLOUR["band"],
                     opacity=0.15, line_width=0, row=2, col=1, exclude_empty_subplots=False,
                     annotation_text="context band 0.75-1.44", annotation_position="top left")
    figure.add_hline(y=ACWR_HIGH, line=dict(color=SERIES_COLOUR["band_high"], dash="dot"),
                     row=2, col=1, exclude_empty_subplots=False,
                     annotation_text="1.80: well above recent weeks",
                     annotation_position="top left")
    if "acwr_uncoupled" in daily.columns:
        ratio = daily["acwr_uncoupled"]
        if "acwr_state" in daily.columns:
            ratio = ratio.where(daily["acwr_state"] == "ok")
        figure.add_trace(go.Scatter(x=days, y=ratio, name="ACWR (uncoupled)",
                                    mode="lines", line=dict(color=SERIES_COLOUR["acwr"], width=2)),
                         row=2, col=1)
    if not flags.empty:
        for trace in _flag_markers(flags, 0.2):
            figure.add_trace(trace, row=2, col=1)
    figure.add_trace(go.Scatter(x=[days.min(), days.max()], y=[None, None], mode="markers",
                                showlegend=False, hoverinfo="skip"), row=3, col=1)
    _pain_traces(figure, symptoms, row=3)
    if rows == 4 and wellness is not None:
        figure.add_trace(go.Scatter(
            x=pd.to_datetime(wellness["local_date"]), y=wellness["hooper_index_au"],
            name="Hooper index", mode="lines+markers",
            line=dict(color=SERIES_COLOUR["wellness"])), row=4, col=1)
        figure.update_yaxes(title_text="4-28", row=4, col=1)
    figure.update_yaxes(title_text=load_label(load, unit), row=1, col=1)
    figure.update_yaxes(title_text="ratio", rangemode="tozero", row=2, col=1)
    figure.update_yaxes(title_text="NRS", range=[-0.5, 10.5], row=3, col=1)
    figure.update_xaxes(type="date")
    figure.update_layout(height=760 if rows == 3 else 880, barmode="overlay", **_LAYOUT)
    return figure


PAIN_FIELDS: dict[str, tuple[str, str]] = {
    "pain_during_run_nrs": ("pain during run", "circle"),
    "pain_after_1h_nrs": ("pain 1 h after", "square"),
    "pain_next_morning_nrs": ("pain next morning", "triangle-up"),
    "pain_at_rest_nrs": ("pain at rest", "diamond"),
}


def _pain_traces(figure: go.Figure, symptoms: pd.DataFrame, row: int) -> None:
    if symptoms.empty:
        figure.add_annotation(text="no symptom entries in this range", showarrow=False,
                              xref=f"x{row} domain", yref=f"y{row} domain", x=0.5, y=0.5)
        return
    days = pd.to_datetime(symptoms["local_date"])
    hints = symptoms["hint"].fillna("") if "hint" in symptoms.columns else None
    colours = (OKABE_ITO["vermillion"], OKABE_ITO["blue"], OKABE_ITO["black"],
               OKABE_ITO["orange"])
    for (column, (name, symbol)), colour in zip(PAIN_FIELDS.items(), colours, strict=True):
        if column not in symptoms.columns or symptoms[column].isna().all():
            continue
        figure.add_trace(go.Scatter(
            x=days, y=symptoms[column], name=name, mode="markers",
            marker=dict(symbol=symbol, size=10, color=colour),
            text=hints, hovertemplate="%{y}/10 %{text}<extra>" + name + "</extra>"),
            row=row, col=1)
    figure.add_hline(y=5, line=dict(color=OKABE_ITO["grey"], dash="dot"), row=row, col=1,
                     exclude_empty_subplots=False,
                     annotation_text="5/10: pain-monitoring ceiling",
                     annotation_position="top left")


def weekly_figure(weekly: pd.DataFrame, *, unit: str = "km") -> go.Figure:
    """Weekly running distance, uphill vertical and time above threshold as bars.

    ``weekly`` is :func:`risk.review.weekly_totals` output for one athlete.
    """
    if weekly.empty:
        return _empty("Weekly totals", "No weeks in this range.")
    figure = make_subplots(rows=1, cols=3, subplot_titles=(
        f"distance [{unit}/week]", "uphill vertical [m/week]", "time above threshold [min/week]"))
    labels = pd.to_datetime(weekly["week_last_date"]).dt.strftime("%d %b")
    for col, (column, colour, factor) in enumerate((
            ("weekly_distance_km", "distance", per_km(unit)),
            ("weekly_up_vert_m", "vertical", 1.0),
            ("weekly_time_above_threshold_min", "intensity", 1.0)), start=1):
        figure.add_trace(go.Bar(x=labels, y=weekly[column] * factor, showlegend=False,
                                marker_color=SERIES_COLOUR[colour],
                                hovertemplate="week ending %{x}: %{y:.1f}<extra></extra>"),
                         row=1, col=col)
    figure.update_layout(height=300, **{**_LAYOUT, "hovermode": "closest"})
    return figure


def week_comparison_figure(weekly: pd.DataFrame, *, unit: str = "km") -> go.Figure:
    """This week's distance next to the previous weeks' (the last bar is this week)."""
    if weekly.empty:
        return _empty("This week", "No weeks to compare yet.")
    distance = weekly["weekly_distance_km"] * per_km(unit)
    labels = [f"{first:%d %b}-{last:%d %b}" for first, last in
              zip(weekly["week_first_date"], weekly["week_last_date"], strict=True)]
    colours = [SERIES_COLOUR["load"]] * (len(weekly) - 1) + [SERIES_COLOUR["acute"]]
    figure = go.Figure(go.Bar(x=labels, y=distance, marker_color=colours,
                              text=[f"{v:.1f}" if pd.notna(v) else "" for v in distance],
                              textposition="outside",
                              hovertemplate="%{x}: %{y:.1f} " + unit + "<extra></extra>"))
    figure.update_layout(height=280, yaxis_title=f"{unit} per 7 days",
                         title="Last 7 days (dark bar) against the weeks before",
                         **{**_LAYOUT, "hovermode": "closest"})
    return figure


def streams_figure(streams: pd.DataFrame, *, unit: str = "km") -> go.Figure:
    """Pace, heart rate, cadence and altitude (with grade on hover) of one activity."""
    if streams.empty:
        return _empty("Streams", "This activity has no recorded samples.")
    x = streams["distance_m"] / 1000.0 * per_km(unit)
    if x.isna().all():
        x = streams["time_s"] / 60.0
        x_title = "time [min]"
    else:
        x_title = f"distance [{unit}]"
    speed = streams["speed_mps"].where(streams["speed_mps"] > 0.5)
    pace_min = 1000.0 / speed / per_km(unit) / 60.0
    panels = [("pace", f"pace [min/{unit}]", pace_min),
              ("heart_rate", "heart rate [bpm]", streams["heart_rate_bpm"]),
              ("cadence", "cadence [steps/min]", streams["cadence_spm"]),
              ("altitude", "altitude [m]", streams["altitude_m"])]
    panels = [p for p in panels if not p[2].isna().all()]
    if not panels:
        return _empty("Streams", "This activity's samples hold no pace, heart rate, cadence "
                                 "or altitude.")
    figure = make_subplots(rows=len(panels), cols=1, shared_xaxes=True, vertical_spacing=0.04)
    for row, (colour, title, values) in enumerate(panels, start=1):
        extra = {}
        if colour == "altitude":
            extra = dict(customdata=streams["grade_pct"],
                         hovertemplate="%{y:.0f} m, grade %{customdata:.1f} %<extra></extra>")
        figure.add_trace(go.Scatter(x=x, y=values, mode="lines", name=title,
                                    line=dict(color=SERIES_COLOUR[colour], width=1.5), **extra),
                         row=row, col=1)
        figure.update_yaxes(title_text=title, row=row, col=1)
        if colour == "pace":
            figure.update_yaxes(autorange="reversed", row=row, col=1)
    figure.update_xaxes(title_text=x_title, row=len(panels), col=1)
    figure.update_layout(height=170 * len(panels) + 60, showlegend=False, **_LAYOUT)
    return figure
