"""Compact storage of stream channels: little-endian float64 (or uint8 for booleans), zlib."""

from __future__ import annotations

import zlib

import numpy as np


def encode(values: np.ndarray) -> bytes | None:
    """Encode one channel; an all-NaN float channel is stored as NULL."""
    if values.dtype == bool:
        return zlib.compress(values.astype("u1").tobytes(), 1)
    array = np.asarray(values, dtype="<f8")
    if array.size and np.isnan(array).all():
        return None
    return zlib.compress(array.tobytes(), 1)


def decode(blob: bytes | None, count: int, *, boolean: bool = False) -> np.ndarray:
    """Decode a channel written by :func:`encode`; NULL becomes NaN (or True for booleans)."""
    if blob is None:
        return np.ones(count, dtype=bool) if boolean else np.full(count, np.nan)
    raw = zlib.decompress(blob)
    if boolean:
        return np.frombuffer(raw, dtype="u1").astype(bool)
    return np.frombuffer(raw, dtype="<f8").copy()
