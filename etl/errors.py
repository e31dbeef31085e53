"""The exception hierarchy of the ``etl`` package.

Every message names the input (file, row, field or request) and says how to fix it.
"""

from __future__ import annotations


class LoadwatchETLError(Exception):
    """Base class of every error raised by ``etl``."""


class InputError(LoadwatchETLError):
    """An input (file, zip member, CSV row, HTTP body) cannot be used.

    Parameters
    ----------
    source
        Name of the input, e.g. ``"run.fit"`` or ``"export.zip:activities/1.gpx"``.
    reason
        What is wrong and how to fix it, as one sentence.
    """

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class CorruptFileError(InputError):
    """The file is damaged: truncated, bad checksum, not parseable."""


class UnsupportedFileError(InputError):
    """The file type is not one loadwatch reads, or the content does not match its suffix."""


class HostileInputError(InputError):
    """The input looks like an attack: XML entity expansion, path traversal, zip bomb."""


class NoDataError(InputError):
    """The file parses but holds nothing usable (no timestamps, no samples)."""


class StoreError(LoadwatchETLError):
    """The store cannot be opened, migrated or written."""


class ConfigurationError(LoadwatchETLError):
    """A setting (database URL, credentials, key) is missing or invalid."""


class StravaError(LoadwatchETLError):
    """A problem talking to Strava (see ``etl.strava`` for the specific kinds)."""


class AccessDenied(LoadwatchETLError):
    """The signed-in user may not read or change this athlete's data."""
