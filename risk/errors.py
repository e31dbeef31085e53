"""The exception hierarchy of the ``risk`` package.

``risk`` is pure computation over frames, so its errors are about the frames and settings it is
given: a missing column, a load measure it does not know, a setting out of range. Every message
names the input and says how to fix it.
"""

from __future__ import annotations


class RiskError(ValueError):
    """Base class of every error raised by ``risk``."""


class FrameContractError(RiskError):
    """A frame handed to a risk function lacks a column or breaks the frame contract."""


class SettingsError(RiskError):
    """A setting (athlete physiology, threshold, load measure) is invalid."""
