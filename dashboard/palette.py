"""Colours and labels shared by charts and pages (no streamlit import, so charts stay pure).

The palette is Okabe & Ito's colour-blind-safe set (Okabe M, Ito K. *Color Universal Design
(CUD): how to make figures and presentations that are friendly to colorblind people*, 2008,
https://jfly.uni-koeln.de/color/). Colour never carries meaning on its own: every status,
severity and band is also written out as text next to it.
"""

from __future__ import annotations

OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "grey": "#999999",
}

STATUSES: tuple[str, ...] = ("urgent", "high", "watch", "ok", "no data")
"""Roster status labels, most urgent first."""

STATUS_COLOUR: dict[str, str] = {
    "urgent": OKABE_ITO["vermillion"],
    "high": OKABE_ITO["orange"],
    "watch": OKABE_ITO["yellow"],
    "ok": OKABE_ITO["bluish_green"],
    "no data": OKABE_ITO["grey"],
}

STATUS_TEXT_COLOUR: dict[str, str] = {
    "urgent": "#FFFFFF",
    "high": "#000000",
    "watch": "#000000",
    "ok": "#FFFFFF",
    "no data": "#000000",
}

SEVERITY_STATUS: dict[str, str] = {
    "urgent": "urgent",
    "high": "high",
    "moderate": "watch",
    "low": "watch",
}
"""How a flag's severity maps onto the roster status (no current flag means ``ok``)."""

SEVERITY_COLOUR: dict[str, str] = {
    "urgent": OKABE_ITO["vermillion"],
    "high": OKABE_ITO["orange"],
    "moderate": OKABE_ITO["reddish_purple"],
    "low": OKABE_ITO["sky_blue"],
}

SEVERITY_SYMBOL: dict[str, str] = {
    "urgent": "x",
    "high": "triangle-up",
    "moderate": "diamond",
    "low": "circle",
}
"""Marker shapes, so that severities differ by shape as well as colour."""

SERIES_COLOUR: dict[str, str] = {
    "load": OKABE_ITO["sky_blue"],
    "acute": OKABE_ITO["blue"],
    "chronic": OKABE_ITO["black"],
    "acwr": OKABE_ITO["reddish_purple"],
    "band": OKABE_ITO["bluish_green"],
    "band_high": OKABE_ITO["orange"],
    "pain": OKABE_ITO["vermillion"],
    "wellness": OKABE_ITO["bluish_green"],
    "vertical": OKABE_ITO["orange"],
    "intensity": OKABE_ITO["reddish_purple"],
    "distance": OKABE_ITO["blue"],
    "heart_rate": OKABE_ITO["vermillion"],
    "cadence": OKABE_ITO["bluish_green"],
    "altitude": OKABE_ITO["grey"],
    "pace": OKABE_ITO["blue"],
}
