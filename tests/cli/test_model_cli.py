"""``loadwatch model evaluate|train|score`` on generated Lövdal files and a small demo store."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from etl.model_store import GENUINE, git_blob_id, load_model, squad_model_path
from loadwatch.cli.main import main
from tests.factories.lovdal import write_lovdal

QUICK = ["--bags", "2", "--iterations", "15", "--repetitions", "2", "--folds", "3",
         "--boot", "30"]


#: Fernet key of the test installation (test-only; shared by the module so one trained model
#: serves several tests).
TEST_KEY = "dGVzdC1pbnN0YWxsYXRpb24tc2VjcmV0LWtleS0zMmI="
OTHER_KEY = "aW5zdGFsbGF0aW9uLWItc2VjcmV0LWtleS0zMmJ5dGU="


@pytest.fixture(autouse=True)
def _installation_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOADWATCH_SECRET_KEY", TEST_KEY)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("lovdal")
    return {
        "day": write_lovdal(folder / "day.csv", "day", athletes=14, rows_per_athlete=80),
        "week": write_lovdal(folder / "week.csv", "week", athletes=14, rows_per_athlete=80),
    }


@pytest.fixture(scope="module")
def day_model(files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One day-approach model trained through the CLI, for the tests that only read it."""
    folder = tmp_path_factory.mktemp("model")
    model = folder / "day.lwm"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOADWATCH_HOME", str(folder / "home"))
        patch.setenv("LOADWATCH_SECRET_KEY", TEST_KEY)
        assert main(["model", "train", "--lovdal-day", str(files["day"]), "--out", str(model),
                     *QUICK]) == 0
    return model


def test_git_blob_id_matches_git() -> None:
    # `printf 'hello\n' | git hash-object --stdin`
    assert git_blob_id(b"hello\n") == "ce013625030ba8dba906f756967f9e9ca394464a"
    assert GENUINE["day"][0] == 13_547_450


def test_evaluate_reports_both_protocols_for_both_files(files, capsys) -> None:
    code = main(["model", "evaluate", "--lovdal-day", str(files["day"]), "--lovdal-week",
                 str(files["week"]), "--format", "json", *QUICK])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["approach"], r["protocol"]) for r in rows] == [
        ("day", "authors"), ("day", "grouped_cv"), ("week", "authors"), ("week", "grouped_cv")]
    for row in rows:
        assert row["roc_auc_low"] <= row["roc_auc"] <= row["roc_auc_high"]
        assert row["roc_auc"] > 0.65
        assert 0 < row["prevalence"] < 0.3 and row["file_is_genuine"] is False
        for name in ("pr_auc", "brier", "calibration_slope", "calibration_intercept"):
            assert f"{name}_low" in row
    assert rows[0]["paper_auc"] == 0.724 and rows[2]["paper_auc"] == 0.678
    assert "does NOT match the published day-approach file" in err
    assert "13,547,450 bytes" in err


def test_evaluate_without_a_file_is_a_usage_error(capsys) -> None:
    assert main(["model", "evaluate"]) == 2
    assert "--lovdal-day" in capsys.readouterr().err


def test_train_then_score_one_row_per_input_row(files, day_model, tmp_path) -> None:
    model = day_model
    loaded = load_model(model, expect_kind="lovdal")
    meta = loaded.metadata
    assert meta["approach"] == "day" and len(meta["features"]) == 70
    assert meta["data"]["n_rows"] == 14 * 80 and meta["data"]["date_first"] >= 0
    assert "injury" in meta["label_definition"]
    assert meta["evaluation"]["roc_auc"] > 0.6
    assert loaded.header["versions"]["scikit-learn"]
    scores = tmp_path / "scores.csv"
    unlabelled = tmp_path / "unlabelled.csv"
    pd.read_csv(files["day"]).drop(columns=["injury"]).to_csv(unlabelled, index=False)
    assert main(["model", "score", "--model", str(model), "--lovdal-day", str(unlabelled),
                 "--out", str(scores)]) == 0
    result = pd.read_csv(scores)
    source = pd.read_csv(files["day"])
    assert list(result.columns) == ["Athlete ID", "Date", "probability"]
    assert len(result) == len(source)
    assert (result["Athlete ID"] == source["Athlete ID"]).all()
    assert result["probability"].between(0, 1).all()


def test_tampered_and_foreign_models_are_refused(files, day_model, tmp_path, capsys,
                                                 monkeypatch) -> None:
    model = day_model
    tampered = tmp_path / "tampered.lwm"
    blob = bytearray(model.read_bytes())
    blob[-100] ^= 0xFF
    tampered.write_bytes(bytes(blob))
    capsys.readouterr()
    args = ["--lovdal-day", str(files["day"]), "--out", str(tmp_path / "s.csv")]
    assert main(["model", "score", "--model", str(tampered), *args]) == 2
    err = capsys.readouterr().err
    assert "tampered.lwm" in err and "signature does not match" in err
    assert not (tmp_path / "s.csv").exists()
    monkeypatch.setenv("LOADWATCH_SECRET_KEY", OTHER_KEY)
    assert main(["model", "score", "--model", str(model), *args]) == 2
    assert "another installation" in capsys.readouterr().err


def test_a_bad_file_names_the_column_and_keeps_the_old_model(files, day_model, tmp_path,
                                                            capsys) -> None:
    model = tmp_path / "m.lwm"
    model.write_bytes(day_model.read_bytes())
    before = model.read_bytes()
    broken = tmp_path / "broken.csv"
    pd.read_csv(files["day"]).drop(columns=["total km.6"]).to_csv(broken, index=False)
    code = main(["model", "train", "--lovdal-day", str(broken), "--out", str(model), *QUICK])
    err = capsys.readouterr().err
    assert code == 1
    assert "broken.csv" in err and "'total km.6'" in err and "doi:10.34894/UWU9PV" in err
    assert model.read_bytes() == before


def test_score_refuses_the_other_approach(files, day_model, tmp_path, capsys) -> None:
    code = main(["model", "score", "--model", str(day_model), "--lovdal-week",
                 str(files["week"]), "--out", str(tmp_path / "s.csv")])
    assert code == 2 and "trained on the day approach" in capsys.readouterr().err


def test_squad_model_on_the_demo_shows_flags_only_and_why(tmp_path, capsys) -> None:
    from etl.demo.build import build_demo_store
    from etl.demo.simulate import SquadConfig
    from etl.store import Store, log
    from loadwatch.analysis import analyse
    from risk.model.squad import SquadModel, model_status

    url = f"sqlite:///{tmp_path / 'demo.db'}"
    store = Store.open(url)
    build_demo_store(store, SquadConfig(end_date=dt.date(2026, 10, 1), athletes=4, years=0.4,
                                        with_streams=False))
    assert main(["--db", url, "model", "train", *QUICK]) == 0
    out = capsys.readouterr().out
    assert "the dashboard shows flags only, because:" in out
    assert "the bar is 30" in out
    loaded = load_model(squad_model_path(url), expect_kind="squad")
    model = SquadModel.from_saved(loaded.estimator, loaded.metadata)
    result = analyse(store)
    athlete = str(result.daily["athlete"].iloc[0])
    status = model_status(model, result.daily, result.flags, athlete, dt.date(2026, 9, 30),
                          log.injuries(store))
    assert not status.shown and "the bar is 30" in status.reason
    assert status.card["n_injuries"] < 30
