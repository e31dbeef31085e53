"""``loadwatch strava ...`` against the fake server: exit codes, messages, output."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import requests

from etl.store import Store
from etl.strava.client import Transport
from loadwatch.cli.main import main
from tests.strava.conftest import NOW, connect
from tests.strava.fake_strava import generate_history


def _db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_connect_with_code_then_status_and_sync(tmp_path, make_fake, capsys):
    fake = make_fake(generate_history(5, end=NOW, run_fraction=0.0), clock=lambda: 1.9e9)
    db = _db(tmp_path)
    assert main(["--db", db, "strava", "connect", "--athlete", "ada",
                 "--code", fake.issue_code()]) == 0
    assert "connected athlete 'ada' to Strava athlete 26462176" in capsys.readouterr().out
    assert main(["--db", db, "strava", "sync"]) == 0
    captured = capsys.readouterr()
    assert "ada: 5 new" in captured.out and "history complete" in captured.out
    assert main(["--db", db, "strava", "status", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["athlete"] == "ada" and rows[0]["api_activities"] == 5
    assert rows[0]["is_backfill_complete"] is True and rows[0]["status"] == "active"
    assert rows[0]["read_15min_left"] == 100 - 1 and rows[0]["overall_daily_left"] == 2000 - 1
    assert main(["--db", db, "strava", "status"]) == 0
    assert "last_sync_at" in capsys.readouterr().out


def test_missing_credentials_exit_2_with_the_fix(tmp_path, strava_env, monkeypatch, capsys):
    monkeypatch.delenv("STRAVA_CLIENT_ID")
    assert main(["--db", _db(tmp_path), "strava", "connect", "--code", "abc"]) == 2
    assert "STRAVA_CLIENT_ID" in capsys.readouterr().err


def test_secrets_toml_supplies_credentials(tmp_path, strava_env, monkeypatch):
    from etl.strava.config import load_settings

    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[strava]\nclient_id = 77\nclient_secret = "from-toml"\n')
    monkeypatch.delenv("STRAVA_CLIENT_ID")
    monkeypatch.delenv("STRAVA_CLIENT_SECRET")
    monkeypatch.setenv("LOADWATCH_SECRETS_FILE", str(secrets))
    assert load_settings().credentials() == (77, "from-toml")


def test_sync_without_connection_exits_2(tmp_path, strava_env, capsys):
    assert main(["--db", _db(tmp_path), "strava", "sync"]) == 2
    assert "strava connect" in capsys.readouterr().err


def test_no_wait_exits_1_with_resume_time(tmp_path, make_fake, clock, capsys):
    fake = make_fake(generate_history(30, end=NOW, run_fraction=1.0, manual_every=0),
                     read_limits=(9, 1000))
    db = _db(tmp_path)
    store = Store.open(db)
    connect(store, fake, Transport(clock=clock, sleep=clock.sleep))
    # the CLI uses the real clock; the fake server counts on its own clock, so the limit is hit
    assert main(["--db", db, "strava", "sync", "--no-wait"]) == 1
    err = capsys.readouterr().err
    assert "request limit is used up" in err and "Run `loadwatch strava sync` again after" in err
    assert 0 < store.activity_count() < 30


def test_revoked_tokens_exit_1_and_say_reconnect(tmp_path, make_fake, capsys):
    fake = make_fake(generate_history(3, end=NOW), clock=lambda: 1.9e9)
    db = _db(tmp_path)
    assert main(["--db", db, "strava", "connect", "--athlete", "ada",
                 "--code", fake.issue_code()]) == 0
    fake.revoke()
    assert main(["--db", db, "strava", "sync", "--athlete", "ada"]) == 1
    assert "loadwatch strava connect --athlete 'ada'" in capsys.readouterr().err


def test_disconnect_removes_api_data_and_tokens(tmp_path, make_fake, capsys):
    fake = make_fake(generate_history(4, end=NOW, run_fraction=0.0), clock=lambda: 1.9e9)
    db = _db(tmp_path)
    main(["--db", db, "strava", "connect", "--athlete", "ada", "--code", fake.issue_code()])
    main(["--db", db, "strava", "sync"])
    assert main(["--db", db, "strava", "disconnect", "--athlete", "ada"]) == 0
    assert "4 Strava API activities removed" in capsys.readouterr().out
    store = Store.open(db)
    assert store.activity_count() == 0
    assert main(["--db", db, "strava", "status", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_process_events_command(tmp_path, make_fake, capsys):
    from etl.store import strava_state as state

    history = generate_history(3, end=NOW, run_fraction=0.0)
    fake = make_fake(history, clock=lambda: 1.9e9)
    db = _db(tmp_path)
    main(["--db", db, "strava", "connect", "--athlete", "ada", "--code", fake.issue_code()])
    main(["--db", db, "strava", "sync"])
    store = Store.open(db)
    state.record_event(store, {"object_type": "activity", "aspect_type": "delete",
                               "object_id": history[0]["id"], "owner_id": 26462176,
                               "subscription_id": 1, "event_time": 1, "updates": {}})
    capsys.readouterr()
    assert main(["--db", db, "strava", "process-events"]) == 0
    assert "1 events applied, 0 still pending" in capsys.readouterr().out
    assert store.activity_count() == 2


def test_connect_through_the_browser_callback(tmp_path, make_fake, monkeypatch, capsys):
    import socket
    import threading

    import requests

    make_fake([], clock=lambda: 1.9e9)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    def browser(url: str) -> bool:  # the "browser" follows Strava's redirect to the callback
        threading.Timer(0.3, lambda: requests.get(url, timeout=10)).start()
        return True

    monkeypatch.setattr("webbrowser.open", browser)
    db = _db(tmp_path)
    assert main(["--db", db, "strava", "connect", "--athlete", "ada", "--port", str(port),
                 "--timeout", "20"]) == 0
    out = capsys.readouterr().out
    assert "/oauth/authorize?" in out and "scope=read%2Cactivity%3Aread_all" in out
    assert "connected athlete 'ada'" in out


def _webhook_process(db: str, *options: str) -> subprocess.Popen[str]:
    secrets = str(Path(db.removeprefix("sqlite:///")).with_name("no-secrets.toml"))
    env = {**os.environ, "LOADWATCH_STRAVA_VERIFY_TOKEN": "", "LOADWATCH_SECRETS_FILE": secrets}
    return subprocess.Popen([sys.executable, "-m", "loadwatch", "--db", db, "strava", "webhook",
                             *options], env=env, stderr=subprocess.PIPE, text=True)


def test_webhook_command_answers_strava_and_records_events(tmp_path):
    """``loadwatch strava webhook`` as a process: validation, one event, Ctrl-C."""
    db = _db(tmp_path)
    process = _webhook_process(db, "--port", "0", "--verify-token", "hook-token")
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        assert "listening for Strava webhook events" in line
        url = re.search(r"http://[\d.]+:\d+", line).group(0)  # type: ignore[union-attr]
        challenge = requests.get(url, params={"hub.mode": "subscribe", "hub.challenge": "c1",
                                              "hub.verify_token": "hook-token"}, timeout=10)
        assert challenge.json() == {"hub.challenge": "c1"}
        event = {"aspect_type": "delete", "event_time": 1, "object_id": 42,
                 "object_type": "activity", "owner_id": 26462176, "subscription_id": 7,
                 "updates": {}}
        assert requests.post(url, json=event, timeout=10).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "stopped; 1 events recorded" in err
    from etl.store import strava_state as state

    pending = state.pending_events(Store.open(db))
    assert [(e.object_id, e.aspect_type) for e in pending] == [(42, "delete")]


def test_webhook_command_without_a_verify_token_exits_2(tmp_path):
    process = _webhook_process(_db(tmp_path))
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert "--verify-token" in err and "LOADWATCH_STRAVA_VERIFY_TOKEN" in err
