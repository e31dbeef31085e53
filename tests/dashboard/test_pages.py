"""AppTest of every dashboard page on the seeded demo store, with the widgets exercised."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.units import KM_PER_MILE
from etl.store import Store, log
from tests.dashboard.conftest import no_exception

PAGES = ("today", "load", "activities", "log", "roster", "review", "data", "settings")
DISCLAIMER = "Not a medical device, not a diagnosis"

pytestmark = pytest.mark.slow


def _page(at: AppTest, name: str) -> AppTest:
    at.switch_page(f"views/{name}.py").run()
    no_exception(at)
    return at


def _athlete(at: AppTest, name: str) -> AppTest:
    at.sidebar.selectbox(key="athlete_picker").select(name).run()
    no_exception(at)
    return at


def _story_athlete(store: Store, region: str) -> str:
    injuries = log.injuries(store)
    return str(injuries.loc[injuries["injury_region"] == region, "athlete"].iloc[0])


def _chart(at: AppTest, index: int = 0) -> dict:
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_every_page_renders_with_the_disclaimer(app: Callable[[str], AppTest],
                                               demo_url: str) -> None:
    at = app(demo_url)
    no_exception(at)
    for name in PAGES:
        _page(at, name)
        assert at.title, f"{name} has no title"
        captions = " ".join(c.value for c in at.caption)
        assert DISCLAIMER in captions, f"{name} lacks the disclaimer"
        assert "ynthetic" in " ".join([captions, *(m.value for m in at.markdown)]), \
            f"{name} does not label the demo data as synthetic"


def test_today_shows_flags_guidance_pain_and_week(app: Callable[[str], AppTest], demo_url: str,
                                                  demo_store: Store) -> None:
    runner = _story_athlete(demo_store, "ischial_tuberosity")
    at = _athlete(app(demo_url), runner)
    assert at.title[0].value == f"Today: {runner}"
    assert [s.value for s in at.subheader] == ["Flags of the last 7 days", "Next run",
                                               "Pain monitoring",
                                               "This week against recent weeks",
                                               "Injury model (experimental)"]
    assert any("flags are the primary signal" in i.value for i in at.info)
    markdown = " ".join(m.value for m in at.markdown)
    assert any(word in markdown for word in ("PROGRESS", "HOLD", "REDUCE"))
    assert any("Evidence grade" in c.value for c in at.caption)
    # an earlier day: the page is rebuilt as of that day
    at.date_input(key="today_day").set_value(dt.date.today() - dt.timedelta(days=60)).run()
    no_exception(at)
    assert at.metric[-3].label == "Last 7 days"


def test_load_measure_units_and_range(app: Callable[[str], AppTest], demo_url: str) -> None:
    at = _page(app(demo_url), "load")
    spec = _chart(at)
    assert spec["layout"]["yaxis"]["title"]["text"] == "running distance [km]"
    km = [v for v in spec["data"][0]["y"]["bdata"]] if isinstance(spec["data"][0]["y"], dict) \
        else spec["data"][0]["y"]
    at.sidebar.button_group(key="unit_picker").set_value("mi").run()
    no_exception(at)
    spec_mi = _chart(at)
    assert spec_mi["layout"]["yaxis"]["title"]["text"] == "running distance [mi]"
    if not isinstance(km[0], str):
        assert spec_mi["data"][0]["y"][0] == pytest.approx(km[0] / KM_PER_MILE)
    at.selectbox(key="load_measure").set_value("duration_min").run()
    no_exception(at)
    assert _chart(at)["layout"]["yaxis"]["title"]["text"] == "running time [min]"
    last = dt.date.today()
    first = last - dt.timedelta(days=27)
    at.date_input(key="load_range").set_value((first, last)).run()
    no_exception(at)
    days = pd.to_datetime(_chart(at)["data"][0]["x"])
    assert days.min() >= pd.Timestamp(first) and days.max() <= pd.Timestamp(last)
    titles = [a["text"] for a in _chart(at)["layout"]["annotations"]]
    assert any("context, not a risk score" in t for t in titles)
    assert any("how this week compares with your recent weeks" in c.value for c in at.caption)
    charts_before = len(at.get("plotly_chart"))
    at.button_group(key="load_detail").set_value("weekly").run()
    no_exception(at)
    assert len(at.get("plotly_chart")) == charts_before + 1   # the weekly bars, on request


def test_activities_detail_and_rpe(app: Callable[[str], AppTest], demo_url: str,
                                   demo_store: Store) -> None:
    at = _page(app(demo_url), "activities")
    athlete = at.sidebar.selectbox(key="athlete_picker").value
    runs = demo_store.activities(athlete)
    runs = runs[runs["sport_type"].isin(["Run", "TrailRun", "VirtualRun"])]
    target = int(runs["activity_id"].iloc[-5])
    at.selectbox(key="activity_pick").set_value(target).run()
    no_exception(at)
    assert len(at.get("plotly_chart")) == 1  # the streams
    at.number_input(key=f"rpe_value_{target}").set_value(6.5)
    _button(at, "Save RPE").click().run()
    no_exception(at)
    assert any("Saved RPE 6.5" in s.value for s in at.success)
    stored = demo_store.activities(athlete)
    assert stored.loc[stored["activity_id"] == target, "perceived_exertion"].iloc[0] == 6.5
    assert not log.history(demo_store, "rpe", athlete=athlete).empty


def _fill_symptom(at: AppTest, **values: object) -> None:
    for key, value in values.items():
        widget = at.get("multiselect") + at.get("number_input") + at.get("selectbox")
        match = [w for w in widget if w.key == key]
        assert match, key
        match[0].set_value(value)
    _button(at, "Save symptom entry").click().run()
    no_exception(at)


def test_log_symptom_shows_triage_hint(app: Callable[[str], AppTest], demo_url: str,
                                       demo_store: Store) -> None:
    at = _page(app(demo_url), "log")
    athlete = at.sidebar.selectbox(key="athlete_picker").value
    before = len(log.symptoms(demo_store, athlete))
    _fill_symptom(at, sym_during=4, sym_morning=3, sym_locations=["ischial_tuberosity"],
                  sym_aggravators=["sitting", "uphill", "fast"], sym_onset="gradual")
    assert any("Saved the symptom entry" in s.value for s in at.success), \
        [e.value for e in at.error]
    assert any("Tendon Load Pattern" in w.value for w in at.warning)
    _fill_symptom(at, sym_during=5, sym_locations=["deep_buttock"],
                  sym_character=["burning"], sym_radiates="past_knee")
    assert any("Nerve Related Possible" in e.value for e in at.error)
    assert len(log.symptoms(demo_store, athlete)) == before + 2
    at.button_group(key="history_kind").set_value("symptoms").run()
    assert at.dataframe, "the symptom history is listed"


def test_log_wellness_injury_and_visa_h(app: Callable[[str], AppTest], demo_url: str,
                                        demo_store: Store) -> None:
    at = _page(app(demo_url), "log")
    athlete = at.sidebar.selectbox(key="athlete_picker").value
    counts = {kind: len(log.current(demo_store, kind, athlete))
              for kind in ("wellness", "injuries", "visa_h")}
    at.select_slider(key="well_fatigue_hooper").set_value(6)
    _button(at, "Save wellness").click().run()
    assert any("Hooper index 18" in s.value for s in at.success)  # 4 + 6 + 4 + 4
    at.selectbox(key="inj_region").set_value("ischial_tuberosity")
    at.number_input(key="inj_days").set_value(10)
    _button(at, "Save injury").click().run()
    no_exception(at)
    at.slider(key="visa_1").set_value(4)
    at.radio(key="visa_8_branch").set_value("B")
    at.number_input(key="visa_8").set_value(12)
    _button(at, "Save VISA-H").click().run()
    no_exception(at)
    assert any("Saved VISA-H 76/100" in s.value for s in at.success)  # 4+10x5+10+12
    for kind, count in counts.items():
        assert len(log.current(demo_store, kind, athlete)) == count + 1


def test_roster_filters_and_opens_an_athlete(app: Callable[[str], AppTest],
                                             demo_url: str) -> None:
    at = _page(app(demo_url), "roster")
    table = at.dataframe[0].value
    assert len(table) == 6
    order = {"urgent": 0, "high": 1, "watch": 2, "ok": 3, "no data": 4}
    ranks = [order[s] for s in table["status"]]
    assert ranks == sorted(ranks), "most urgent first"
    at.text_input(key="roster_search").input("Runner 03").run()
    no_exception(at)
    assert [a for a in at.dataframe[0].value["athlete"]] == \
        ["Sim Runner 03 (intermediate, synthetic)"]
    at.text_input(key="roster_search").input("").run()
    status = str(table["status"].iloc[-1])
    at.multiselect(key="roster_status").set_value([status]).run()
    assert set(at.dataframe[0].value["status"]) == {status}
    at.multiselect(key="roster_status").set_value([]).run()
    pick = "Sim Runner 04 (advanced, synthetic)"
    at.selectbox(key="roster_pick").set_value(pick)
    at.button(key="roster_go").click().run()  # st.switch_page to the Load page
    no_exception(at)
    assert at.title[0].value == f"Load: {pick}"
    assert at.sidebar.selectbox(key="athlete_picker").value == pick


def test_review_of_an_injury_record(app: Callable[[str], AppTest], demo_url: str,
                                    demo_store: Store) -> None:
    runner = _story_athlete(demo_store, "ischial_tuberosity")
    at = _page(_athlete(app(demo_url), runner), "review")
    options = at.selectbox(key="review_pick").options
    assert len(options) >= 2 and "ischial tuberosity" in options[0]
    at.selectbox(key="review_pick").set_value(options[0]).run()
    no_exception(at)
    changed = at.dataframe[0].value
    assert "weekly running distance" in set(changed["measure"])
    assert {"Flags in these weeks", "What changed"} <= {s.value for s in at.subheader}
    labels = {b.label for b in at.get("download_button")}
    assert {"Download report (HTML)", "Download report (PDF)"} <= labels
    at.number_input(key="review_weeks").set_value(4).run()
    no_exception(at)
    at.selectbox(key="review_pick").set_value(options[-1]).run()
    at.date_input(key="review_onset").set_value(dt.date.today() - dt.timedelta(days=30)).run()
    no_exception(at)
