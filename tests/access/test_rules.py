"""For each role and each kind of data: allowed reads succeed, every other read is denied.

See tests/access/world.py for who granted what. A read is *denied* when it raises
``AccessDenied`` or, for reads that filter (lists, samples by guessed id), returns nothing of the
other athlete.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from etl.errors import AccessDenied, StoreError
from etl.store import Store, log
from etl.store import access as A
from etl.store.account import export_athlete_data
from loadwatch.analysis import analyse
from tests.access.world import World, build, run

ROLES = ("ann", "ben", "cora", "dan", "cleo", "root")
# who may read Ann's data of each kind (Ann grants cora load, team harriers (dan) load and
# symptoms, cleo everything; ben is another athlete, root the administrator)
ALLOWED: dict[str, set[str]] = {
    "activities": {"ann", "cora", "dan", "cleo"},
    "streams": {"ann", "cora", "dan", "cleo"},
    "rpe": {"ann", "cora", "dan", "cleo"},
    "flags": {"ann", "cora", "dan", "cleo"},
    "symptoms": {"ann", "dan", "cleo"},
    "wellness": {"ann", "dan", "cleo"},
    "injuries": {"ann", "dan", "cleo"},
    "visa_h": {"ann", "dan", "cleo"},
    "reports": {"ann", "cleo"},
    "exports": {"ann", "cleo"},
}


def _read(world: World, kind: str) -> Callable[[Store], bool]:
    """A read of Ann's ``kind``: True when it returned Ann's data."""
    def activities(s: Store) -> bool:
        return set(s.activities("Ann")["athlete"]) == {"Ann"}

    def streams(s: Store) -> bool:
        return len(s.streams(world.activity["file-1"])) == 11

    def entries(s: Store) -> bool:
        frame = log.current(s, kind, "Ann")
        return len(frame) >= 1 and set(frame["athlete"]) == {"Ann"}

    def flags(s: Store) -> bool:
        result = analyse(s, ["Ann"])
        return set(result.daily["athlete"]) == {"Ann"}

    def reports(s: Store) -> bool:
        return s.authorize(s.ids_of(["Ann"]), "reports") == [world.ids["Ann"]]

    def exports(s: Store) -> bool:
        buffer = io.BytesIO()
        return "activities.csv" in export_athlete_data(s, "Ann", buffer)

    return {"activities": activities, "streams": streams, "flags": flags, "reports": reports,
            "exports": exports}.get(kind, entries)


@pytest.mark.parametrize("kind", sorted(ALLOWED))
def test_every_role_reads_exactly_what_it_is_allowed(world: World, kind: str) -> None:
    read = _read(world, kind)
    outcome = {}
    for user in ROLES:
        try:
            outcome[user] = read(world.as_user(user))
        except AccessDenied:
            outcome[user] = False
    assert {user for user, ok in outcome.items() if ok} == ALLOWED[kind]


def test_local_mode_reads_everything(world: World) -> None:
    assert set(world.store.activities()["athlete"]) == {"Ann", "Ben"}
    assert set(log.symptoms(world.store)["athlete"]) == {"Ann", "Ben"}
    assert world.store.authorize(None, "symptoms") is None


def test_lists_show_only_permitted_athletes(world: World) -> None:
    seen = {user: sorted(world.as_user(user).athletes()["athlete"]) for user in ROLES}
    assert seen == {"ann": ["Ann"], "ben": ["Ben"], "cora": ["Ann"], "dan": ["Ann"],
                    "cleo": ["Ann"], "root": ["Ann", "Ben"]}
    assert set(world.as_user("ben").activities()["athlete"]) == {"Ben"}
    assert world.as_user("root").activities().empty
    assert log.symptoms(world.as_user("cora")).empty
    assert set(log.symptoms(world.as_user("dan"))["athlete"]) == {"Ann"}


def test_guessing_ids_reveals_nothing(world: World) -> None:
    ben = world.as_user("ben")
    ann_id = world.ids["Ann"]
    for kind in sorted(A.KINDS - {"athletes"}):
        assert ben.authorize([ann_id], kind) == [], kind
    for activity_id in world.activity.values():
        if activity_id != world.activity["file-9"]:
            assert ben.streams(activity_id).empty
    uid = str(log.symptoms(world.store, "Ann")["entry_uid"].iloc[0])
    assert log.history(ben, "symptoms", entry_uid=uid).empty
    with pytest.raises(AccessDenied):
        log.set_rpe(ben, world.activity["file-1"], 9)
    with pytest.raises(AccessDenied):
        log.current(ben, "symptoms", "Ann")
    with pytest.raises(AccessDenied):
        analyse(world.as_user("root"), ["Ann"])
    assert log.current(world.store, "rpe", "Ann")["perceived_exertion"].tolist() == [5.0]


def test_only_clinicians_with_a_grant_add_to_the_log(world: World) -> None:
    entry = log.InjuryRecord(injury_onset_date=pd.Timestamp("2024-05-10").date(),
                             injury_region="ischial_tuberosity", clinician_diagnosis="PHT")
    log.add(world.as_user("cleo"), "Ann", entry)
    assert "PHT" in set(log.injuries(world.store, "Ann")["clinician_diagnosis"])
    for user in ("cora", "dan", "ben", "root"):
        with pytest.raises(AccessDenied):
            log.add(world.as_user(user), "Ann", entry)


def test_withdrawing_takes_effect_at_once(world: World) -> None:
    cora = world.as_user("cora")
    assert len(cora.activities("Ann")) == 2
    before = A.grants_version(world.store)
    assert A.withdraw(world.as_user("ann"), "cora") == 1
    assert A.grants_version(world.store) != before
    with pytest.raises(AccessDenied):
        cora.activities("Ann")
    assert cora.athletes().empty
    assert cora.streams(world.activity["file-1"]).empty


def test_a_team_grant_reaches_every_coach_of_the_team(world: World) -> None:
    A.add_user(world.store, "eve", "coach", team="harriers")
    A.add_user(world.store, "finn", "clinician", team="harriers")
    assert list(world.as_user("eve").athletes()["athlete"]) == ["Ann"]
    assert world.as_user("finn").athletes().empty  # team grants are for coaches
    A.withdraw(world.as_user("ann"), team="harriers")
    assert world.as_user("eve").athletes().empty
    assert world.as_user("dan").athletes().empty


def test_coach_symptoms_only_when_the_athlete_allows(world: World) -> None:
    with pytest.raises(AccessDenied):
        log.symptoms(world.as_user("cora"), "Ann")
    A.grant(world.as_user("ann"), "cora", symptoms=True)
    assert len(log.symptoms(world.as_user("cora"), "Ann")) == 1
    assert len(A.grants(world.as_user("ann"))) == 3  # the earlier grant to cora was replaced


def test_only_the_athlete_grants_and_withdraws(world: World) -> None:
    for user in ("ben", "cora", "cleo", "root"):
        with pytest.raises(AccessDenied):
            A.grant(world.as_user(user), "cora", athlete="Ann")
        with pytest.raises(AccessDenied):
            A.withdraw(world.as_user(user), "cleo", athlete="Ann")
    with pytest.raises(StoreError, match="coach or clinician"):
        A.grant(world.as_user("ann"), "ben")
    assert len(A.grants(world.store)) == 3


def test_grants_visible_to_the_athlete_and_the_grantee(world: World) -> None:
    assert set(A.grants(world.as_user("cleo"))["athlete"]) == {"Ann"}
    assert A.grants(world.as_user("ben")).empty
    assert set(A.grants(world.as_user("dan"))["team"]) == {"harriers"}


def test_principals(world: World) -> None:
    by_mail = A.principal_for(world.store, "ANN@example.org")
    assert (by_mail.user, by_mail.role, by_mail.athlete_id) == ("ann", "athlete",
                                                                world.ids["Ann"])
    with pytest.raises(AccessDenied, match="not an active loadwatch user"):
        A.principal_for(world.store, "mallory")
    A.set_active(world.store, "cora", False)
    with pytest.raises(AccessDenied):
        A.principal_for(world.store, "cora")


def test_only_an_administrator_manages_users(world: World) -> None:
    with pytest.raises(AccessDenied):
        A.add_user(world.as_user("cleo"), "x", "coach")
    with pytest.raises(AccessDenied):
        A.users(world.as_user("ann"))
    A.add_user(world.as_user("root"), "gus", "coach")
    assert "gus" in set(A.users(world.store)["user"])
    with pytest.raises(StoreError, match="not one of"):
        A.add_user(world.store, "h", "superuser")
    with pytest.raises(StoreError, match="already"):
        A.add_user(world.store, "gus", "coach")


def test_unknown_kind_fails_loudly(world: World) -> None:
    with pytest.raises(StoreError, match="unknown kind"):
        world.as_user("ann").authorize(None, "gps_tracks")


def test_deployment_settings_from_environment() -> None:
    assert A.DeploymentSettings.from_env({}) == A.DeploymentSettings("local", False)
    assert A.DeploymentSettings.from_env({"LOADWATCH_MODE": "server",
                                          "LOADWATCH_STAFF_SEES_STRAVA_API": "true"}) \
        == A.DeploymentSettings("server", True)
    with pytest.raises(Exception, match="LOADWATCH_MODE"):
        A.DeploymentSettings.from_env({"LOADWATCH_MODE": "cloud"})


def test_only_the_athlete_or_their_clinician_stores_activities(world: World) -> None:
    world.as_user("ann").upsert_activity("Ann", run("file", "file-20", 20, 3000.0))
    world.as_user("cleo").upsert_activity("Ann", run("file", "file-21", 21, 3000.0))
    for user in ("ben", "cora", "dan", "root"):
        with pytest.raises(AccessDenied):
            world.as_user(user).upsert_activity("Ann", run("file", "file-22", 22, 3000.0))
    with pytest.raises(AccessDenied):
        world.as_user("ann").upsert_activity("Newcomer", run("file", "file-23", 23, 3000.0))
    assert sorted(world.store.activities("Ann")["source_id"]) == \
        ["api-2", "api-3", "file-1", "file-20", "file-21"]
    assert world.store.ids_of(["Newcomer"]) == []


@pytest.mark.postgres
def test_the_rules_hold_on_postgres(pg_store: Store) -> None:
    world = build(pg_store)
    assert sorted(world.as_user("cora").activities("Ann")["distance_m"]) == [5000.0, 10000.0]
    with pytest.raises(AccessDenied):
        log.symptoms(world.as_user("cora"), "Ann")
    assert len(log.symptoms(world.as_user("dan"), "Ann")) == 1
    assert world.as_user("ben").authorize([world.ids["Ann"]], "activities") == []
    assert world.as_user("ben").streams(world.activity["file-1"]).empty
    A.withdraw(world.as_user("ann"), "cleo")
    with pytest.raises(AccessDenied):
        world.as_user("cleo").activities("Ann")


def test_server_mode_log_versions_name_the_signed_in_user(world: World) -> None:
    entry = log.WellnessEntry(local_date=pd.Timestamp("2024-05-07").date(), sleep_hooper=2,
                              fatigue_hooper=2, stress_hooper=2, soreness_hooper=2)
    log.add(world.as_user("cleo"), "Ann", entry, entered_by="ann")
    log.add(world.store, "Ann", entry, entered_by="physio at the club")
    assert list(log.history(world.store, "wellness", athlete="Ann")["entered_by"])[-2:] == \
        ["cleo", "physio at the club"]


def test_only_the_athlete_or_their_clinician_changes_settings(world: World) -> None:
    world.as_user("ann").set_athlete("Ann", sex="F")
    world.as_user("cleo").set_athlete("Ann", settings={"max_hr_bpm": 190})
    for user in ("ben", "cora", "dan", "root"):
        with pytest.raises(AccessDenied):
            world.as_user(user).set_athlete("Ann", settings={"max_hr_bpm": 150})
    row = world.store.athletes().set_index("athlete").loc["Ann"]
    assert (row["sex"], row["settings"]) == ("F", {"max_hr_bpm": 190})


def test_a_clinician_imports_files_for_a_patient(world: World, tmp_path: Path) -> None:
    from etl.importer import import_paths
    from tests.factories.fit import steady_samples
    from tests.factories.gpx import gpx_document

    start = dt.datetime(2024, 5, 20, 7, 0, tzinfo=dt.UTC)
    path = tmp_path / "clinic.gpx"
    path.write_text(gpx_document(start, steady_samples(600, 3.0)))
    report = import_paths(world.as_user("cleo"), [path], "Ann", workers=1)
    assert report.ok
    assert len(world.store.activities("Ann")) == 4
    other = tmp_path / "coach.gpx"
    other.write_text(gpx_document(start + dt.timedelta(days=1), steady_samples(600, 3.0)))
    try:
        denied = import_paths(world.as_user("cora"), [other], "Ann", workers=1)
        assert not denied.ok
    except AccessDenied:
        pass
    assert len(world.store.activities("Ann")) == 4
