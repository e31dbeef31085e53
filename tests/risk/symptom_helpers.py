"""Small hand-built symptom, wellness and session frames for the symptom-rule tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from risk import symptom_codes as S

DAY0 = dt.date(2024, 5, 1)


def day(n: int) -> dt.date:
    return DAY0 + dt.timedelta(days=n)


def symptom(n: int, athlete: str = "ann", **values: Any) -> dict[str, Any]:
    """A symptom entry on day ``n`` with every column present (codes as tuples)."""
    row: dict[str, Any] = {name: None for name in S.SYMPTOM_COLUMNS}
    for name in S.MULTI_CHOICE:
        row[name] = ()
    row.update(athlete=athlete, local_date=day(n), entry_uid=f"{athlete}-{n}", log_note="")
    for name, value in values.items():
        row[name] = tuple(value) if isinstance(value, list) else value
    return row


def symptoms(*rows: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(S.SYMPTOM_COLUMNS))


def wellness(entries: list[tuple[int, tuple[int, int, int, int]]],
             athlete: str = "ann") -> pd.DataFrame:
    return pd.DataFrame([{"athlete": athlete, "local_date": day(n),
                          **dict(zip(S.HOOPER_ITEMS, items, strict=True))}
                         for n, items in entries])


def sessions(*runs: tuple[int, int, str, str, float], athlete: str = "ann") -> pd.DataFrame:
    """Runs as ``(day, activity_id, name, sport_type, distance_m)``."""
    return pd.DataFrame([{"athlete": athlete, "local_date": day(n), "activity_id": aid,
                          "name": name, "sport_type": sport, "distance_m": dist}
                         for n, aid, name, sport, dist in runs])
