"""Every staff view, export and write is audited (who, whose, what, when); the log is
append-only."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from etl.errors import AccessDenied
from etl.store import Store, log
from etl.store import access as A
from etl.store.account import export_athlete_data
from tests.access.world import DAY, World, build, run


def test_staff_views_are_recorded_and_the_athlete_reads_them(world: World) -> None:
    before = dt.datetime.now(dt.UTC)
    world.as_user("cora").activities("Ann")
    log.symptoms(world.as_user("dan"), "Ann")
    export_athlete_data(world.as_user("cleo"), "Ann", io.BytesIO())
    rows = A.audit(world.as_user("ann"))
    seen = {(r.actor, r.athlete, r.action, r.what) for r in rows.itertuples()}
    assert ("cora", "Ann", "view", "activities") in seen
    assert ("dan", "Ann", "view", "symptoms") in seen
    assert ("cleo", "Ann", "export", "exports") in seen
    assert {r.actor_role for r in rows.itertuples()} <= {"coach", "clinician"}
    assert all(stamp >= before for stamp in rows["occurred_at"])
    assert A.audit(world.as_user("ben")).empty  # nothing about Ben, and not Ann's rows


def test_own_and_denied_reads_are_not_recorded(world: World) -> None:
    world.as_user("ann").activities("Ann")
    with pytest.raises(AccessDenied):
        log.symptoms(world.as_user("cora"), "Ann")
    assert A.audit(world.store).empty


def test_repeated_reads_within_a_minute_are_one_row(world: World) -> None:
    cora = world.as_user("cora")
    for _ in range(3):
        cora.activities("Ann")
    assert len(A.audit(world.store, "Ann").query("what == 'activities'")) == 1


def test_who_may_read_the_audit_log(world: World) -> None:
    world.as_user("cora").activities("Ann")
    for user in ("cora", "dan", "cleo"):
        with pytest.raises(AccessDenied):
            A.audit(world.as_user(user))
    with pytest.raises(AccessDenied):
        A.audit(world.as_user("ben"), "Ann")
    assert len(A.audit(world.as_user("root"), "Ann")) == 1


def _writes(store: Store) -> list[tuple[str, str, str]]:
    rows = A.audit(store, "Ann")
    return sorted((r.actor, r.what, r.detail) for r in rows.itertuples() if r.action == "write")


def test_staff_writes_are_recorded(world: World) -> None:
    cleo = world.as_user("cleo")
    symptom = log.SymptomEntry(local_date=DAY, pain_at_rest_nrs=2)
    added = log.add(cleo, "Ann", symptom)
    log.edit(cleo, added.entry_uid, log.SymptomEntry(local_date=DAY, pain_at_rest_nrs=3))
    log.retract(cleo, "symptoms", added.entry_uid, reason="entered twice")
    injury = log.add(cleo, "Ann", log.InjuryRecord(injury_onset_date=DAY, injury_region="shin",
                                                   clinician_diagnosis="MTSS"))
    log.add_many(cleo, "Ann", [log.WellnessEntry(local_date=DAY, sleep_hooper=2,
                                                 fatigue_hooper=2, stress_hooper=2,
                                                 soreness_hooper=2)] * 2)
    log.set_rpe(cleo, world.activity["file-1"], 7)
    cleo.set_athlete("Ann", settings={"risk": {"weekly_spike_pct": 25}})
    for _ in range(2):  # an import writes many activities: one row a minute
        cleo.upsert_activity("Ann", run("file", "file-5", 5, 7000.0))
    log.add(world.as_user("ann"), "Ann", symptom)  # the athlete's own write: not audited
    with pytest.raises(AccessDenied):  # a coach may not write: refused, nothing recorded
        log.add(world.as_user("dan"), "Ann", symptom)
    assert _writes(world.store) == sorted([
        ("cleo", "symptoms", f"add {added.entry_uid}"),
        ("cleo", "symptoms", f"edit {added.entry_uid}"),
        ("cleo", "symptoms", f"retract {added.entry_uid}"),
        ("cleo", "injuries", f"add {injury.entry_uid}"),
        ("cleo", "wellness", "add 2 entries"),
        ("cleo", "rpe", f"activity {world.activity['file-1']}"),
        ("cleo", "settings", "settings"),
        ("cleo", "activities", ""),
    ])
    rows = A.audit(world.as_user("ann"))
    assert set(rows.loc[rows["action"] == "write", "actor_role"]) == {"clinician"}


def test_a_staff_write_is_recorded_in_its_own_transaction(world: World) -> None:
    cleo = world.as_user("cleo")
    entry = log.SymptomEntry(local_date=DAY, pain_at_rest_nrs=1)
    with cleo.transaction() as conn:  # an import: several writes in one open transaction
        saved = [log.add(cleo, "Ann", entry, connection=conn) for _ in range(2)]
    assert [detail for *_, detail in _writes(world.store)] == sorted(
        f"add {s.entry_uid}" for s in saved)
    with pytest.raises(RuntimeError), cleo.transaction() as conn:
        log.add(cleo, "Ann", entry, connection=conn)
        raise RuntimeError("the import failed")
    assert len(_writes(world.store)) == 2  # rolled back with the write it recorded
    assert len(log.symptoms(world.store, "Ann")) == 3


def test_the_access_api_offers_no_way_to_change_the_audit_log() -> None:
    names = [n for n, v in vars(A).items()
             if callable(v) and getattr(v, "__module__", "") == A.__name__]
    assert "record" in names and "audit" in names
    assert not [n for n in names if n.startswith(("delete", "update", "remove", "purge"))]


def _tamper(store: Store) -> None:
    for statement in ("UPDATE audit_log SET actor = 'nobody'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(statement))


def test_sqlite_refuses_update_and_delete(world: World) -> None:
    world.as_user("cora").activities("Ann")
    _tamper(world.store)
    assert list(A.audit(world.store)["actor"]) == ["cora"]


@pytest.mark.postgres
def test_postgres_refuses_update_and_delete(pg_store: Store) -> None:
    world = build(pg_store)
    world.as_user("cleo").activities("Ann")
    _tamper(pg_store)
    assert list(A.audit(pg_store)["actor"]) == ["cleo"]
