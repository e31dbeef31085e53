"""Data and Settings pages, empty stores and bad input, on small fresh stores (no demo)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl.store import Store
from tests.dashboard.conftest import no_exception
from tests.factories.fit import steady_samples
from tests.factories.gpx import gpx_document

PAGES = ("today", "load", "activities", "log", "roster", "review", "data", "settings")


def _gpx(days_ago: int, name: str = "Morning run") -> bytes:
    start = dt.datetime.combine(dt.date.today() - dt.timedelta(days=days_ago), dt.time(7),
                                tzinfo=dt.UTC)
    return gpx_document(start, steady_samples(1800, 3.0, step_s=5), name=name).encode()


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


@pytest.fixture
def fresh_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    Store.open(url).engine.dispose()
    return url


def test_empty_store_pages_say_what_to_do(app: Callable[[str], AppTest], fresh_url: str) -> None:
    at = app(fresh_url)
    for name in PAGES:
        at.switch_page(f"views/{name}.py").run()
        no_exception(at)
        if name != "data":
            assert any("Data page" in i.value for i in at.info), f"{name}: no empty state"


def test_unusable_store_url_is_a_message(app: Callable[[str], AppTest]) -> None:
    at = app("nosuchdialect://nowhere/db")
    no_exception(at)
    assert any("Could not open the store" in e.value for e in at.error)
    assert any("LOADWATCH_DB" in i.value for i in at.info)


def test_upload_imports_and_reports(app: Callable[[str], AppTest], fresh_url: str) -> None:
    at = app(fresh_url)
    at.switch_page("views/data.py").run()
    at.file_uploader(key="upload_files").set_value([
        ("first.gpx", _gpx(3), "application/gpx+xml"),
        ("second.gpx", _gpx(1, "Second run"), "application/gpx+xml")])
    at.text_input(key="upload_athlete").input("Una Uploader")
    _button(at, "Import").click().run()
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Imported"] == "2" and metrics["Rejected"] == "0"
    assert any("Everything was stored" in s.value for s in at.success)
    store = Store.open(fresh_url)
    assert len(store.activities("Una Uploader")) == 2
    # the same file again changes nothing
    at.file_uploader(key="upload_files").set_value(("first.gpx", _gpx(3), "application/gpx+xml"))
    at.text_input(key="upload_athlete").input("Una Uploader")
    _button(at, "Import").click().run()
    again = {m.label: m.value for m in at.metric}
    assert again["Imported"] == "0" and again["Rejected"] == "0"
    assert len(store.activities("Una Uploader")) == 2
    # the athlete now shows on the runner pages; the history lists both imports
    at.switch_page("views/activities.py").run()
    no_exception(at)
    assert at.title[0].value == "Activities: Una Uploader"
    at.switch_page("views/data.py").run()
    history = at.dataframe[0].value  # one import-log row per uploaded file
    assert sorted(history["input"]) == ["first.gpx", "first.gpx", "second.gpx"]
    labels = {b.label for b in at.get("download_button")}
    assert "Template: activities_template.csv" in labels
    assert "Activities of Una Uploader (CSV)" in labels


def test_broken_upload_names_the_file_and_loses_nothing(app: Callable[[str], AppTest],
                                                        fresh_url: str) -> None:
    at = app(fresh_url)
    at.switch_page("views/data.py").run()
    at.file_uploader(key="upload_files").set_value(("good.gpx", _gpx(2), "application/gpx+xml"))
    at.text_input(key="upload_athlete").input("Una Uploader")
    _button(at, "Import").click().run()
    store = Store.open(fresh_url)
    assert len(store.activities("Una Uploader")) == 1
    at.file_uploader(key="upload_files").set_value([
        ("broken.gpx", b"<gpx><trk><trkseg><trkpt lat=", "application/gpx+xml"),
        ("other.gpx", _gpx(1), "application/gpx+xml")])
    at.text_input(key="upload_athlete").input("Una Uploader")
    _button(at, "Import").click().run()
    no_exception(at)
    assert any(e.value.startswith("broken.gpx") for e in at.error), [e.value for e in at.error]
    assert {m.label: m.value for m in at.metric}["Rejected"] == "1"
    assert len(store.activities("Una Uploader")) == 2  # the good one kept, the other added


def test_settings_profile_is_saved(app: Callable[[str], AppTest], fresh_url: str) -> None:
    store = Store.open(fresh_url)
    from etl.records import ActivityRecord, ParsedActivity, empty_streams

    start = dt.datetime.combine(dt.date.today(), dt.time(6), tzinfo=dt.UTC)
    store.upsert_activity("Sam", ParsedActivity(ActivityRecord(
        source="manual", source_id="1", sport_type="Run", start_time_utc=start,
        start_time_local=start.replace(tzinfo=None), timezone="UTC", distance_m=8000.0,
        moving_time_s=2400.0), empty_streams()))
    at = app(fresh_url)
    at.switch_page("views/settings.py").run()
    no_exception(at)
    at.selectbox(key="profile_sex").set_value("F")
    at.number_input(key="profile_max_hr_bpm").set_value(185.0)
    _button(at, "Save profile").click().run()
    no_exception(at)
    row = store.athletes().set_index("athlete").loc["Sam"]
    assert row["sex"] == "F" and row["settings"]["max_hr_bpm"] == 185.0
    assert any("max HR 185 bpm" in c.value for c in at.caption)
    assert at.dataframe[0].value["setting"].size > 10  # every threshold with its source
