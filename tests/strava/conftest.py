"""Fixtures of the Strava tests: a fake clock, the fake Strava server, a connected athlete."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from etl.store import Store
from etl.strava.client import Transport
from etl.strava.config import load_settings
from etl.strava.connect import Connection, exchange_code
from tests.strava.fake_strava import CLIENT_ID, CLIENT_SECRET, FakeClock, FakeStrava

NOW = dt.datetime(2026, 3, 2, 6, 0, 7, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW.timestamp())


@pytest.fixture
def strava_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STRAVA_CLIENT_ID", str(CLIENT_ID))
    monkeypatch.setenv("STRAVA_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("LOADWATCH_SECRET_KEY", Fernet.generate_key().decode())
    monkeypatch.setenv("LOADWATCH_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))
    monkeypatch.delenv("LOADWATCH_STRAVA_URL", raising=False)


@pytest.fixture
def make_fake(clock: FakeClock, strava_env: None,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., FakeStrava]]:
    started: list[FakeStrava] = []

    def factory(activities: list[dict[str, Any]] | None = None, **kwargs: Any) -> FakeStrava:
        kwargs.setdefault("clock", clock)
        fake = FakeStrava(activities=activities, **kwargs).start()
        started.append(fake)
        monkeypatch.setenv("LOADWATCH_STRAVA_URL", fake.base_url)
        return fake

    yield factory
    for fake in started:
        fake.stop()


@pytest.fixture
def transport(clock: FakeClock) -> Transport:
    return Transport(clock=clock, sleep=clock.sleep, timeout_s=10.0, retries=3, backoff_s=1.0)


def connect(store: Store, fake: FakeStrava, transport: Transport,
            athlete: str = "ada") -> Connection:
    """Connect ``athlete`` through the fake server's OAuth code exchange."""
    return exchange_code(store, athlete, fake.issue_code(), settings=load_settings(),
                         transport=transport)
