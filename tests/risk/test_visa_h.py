"""VISA-H scoring (items 1-6 0-10, item 7 0/4/7/10, item 8 branches max 30/20/10) and trend."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from risk import visa_h as V


def test_score_is_the_sum_of_the_items() -> None:
    # 5 + 6 + 7 + 4 + 3 + 8 = 33, item 7 = 4, item 8 branch B = 12: 33 + 4 + 12 = 49
    assert V.visa_h_score([5, 6, 7, 4, 3, 8, 4, 12], "B") == 49
    assert V.visa_h_score([10] * 6 + [10, 30], "A") == 100
    assert V.visa_h_score([0] * 8, "C") == 0


@pytest.mark.parametrize(("items", "branch", "message"), [
    ([5] * 7, "A", "needs 8 item scores, got 7"),
    ([11, 5, 5, 5, 5, 5, 4, 10], "A", "item 1: 11 is outside 0-10"),
    ([5] * 6 + [5, 10], "A", "item 7: 5 is not one of 0, 4, 7, 10"),
    ([5] * 6 + [4, 15], "C", "item 8: 15 is outside 0-10 for branch C"),
    ([5] * 6 + [4, 25], "B", "item 8: 25 is outside 0-20 for branch B"),
    ([5] * 6 + [4, 10], "D", "item 8 branch 'D' is not one of A, B, C"),
    ([5.5] + [5] * 5 + [4, 10], "A", "item 1: 5.5 is not a whole number"),
])
def test_bad_answers_name_the_item(items: list[int], branch: str, message: str) -> None:
    with pytest.raises(V.VisaHError, match=message):
        V.visa_h_score(items, branch)


def test_item8_branch_maxima() -> None:
    assert V.ITEM8_MAX == {"A": 30, "B": 20, "C": 10}
    assert V.visa_h_score([0] * 6 + [0, 20], "B") == 20


def test_trend_highlights_changes_of_10_points_or_more() -> None:
    days = [dt.date(2024, 5, 1) + dt.timedelta(weeks=w) for w in range(4)]
    scores = pd.DataFrame({"athlete": ["ann"] * 4 + ["bob"], "local_date": [*days, days[0]],
                           "visa_h_points": [23, 30, 45, 35, 80]})
    trend = V.visa_h_trend(scores)
    ann = trend[trend["athlete"] == "ann"]
    assert ann[V.VISA_H_CHANGE_POINTS].tolist()[1:] == [7.0, 15.0, -10.0]
    assert ann[V.IS_LARGE_VISA_H_CHANGE].tolist() == [False, False, True, True]
    bob = trend[trend["athlete"] == "bob"]
    assert bob[V.VISA_H_CHANGE_POINTS].isna().all() and not bob[V.IS_LARGE_VISA_H_CHANGE].any()


def test_topics_cover_the_eight_items() -> None:
    assert len(V.ITEM_TOPICS) == 8
