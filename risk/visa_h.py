"""VISA-H: the proximal hamstring tendon questionnaire, its score and its trend.

The VISA-H (Cacchio, De Paulis & Maffulli 2014) has eight items covering pain, function and
sporting activity; the total runs from 0 to 100 and 100 means no symptoms. Scoring, as for the
VISA family (SCIENCE.md 7.1):

* items 1-6: 0-10 points each (10 = best);
* item 7 (sport participation): 0, 4, 7 or 10 points;
* item 8 (how long the person can train): one of three branches chosen by the pain pattern,
  A = no pain while training (0-30 points), B = pain but training completed (0-20 points),
  C = pain stops training (0-10 points).

The exact item wording could not be verified (and is under the authors' copyright), so the app
shows each item's *topic* (:data:`ITEM_TOPICS`) and records the score the person gives from
their own copy of the questionnaire; the duration bands inside the item-8 branches are likewise
unverified, so any whole number up to the branch maximum is accepted.

References
----------
Cacchio A, De Paulis F, Maffulli N. Development and validation of a new VISA questionnaire
(VISA-H) for patients with proximal hamstring tendinopathy. Br J Sports Med 2014;48(6):448-452.
doi:10.1136/bjsports-2012-091552
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from loadwatch.columns import define
from risk.errors import RiskError
from risk.symptom_codes import ITEM8_BRANCHES, VISA_H_POINTS

ITEM_TOPICS: tuple[str, ...] = (
    "1. buttock pain: sitting",
    "2. buttock pain: a hamstring-stretch position",
    "3. buttock pain: walking / everyday activity",
    "4. buttock pain: stairs or hills",
    "5. buttock pain: running or faster movement",
    "6. buttock pain: strength or loading task",
    "7. participation in sport (0, 4, 7 or 10)",
    "8. how long you can train (branch A max 30, B max 20, C max 10)",
)
ITEM7_VALUES: tuple[int, ...] = (0, 4, 7, 10)
ITEM8_MAX: dict[str, int] = {"A": 30, "B": 20, "C": 10}
LARGE_CHANGE_POINTS = 10

VISA_H_CHANGE_POINTS = define("visa_h_change_points", "points",
                              "change of the VISA-H score since the previous score",
                              "SCIENCE.md 7.1 [heuristic]")
IS_LARGE_VISA_H_CHANGE = define("is_large_visa_h_change", "bool",
                                "the VISA-H score moved by 10 points or more since the previous "
                                "score", "SCIENCE.md 7.1 [heuristic]")


class VisaHError(RiskError):
    """VISA-H answers that cannot be scored."""


@dataclass(frozen=True)
class VisaHAnswers:
    """The eight VISA-H item scores.

    Parameters
    ----------
    items
        Eight whole numbers: items 1-6 in 0-10, item 7 one of 0, 4, 7, 10, item 8 from 0 to
        the maximum of its branch.
    item8_branch
        ``"A"`` (no pain while training, max 30), ``"B"`` (pain, training completed, max 20) or
        ``"C"`` (pain stops training, max 10).
    """

    items: tuple[int, ...]
    item8_branch: str

    def __post_init__(self) -> None:
        problems = answer_problems(self.items, self.item8_branch)
        if problems:
            raise VisaHError("; ".join(problems))

    @property
    def score(self) -> int:
        """The VISA-H total, 0-100 (100 = no symptoms)."""
        return int(sum(self.items))


def answer_problems(items: Sequence[object], branch: str) -> list[str]:
    """Every reason the answers cannot be scored, each naming the item and the fix."""
    if len(items) != 8:
        return [f"VISA-H needs 8 item scores, got {len(items)}; give items 1 to 8 in order"]
    problems: list[str] = []
    values: list[int] = []
    for number, value in enumerate(items, start=1):
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"item {number}: {value!r} is not a whole number")
            values.append(-1)
        else:
            values.append(value)
    if branch not in ITEM8_MAX:
        problems.append(f"item 8 branch {branch!r} is not one of A, B, C "
                        f"({'; '.join(f'{k} = {v}' for k, v in ITEM8_BRANCHES.items())})")
    for number, value in enumerate(values[:6], start=1):
        if value != -1 and not 0 <= value <= 10:
            problems.append(f"item {number}: {value} is outside 0-10")
    if values[6] != -1 and values[6] not in ITEM7_VALUES:
        problems.append(f"item 7: {values[6]} is not one of 0, 4, 7, 10")
    top = ITEM8_MAX.get(branch)
    if top is not None and values[7] != -1 and not 0 <= values[7] <= top:
        problems.append(f"item 8: {values[7]} is outside 0-{top} for branch {branch}")
    return problems


def visa_h_score(items: Sequence[int], item8_branch: str) -> int:
    """The VISA-H total of ``items`` (0-100, 100 = no symptoms).

    Raises
    ------
    VisaHError
        When an item is missing or out of its range (the message names the item).

    Examples
    --------
    >>> visa_h_score([5, 6, 7, 4, 3, 8, 4, 12], "B")
    49
    """
    return VisaHAnswers(tuple(items), item8_branch).score


def visa_h_trend(scores: pd.DataFrame, *, large_change: int = LARGE_CHANGE_POINTS) -> pd.DataFrame:
    """Per athlete, each score's change since the previous one, large changes marked.

    Parameters
    ----------
    scores
        Frame with ``athlete``, ``local_date`` and ``visa_h_points`` (e.g. from
        ``etl.store.log.visa_h``).
    large_change
        A change of at least this many points (either way) is highlighted; 10 by default
        [heuristic: no published MCID, SCIENCE.md 7.1].

    Returns
    -------
    DataFrame
        ``scores`` sorted by athlete and date plus ``visa_h_change_points`` (NaN for an
        athlete's first score) and ``is_large_visa_h_change``.
    """
    out = scores.sort_values(["athlete", "local_date"], kind="stable").reset_index(drop=True)
    points = pd.to_numeric(out[VISA_H_POINTS], errors="coerce").astype("float64")
    out[VISA_H_CHANGE_POINTS] = points.groupby(out["athlete"]).diff()
    out[IS_LARGE_VISA_H_CHANGE] = out[VISA_H_CHANGE_POINTS].abs() >= large_change
    return out
