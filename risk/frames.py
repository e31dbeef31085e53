"""Small frame helpers shared by the risk modules."""

from __future__ import annotations

import pandas as pd


def side_by_side(kept: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """``kept`` and ``new`` (same rows, same order) as one frame, positionally: a repeated
    index label never misaligns rows."""
    index = kept.index
    joined = pd.concat([kept.reset_index(drop=True), new.reset_index(drop=True)], axis=1)
    joined.index = index
    return joined
