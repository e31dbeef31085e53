"""The demo squad's clinical stories: consistent with their loads, deterministic, and seen by
the rules (tendon pattern after the hill block, bone stress after the spike, nerve pattern)."""

from __future__ import annotations

import datetime as dt

import pytest

from etl.demo.clinical import ENTERED_BY, add_clinical_stories
from etl.demo.simulate import Squad, SquadConfig, simulate_squad
from etl.store import Store, log
from loadwatch.analysis import analyse
from risk.triage import assess

END = dt.date(2024, 12, 31)


@pytest.fixture(scope="module")
def squad() -> Squad:
    return simulate_squad(SquadConfig(end_date=END, athletes=6, years=1.0, with_streams=False))


def _story(squad: Squad, story: str):
    (athlete,) = [a for a in squad.athletes if a.story == story]
    return athlete


def _around(squad: Squad, store: Store, name: str, first: dt.date, last: dt.date) -> None:
    """Store the runner's activities of first..last (enough history for the load flags)."""
    for athlete, parsed in squad.iter_activities(name):
        if first <= parsed.record.local_date <= last:
            store.upsert_activity(athlete, parsed)


def test_tendon_story_after_the_hill_and_speed_block(squad: Squad, store: Store) -> None:
    runner = _story(squad, "tendon")
    first, last = runner.block("hill_block")
    _around(squad, store, runner.name, first - dt.timedelta(days=35), last + dt.timedelta(days=14))
    add_clinical_stories(store, squad)
    entries = log.symptoms(store, runner.name)
    episode = entries[entries["pain_locations"].map(lambda c: "ischial_tuberosity" in c)]
    assert first + dt.timedelta(days=14) <= episode["local_date"].min() <= last
    niggle = episode.iloc[0]
    assert niggle["pain_during_run_nrs"] <= 3 and niggle["pain_onset"] == "gradual"
    assert episode["sit_tolerance_min"].iloc[:4].is_monotonic_decreasing
    (injury,) = log.injuries(store, runner.name).to_dict(orient="records")
    assert injury["injury_region"] == "ischial_tuberosity" and first <= injury[
        "injury_onset_date"] <= last
    visa = log.visa_h(store, runner.name)["visa_h_points"].tolist()
    assert visa == sorted(visa) and len(visa) == 6 and visa[0] == 38 and visa[-1] == 82

    result = analyse(store, [runner.name])
    hints = result.hints
    assert "TENDON_LOAD_PATTERN" in set(hints["hint_category"])
    assert not hints["is_red_flag"].any()
    pain = result.flags[(result.flags["kind"] == "pain_response")
                        & (result.flags["category"] == "during_above_5")]
    assert not pain.empty and pain["activity_id"].notna().all()
    assert pain["local_date"].min() == injury["injury_onset_date"]


def test_bone_stress_story_after_the_session_spike(squad: Squad, store: Store) -> None:
    runner = _story(squad, "bone_stress")
    spike = runner.events_of("session_spike_large")[0].start
    _around(squad, store, runner.name, spike - dt.timedelta(days=45), spike + dt.timedelta(days=14))
    add_clinical_stories(store, squad)
    result = analyse(store, [runner.name])
    red = result.flags[result.flags["kind"] == "red_flag"]
    assert red["category"].tolist() == ["BONE_STRESS_POSSIBLE"]
    assert red["severity"].tolist() == ["urgent"]
    assert f"a load spike on {spike:%Y-%m-%d}" in red["message"].iloc[0]
    spikes = result.flags[result.flags["kind"] == "session_spike"]
    assert spike in set(spikes["local_date"])
    (injury,) = log.injuries(store, runner.name).to_dict(orient="records")
    assert 0 < (injury["injury_onset_date"] - spike).days <= 10


def test_nerve_story_and_ordinary_logs_for_the_rest(squad: Squad, store: Store) -> None:
    summary = add_clinical_stories(store, squad)
    frames = log.log_frames(store)
    assert summary.symptoms == len(frames.symptoms) and summary.wellness == len(frames.wellness)
    assert summary.injuries == 2 and summary.visa_h == 6
    result = assess(frames.symptoms, frames.wellness, frames.visa_h)
    nerve = _story(squad, "nerve").name
    stories = {a.name for a in squad.athletes if a.story}
    red = {(f.athlete, f.category) for f in result.flags if f.kind == "red_flag"}
    assert (nerve, "NERVE_RELATED_POSSIBLE") in red
    assert {athlete for athlete, _ in red} <= stories
    others = [f for f in result.flags if f.athlete not in stories]
    assert [f for f in others if f.kind in ("red_flag", "poor_recovery")] == []
    assert {f.category for f in others} <= {"DOMS_LIKE"}
    for athlete in squad.athletes:
        assert not frames.wellness[frames.wellness["athlete"] == athlete.name].empty
    assert set(frames.symptoms["entered_by"]) == {ENTERED_BY}
    assert frames.wellness["local_date"].max() <= END


def test_same_squad_same_logs(squad: Squad, tmp_path) -> None:
    def values(path: str) -> list[list[str]]:
        store = Store.open(f"sqlite:///{tmp_path / path}")
        add_clinical_stories(store, squad)
        frame = log.symptoms(store).drop(columns=["entry_uid", "version_id", "entered_at"])
        return frame.astype(str).values.tolist()

    assert values("a.db") == values("b.db")
