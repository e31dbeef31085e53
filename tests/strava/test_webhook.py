"""Webhook endpoint (validation, event intake), the event worker, push subscriptions."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
import requests

from etl.errors import InputError
from etl.records import ActivityRecord, ParsedActivity, empty_streams
from etl.store import strava_state as state
from etl.strava.client import StravaClient
from etl.strava.config import load_settings
from etl.strava.errors import StravaResponseError
from etl.strava.events import process_events
from etl.strava.ratelimit import RateLimitPlanner
from etl.strava.sync import sync
from etl.strava.webhook import MAX_BODY_BYTES, make_server, validate_event
from tests.strava.conftest import NOW, connect
from tests.strava.fake_strava import STRAVA_ATHLETE_ID, generate_history

TOKEN = "s3cret-verify"


@pytest.fixture
def webhook(store):
    server = make_server(store, TOKEN, port=0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", server
    server.shutdown()
    server.server_close()


def _event(**changes):
    event = {"aspect_type": "create", "event_time": 1516126040, "object_id": 1360128428,
             "object_type": "activity", "owner_id": STRAVA_ATHLETE_ID,
             "subscription_id": 120475, "updates": {}}
    event.update(changes)
    return event


def test_subscription_validation_echoes_the_challenge(webhook):
    url, _ = webhook
    answer = requests.get(url, params={"hub.mode": "subscribe", "hub.verify_token": TOKEN,
                                       "hub.challenge": "15f7d1a91c1f40f8a748fd134752feb3"})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == {"hub.challenge": "15f7d1a91c1f40f8a748fd134752feb3"}
    wrong = requests.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "nope",
                                      "hub.challenge": "x"})
    assert wrong.status_code == 403


def test_events_are_recorded_durably(webhook, store):
    url, server = webhook
    answer = requests.post(url, json=_event(aspect_type="update", updates={"title": "Messy"}))
    assert answer.status_code == 200
    pending = state.pending_events(store)
    assert len(pending) == 1 and pending[0].updates == {"title": "Messy"}
    assert pending[0].object_id == 1360128428 and server.recorded == 1


@pytest.mark.parametrize("body, fragment", [
    (b"not json", "not JSON"),
    (b"[1, 2]", "JSON object"),
    (json.dumps(_event(object_type="segment")).encode(), "object_type"),
    (json.dumps(_event(aspect_type="rename")).encode(), "aspect_type"),
    (json.dumps(_event(object_id="12")).encode(), "object_id"),
    (json.dumps(_event(owner_id=True)).encode(), "owner_id"),
    (json.dumps(_event(updates=[1])).encode(), "updates"),
])
def test_bad_events_get_400_and_nothing_is_recorded(webhook, store, body, fragment):
    url, _ = webhook
    answer = requests.post(url, data=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and fragment in answer.json()["error"]
    assert state.pending_events(store) == []
    with pytest.raises(InputError, match=fragment):
        validate_event(body)


def test_oversized_and_non_json_bodies_are_refused(webhook, store):
    url, _ = webhook
    big = requests.post(url, data=b"x" * (MAX_BODY_BYTES + 1),
                        headers={"Content-Type": "application/json"})
    assert big.status_code == 413
    form = requests.post(url, data={"a": "b"})
    assert form.status_code == 415
    assert state.pending_events(store) == []


def test_worker_applies_create_update_delete(store, make_fake, transport):
    history = generate_history(6, end=NOW, run_fraction=1.0, manual_every=0)
    fake = make_fake(history)
    connect(store, fake, transport)
    sync(store, "ada", transport=transport)
    extra = dict(history[0], id=history[0]["id"] + 50, name="Made later")
    fake.add(extra)
    fake.change_sport(history[1]["id"], "TrailRun")
    fake.delete(history[2]["id"])
    for event in (_event(object_id=extra["id"]),
                  _event(aspect_type="update", object_id=history[1]["id"],
                         updates={"type": "TrailRun"}),
                  _event(aspect_type="delete", object_id=history[2]["id"]),
                  _event(owner_id=999, object_id=5)):
        state.record_event(store, event)
    fake.requests.clear()
    report = process_events(store, transport=transport)
    assert report.processed == 4 and report.pending == 0 and not report.failed
    frame = store.activities("ada").set_index("source_id")
    assert frame.loc[str(extra["id"]), "name"] == "Made later"
    assert frame.loc[str(history[1]["id"]), "sport_type"] == "TrailRun"
    assert str(history[2]["id"]) not in frame.index
    assert fake.counts() == {"detail": 2, "streams": 1}  # the sport change reuses samples


def test_deauthorization_deletes_api_data_but_keeps_export_runs(store, make_fake, transport):
    history = generate_history(4, end=NOW, run_fraction=1.0, manual_every=0)
    fake = make_fake(history)
    twin = history[1]
    start = dt.datetime.fromisoformat(twin["start_date"])
    store.upsert_activity("ada", ParsedActivity(ActivityRecord(
        source="strava_export", source_id="777", sport_type="Run", start_time_utc=start,
        start_time_local=start.replace(tzinfo=None), timezone="UTC",
        distance_m=twin["distance"]), empty_streams()))
    connect(store, fake, transport)
    sync(store, "ada", transport=transport)
    assert store.activity_count() == 4
    state.record_event(store, _event(object_type="athlete", aspect_type="update",
                                     object_id=STRAVA_ATHLETE_ID,
                                     updates={"authorized": "false"}))
    report = process_events(store, transport=transport)
    assert report.processed == 1
    frame = store.activities("ada")
    assert list(frame["source"]) == ["strava_export"] and list(frame["source_id"]) == ["777"]
    assert state.get_connection(store, store.athlete_id("ada")) is None
    assert state.api_source_ids(store, store.athlete_id("ada")) == []


def test_sync_applies_pending_events_first(store, make_fake, transport):
    history = generate_history(3, end=NOW, run_fraction=0.0)
    fake = make_fake(history)
    connect(store, fake, transport)
    sync(store, "ada", transport=transport)
    fake.delete(history[0]["id"])
    state.record_event(store, _event(aspect_type="delete", object_id=history[0]["id"]))
    report = sync(store, "ada", transport=transport)
    assert report.events_processed == 1 and report.deleted == 1
    assert store.activity_count() == 2


def test_push_subscription_create_list_delete(store, make_fake, transport, webhook):
    url, _ = webhook
    make_fake([])
    client = StravaClient(load_settings(), RateLimitPlanner(), transport=transport)
    created = client.create_subscription(url, TOKEN)
    assert created["callback_url"] == url
    listed = client.list_subscriptions()
    assert [s["id"] for s in listed] == [created["id"]]
    client.delete_subscription(created["id"])
    assert client.list_subscriptions() == []


def test_push_subscription_with_wrong_verify_token_fails_clearly(make_fake, transport, webhook):
    url, _ = webhook
    make_fake([])
    client = StravaClient(load_settings(), RateLimitPlanner(), transport=transport)
    with pytest.raises(StravaResponseError,
                       match="POST /api/v3/push_subscriptions: Strava answered HTTP 400"):
        client.create_subscription(url, "wrong-token")


def test_event_store_failure_answers_503_so_strava_retries(webhook, monkeypatch):
    from etl.errors import StoreError

    url, _ = webhook

    def broken(*args, **kwargs):
        raise StoreError("database is locked")

    monkeypatch.setattr(state, "record_event", broken)
    answer = requests.post(url, json=_event())
    assert answer.status_code == 503
