"""``loadwatch demo`` and ``loadwatch dashboard``: building the synthetic store, the summary,
the separate demo database, ports, and the usage errors."""

from __future__ import annotations

import argparse
import datetime as dt
import socket
from pathlib import Path

import pytest
from sqlalchemy import text

from etl.demo.simulate import SquadConfig, simulate_squad
from etl.store import Store
from loadwatch.cli import demo_cmds
from loadwatch.cli.common import UsageError
from loadwatch.cli.main import main

SMALL = ["demo", "--athletes", "4", "--days", "120", "--no-serve"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """One small demo built through the CLI (module-wide: building takes a few seconds)."""
    home = tmp_path_factory.mktemp("demo-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOADWATCH_HOME", str(home))
        patch.delenv("LOADWATCH_DB", raising=False)
        capture = _Capture()
        patch.setattr("sys.stdout", capture.out)
        patch.setattr("sys.stderr", capture.err)
        assert main(SMALL) == 0
    return home, capture.out.getvalue(), capture.err.getvalue()


class _Capture:
    def __init__(self) -> None:
        import io

        self.out, self.err = io.StringIO(), io.StringIO()


def _expected_squad() -> SquadConfig:
    return SquadConfig(end_date=dt.date.today() - dt.timedelta(days=1), athletes=4,
                       years=120 / 365.25)


def test_demo_builds_a_separate_synthetic_store(built: tuple[Path, str, str]) -> None:
    home, out, err = built
    assert (home / "demo.db").is_file()
    assert not (home / "loadwatch.db").exists()
    store = Store.open(f"sqlite:///{home / 'demo.db'}")
    athletes = store.athletes()
    assert len(athletes) == 4 and athletes["is_synthetic"].all()
    assert athletes["athlete"].str.contains("synthetic").all()
    assert set(athletes["sex"]) <= {"F", "M"}
    squad = simulate_squad(_expected_squad())
    activities = store.activities()
    assert len(activities) == int(squad.recorded.sum())
    assert (activities["device"] == "loadwatch simulator").all()
    assert activities["name"].str.endswith("(synthetic)").all()
    assert activities["local_date"].max() == dt.date.today() - dt.timedelta(days=1)
    assert (activities["local_date"].min() - squad.config.start_date).days < 7
    runs = activities[activities["sport_type"].isin(["Run", "TrailRun"])]
    assert "synthetic data" in out
    assert f"4 synthetic athletes, {len(runs)} runs ({len(activities)} activities)" in out
    assert f"{runs['distance_m'].sum() / 1000:,.0f} km" in out
    assert str(activities["local_date"].min()) in out and str(activities["local_date"].max()) in out
    assert "Building the synthetic demo squad" in err
    # the stream metrics are computed once at build time, so the first page is quick
    with store.engine.connect() as conn:
        cached = conn.execute(text("SELECT count(*) FROM stream_metrics")).scalar()
    assert cached == int(activities["has_streams"].sum()) > 0


def test_second_run_reuses_the_store(built: tuple[Path, str, str],
                                     monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    home, first_out, _ = built
    monkeypatch.setenv("LOADWATCH_HOME", str(home))
    assert main(SMALL) == 0
    captured = capsys.readouterr()
    assert "Building" not in captured.err
    assert captured.out.splitlines()[1:] == first_out.splitlines()[1:]


def test_explicit_db_is_honoured_and_env_db_is_not_used(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    real = tmp_path / "real.db"
    monkeypatch.setenv("LOADWATCH_DB", f"sqlite:///{real}")
    target = tmp_path / "elsewhere.db"
    code = main(["--db", f"sqlite:///{target}", "demo", "--athletes", "1", "--days", "35",
                 "--no-serve"])
    assert code == 0
    assert Store.open(f"sqlite:///{target}").activity_count() > 0
    assert not real.exists()
    assert str(target) in capsys.readouterr().out


def test_demo_never_writes_into_a_store_with_data(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'mine.db'}"
    store = Store.open(url)
    squad = simulate_squad(SquadConfig(end_date=dt.date(2026, 1, 31), athletes=1, years=0.1))
    _name, parsed = next(squad.iter_activities())
    store.upsert_activity("Real Person", parsed)
    assert main(["--db", url, "demo", "--athletes", "2", "--days", "30", "--no-serve"]) == 0
    assert store.activity_count() == 1
    captured = capsys.readouterr()
    assert "none of it is synthetic" in captured.err
    assert "0 synthetic athletes" in captured.out


def test_rebuild_deletes_only_the_demo_database(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'mine.db'}"
    assert main(["--db", url, "demo", "--rebuild", "--no-serve"]) == 2
    assert "--rebuild only deletes the demo's own database" in capsys.readouterr().err
    assert not (tmp_path / "mine.db").exists()


def test_rebuild_starts_over(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOADWATCH_HOME", str(tmp_path))
    assert main(["demo", "--athletes", "1", "--days", "35", "--no-serve"]) == 0
    store = Store.open(None, demo=True)
    store.set_perceived_exertion(int(store.activities()["activity_id"].iloc[0]), 9.5)
    store.engine.dispose()
    assert main(["demo", "--athletes", "1", "--days", "35", "--no-serve", "--rebuild"]) == 0
    rebuilt = Store.open(None, demo=True).activities()
    assert 9.5 not in set(rebuilt["perceived_exertion"])


@pytest.mark.parametrize(("argv", "message"), [
    (["demo", "--athletes", "0", "--no-serve"], "--athletes 0"),
    (["demo", "--days", "10", "--no-serve"], "at least 28 days"),
    (["demo", "--port", "70000"], "not a port number"),
])
def test_usage_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_cmds, "build_demo_store", _never)
    monkeypatch.setattr(demo_cmds, "summarise_store", _never)
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def _never(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("should not be reached")


def test_choose_port_prefers_8501_then_the_next_free_one() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        with pytest.raises(UsageError, match=f"port {taken} is in use"):
            demo_cmds.choose_port(taken)
    if demo_cmds.port_is_free(8501):
        assert demo_cmds.choose_port(None) == 8501
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 8501))
            busy.listen()
            assert demo_cmds.choose_port(None) > 8501


def test_serve_runs_streamlit_on_localhost_with_the_store_url(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = tmp_path / "app.py"
    app.write_text("")
    calls: list[tuple[list[str], dict[str, str]]] = []
    monkeypatch.setattr(demo_cmds, "APP", app)
    monkeypatch.setattr(demo_cmds.subprocess, "call",
                        lambda command, env: calls.append((command, env)) or 0)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    args = argparse.Namespace(db=url, as_user=None, port=None)
    assert demo_cmds.run_dashboard(args) == 0
    command, env = calls[0]
    assert command[1:4] == ["-m", "streamlit", "run"] and command[4] == str(app)
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--browser.gatherUsageStats") + 1] == "false"
    port = int(command[command.index("--server.port") + 1])
    assert 8501 <= port < 8521
    assert env["LOADWATCH_DB"] == url
    assert "LOADWATCH_DEMO" not in env


def test_missing_dashboard_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(demo_cmds, "APP", tmp_path / "absent.py")
    store = Store.open(f"sqlite:///{tmp_path / 'x.db'}")
    assert demo_cmds.serve(store, None, demo=True) == 0
    assert "is not there yet" in capsys.readouterr().err
