"""Building the demo store from a simulated squad, through the same store API as real imports.

The demo lives in its own database (``Store.open(demo=True)``: a separate SQLite file), so
synthetic data never mixes with real data. Athletes are created ``is_synthetic``; every
activity comes from :meth:`etl.demo.simulate.Squad.iter_activities` and is written with
:meth:`etl.store.Store.upsert_activity` (so building twice changes nothing). When the symptom
log's :mod:`etl.demo.clinical` exists, its ``add_clinical_stories(store, squad)`` adds the
symptom, wellness and injury stories.
"""

from __future__ import annotations

import datetime as dt
import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from etl.demo.profiles import SYNTHETIC_LABEL
from etl.demo.simulate import Squad, SquadConfig, simulate_squad
from etl.store import Store
from etl.store.base import utcnow
from loadwatch import columns as C

Progress = Callable[[int, int], None]

#: Activities written per transaction (each activity is whole or absent either way).
BATCH = 250
CLINICAL_MODULE = "etl.demo.clinical"


@dataclass(frozen=True)
class DemoSummary:
    """What :func:`build_demo_store` stored.

    ``runs`` counts Run/TrailRun/VirtualRun activities, ``activities`` every sport;
    ``run_km`` is the running distance; ``unrecorded`` counts sessions that happened but were
    kept out of the data (the watch was not worn).
    """

    url: str
    athletes: int
    activities: int
    runs: int
    run_km: float
    first_date: dt.date
    last_date: dt.date
    unrecorded: int
    seconds: float
    clinical_stories: bool

    def lines(self) -> list[str]:
        """A human-readable summary, labelled synthetic."""
        return [
            f"Demo store ({SYNTHETIC_LABEL} data): {self.url}",
            f"  {self.athletes} {SYNTHETIC_LABEL} athletes, {self.runs} runs "
            f"({self.activities} activities), {self.run_km:,.0f} km",
            f"  from {self.first_date} to {self.last_date}",
        ]


def build_demo_store(store: Store, config: SquadConfig,
                     progress: Progress | None = None) -> DemoSummary:
    """Simulate the squad of ``config`` and write it into ``store``.

    Parameters
    ----------
    store
        Where to write (normally the demo store, ``Store.open(demo=True)``).
    config
        The squad to simulate.
    progress
        Called as ``progress(done, total)`` after each batch of activities.

    Returns
    -------
    DemoSummary
    """
    started = time.perf_counter()
    started_at = utcnow()
    squad = simulate_squad(config)
    ids: dict[str, int] = {}
    for athlete in squad.athletes:
        ids[athlete.name] = store.athlete_id(athlete.name, synthetic=True)
        store.set_athlete(athlete.name, sex=athlete.sex, settings=athlete.settings())
    total = int(squad.recorded.sum())
    outcomes: dict[str, int] = {}
    done = 0
    activities = squad.iter_activities()
    while done < total:
        with store.transaction() as connection:
            for name, parsed in activities:
                result = store.upsert_activity(ids[name], parsed, connection=connection)
                outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
                done += 1
                if done % BATCH == 0:
                    break
        if progress is not None:
            progress(done, total)
    clinical = add_clinical_stories(store, squad)
    summary = summarise(store, squad, time.perf_counter() - started, clinical)
    store.log_import(
        f"loadwatch demo ({SYNTHETIC_LABEL} squad, seed {config.seed})", None,
        imported=outcomes.get("inserted", 0), updated=outcomes.get("updated", 0),
        duplicates=outcomes.get("unchanged", 0) + outcomes.get("duplicate", 0)
        + outcomes.get("merged", 0), rejected=0, messages=summary.lines(),
        started_at=started_at)
    return summary


def add_clinical_stories(store: Store, squad: Squad) -> bool:
    """Call ``etl.demo.clinical.add_clinical_stories`` when that module exists."""
    try:
        module = importlib.import_module(CLINICAL_MODULE)
    except ModuleNotFoundError as exc:
        if exc.name != CLINICAL_MODULE:
            raise
        return False
    module.add_clinical_stories(store, squad)
    return True


def summarise(store: Store, squad: Squad, seconds: float, clinical: bool) -> DemoSummary:
    """Count what the store holds for the squad's athletes."""
    return _summary(store, {a.name for a in squad.athletes}, int((~squad.recorded).sum()),
                    seconds, clinical, squad.config)


def summarise_store(store: Store) -> DemoSummary:
    """Count the synthetic athletes already in ``store`` and their activities."""
    athletes = store.athletes()
    names = set(athletes.loc[athletes["is_synthetic"].astype(bool), "athlete"])
    return _summary(store, names, 0, 0.0, False, None)


def _summary(store: Store, names: set[str], unrecorded: int, seconds: float, clinical: bool,
             config: SquadConfig | None) -> DemoSummary:
    frame = store.activities()
    frame = frame[frame[C.ATHLETE].isin(names)]
    runs = frame[frame[C.SPORT_TYPE].isin(C.RUNNING_SPORT_TYPES)]
    today = dt.date.today()
    return DemoSummary(
        url=store.url, athletes=len(names), activities=len(frame), runs=len(runs),
        run_km=float(runs[C.DISTANCE_M].sum()) / 1000.0,
        first_date=min(frame[C.LOCAL_DATE], default=config.start_date if config else today),
        last_date=max(frame[C.LOCAL_DATE], default=config.end_date if config else today),
        unrecorded=unrecorded, seconds=seconds, clinical_stories=clinical)


def default_config(athletes: int = 24, *, today: dt.date | None = None) -> SquadConfig:
    """The demo squad: ``athletes`` runners over two years ending yesterday."""
    end = (today or dt.date.today()) - dt.timedelta(days=1)
    return SquadConfig(end_date=end, athletes=athletes)


def ensure_demo_store(url: str | None = None, config: SquadConfig | None = None) -> Store:
    """Open the demo store (``url`` if given) and build the demo into it when it is empty."""
    store = Store.open(url, demo=True)
    if store.activity_count() == 0:
        build_demo_store(store, config or default_config())
    return store
