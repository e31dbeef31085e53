"""Killing a sync at a random moment (SIGKILL) and running it again loses nothing and
duplicates nothing: the result equals an uninterrupted sync."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from etl.store import Store
from etl.strava.client import Transport
from etl.strava.sync import sync
from tests.strava.conftest import NOW, connect
from tests.strava.fake_strava import generate_history

COMPARED = ["source_id", "sport_type", "start_time_utc", "distance_m", "avg_cadence_spm",
            "device", "has_streams", "is_manual"]


def _snapshot(store: Store) -> pd.DataFrame:
    frame = store.activities("ada")
    frame = frame.sort_values("source_id").reset_index(drop=True)
    frame["samples"] = [len(store.streams(int(i))) for i in frame["activity_id"]]
    return frame[[*COMPARED, "samples"]]


@pytest.mark.slow
def test_sigkill_midway_then_rerun_equals_an_uninterrupted_sync(tmp_path: Path, make_fake):
    history = generate_history(60, end=NOW, run_fraction=0.7, manual_every=9)
    fake = make_fake(history, clock=time.time, limits=(100_000, 1_000_000),
                     read_limits=(100_000, 1_000_000), request_delay_s=0.02)
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    killed = Store.open(url)
    connect(killed, fake, Transport())
    command = [sys.executable, "-m", "loadwatch", "--db", url, "strava", "sync",
               "--athlete", "ada"]
    process = subprocess.Popen(command, env=os.environ.copy(), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while killed.activity_count() < 12 and process.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert 0 < killed.activity_count() < 60
    rerun = subprocess.run(command, env=os.environ.copy(), capture_output=True, text=True,
                           timeout=120)
    assert rerun.returncode == 0, rerun.stderr

    reference = Store.open(f"sqlite:///{tmp_path / 'reference.db'}")
    connect(reference, fake, Transport())
    sync(reference, "ada", transport=Transport())
    pd.testing.assert_frame_equal(_snapshot(killed), _snapshot(reference))
    assert killed.activities("ada")["source_id"].is_unique
