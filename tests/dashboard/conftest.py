"""A seeded demo store shared by the dashboard tests, and AppTest helpers."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl.demo.build import build_demo_store
from etl.demo.simulate import SquadConfig
from etl.store import Store

APP = Path(__file__).resolve().parents[2] / "dashboard" / "app.py"
ATHLETES = 6
DAYS = 200
TIMEOUT_S = 180


@pytest.fixture(scope="session")
def demo_url() -> Iterator[str]:
    """6 simulated runners x 200 days ending yesterday, with streams and clinical stories.

    Kept in its own temporary directory (not pytest's numbered ``tmp_path`` folders, which a
    concurrent pytest session may rotate away while this one still runs).
    """
    with tempfile.TemporaryDirectory(prefix="loadwatch-dashboard-") as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        config = SquadConfig(end_date=dt.date.today() - dt.timedelta(days=1),
                             athletes=ATHLETES, years=DAYS / 365.25)
        store = Store.open(url)
        build_demo_store(store, config)
        store.engine.dispose()
        yield url


@pytest.fixture
def demo_store(demo_url: str) -> Store:
    return Store.open(demo_url)


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], AppTest]:
    """``app(url)``: the dashboard on the store at ``url``, run once (Today page)."""

    def start(url: str) -> AppTest:
        monkeypatch.setenv("LOADWATCH_DB", url)
        return AppTest.from_file(str(APP), default_timeout=TIMEOUT_S).run()

    return start


def no_exception(at: AppTest) -> None:
    """Fail with the exception text when the app showed a Streamlit exception box."""
    messages = [e.value for e in at.exception]
    if messages:
        pytest.fail(f"the app raised: {messages}")
