"""Dashboard caches are per principal and obey a withdrawal at once (the Activities page run
through AppTest in server mode, with the signed-in principal put in the session)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import auth
from etl.store import LOCAL, Store
from etl.store import access as A
from tests.access.world import World

PAGE = Path(__file__).resolve().parents[2] / "dashboard" / "views" / "activities.py"
VERSION_TTL_S = 1.1  # dashboard.cache re-reads the data version at most once a second


def _page(principal: object) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.session_state[auth.PRINCIPAL_KEY] = principal
    return at.run()


def _athletes(at: AppTest) -> list[str]:
    assert not at.exception, [e.value for e in at.exception]
    pickers = [s for s in at.sidebar.selectbox if s.label == "Athlete"]
    return list(pickers[0].options) if pickers else []


def test_caches_follow_the_principal_and_a_withdrawal(world_db: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    url = world_db
    store = Store.open(url)
    monkeypatch.setenv("LOADWATCH_DB", url)
    monkeypatch.setenv("LOADWATCH_MODE", "server")
    cora = A.principal_for(store, "cora")
    ben = A.principal_for(store, "ben")

    at = _page(cora)
    assert _athletes(at) == ["Ann"]
    notices = [i.value for i in at.info]
    assert any(n.startswith("1 run synced from Strava is hidden") for n in notices)
    assert _athletes(_page(ben)) == ["Ben"]  # same process, same caches, another principal

    A.withdraw(store.as_principal(A.principal_for(store, "ann")), "cora")
    time.sleep(VERSION_TTL_S)
    assert _athletes(_page(cora)) == []


def test_local_mode_needs_no_login(monkeypatch: pytest.MonkeyPatch, store: Store) -> None:
    monkeypatch.delenv("LOADWATCH_MODE", raising=False)
    assert not auth.is_server_mode()
    assert auth.principal(store) is LOCAL
    assert auth.cache_key(store) == "local|local"


def test_staff_cache_keys_expire(monkeypatch: pytest.MonkeyPatch, world: World) -> None:
    store = world.store
    monkeypatch.setenv("LOADWATCH_MODE", "server")
    monkeypatch.setattr(auth.st, "session_state", {auth.PRINCIPAL_KEY: A.principal_for(
        store, "cleo")})
    monkeypatch.setattr(auth.time, "time", lambda: 1000.0)
    first = auth.cache_key(store)
    monkeypatch.setattr(auth.time, "time", lambda: 1000.0 + auth.STAFF_CACHE_S)
    assert auth.cache_key(store) != first and first.startswith("cleo|clinician|")


def _sharing(principal: object) -> AppTest:
    at = AppTest.from_string("from dashboard import auth\nauth.sharing_page()\n",
                             default_timeout=120)
    at.session_state[auth.PRINCIPAL_KEY] = principal
    return at.run()


def test_the_sharing_page_grants_and_withdraws(world_db: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOADWATCH_DB", world_db)
    monkeypatch.setenv("LOADWATCH_MODE", "server")
    store = Store.open(world_db)
    ben = A.principal_for(store, "ben")
    at = _sharing(ben)
    assert not at.exception, [e.value for e in at.exception]
    assert any("Nobody" in m.value for m in at.markdown)
    at.text_input[0].input("cleo")
    at.button[0].click().run()  # the form's Share button
    assert list(A.grants(store.as_principal(ben))["grantee"]) == ["cleo"]
    withdraw = [b for b in at.button if b.label == "Withdraw"]
    withdraw[0].click().run()
    assert A.grants(store.as_principal(ben)).empty
    assert [d for d in at.get("download_button")]  # the export is offered
    assert _sharing(A.principal_for(store, "cora")).info[0].value.startswith("Sharing is for")
