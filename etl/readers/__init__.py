"""Activity-file readers: FIT, GPX and TCX, each also gzip-compressed.

One registry maps a suffix to its reader; :func:`read_activity` picks the reader by the suffix
of ``name``, gunzips ``.gz`` transparently (with a size cap) and returns one
:class:`~etl.records.ParsedActivity` per session of the file. Every failure is an
:class:`etl.errors.InputError` subclass whose message names the file and the fix.
See ``docs/readers.md`` for the field mapping and the normalisation rules.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from etl.errors import UnsupportedFileError
from etl.readers.content import MAX_DECOMPRESSED_BYTES, Content, load_content, strip_gz
from etl.readers.fit import read_fit
from etl.readers.gpx import read_gpx
from etl.readers.tcx import read_tcx
from etl.records import ParsedActivity

__all__ = ["SUFFIXES", "is_supported", "read_activity"]

Reader = Callable[..., list[ParsedActivity]]

_READERS: dict[str, Reader] = {".fit": read_fit, ".gpx": read_gpx, ".tcx": read_tcx}

SUFFIXES: tuple[str, ...] = ('.fit', '.fit.gz', '.gpx', '.gpx.gz', '.tcx', '.tcx.gz')


def _suffix(name: str) -> str:
    base = strip_gz(name).lower()
    dot = base.rfind(".")
    return base[dot:] if dot >= 0 else ""


def is_supported(name: str) -> bool:
    """True when ``name`` ends in one of :data:`SUFFIXES` (case-insensitive)."""
    return name.lower().endswith(SUFFIXES)


def read_activity(data: bytes | Path | BinaryIO, name: str, *, source: str = "file",
                  source_id: str | None = None, sport_hint: str | None = None,
                  max_bytes: int = MAX_DECOMPRESSED_BYTES) -> list[ParsedActivity]:
    """Read one activity file into one ParsedActivity per session.

    Parameters
    ----------
    data
        The file: its bytes, a path (``pathlib.Path``; a ``str`` is taken as a path too), or a
        binary stream (an upload).
    name
        The file name; its suffix chooses the reader (``.fit``, ``.gpx``, ``.tcx``, each
        optionally ``.gz``) and it names the file in every error message.
    source
        ``record.source`` of the results (``file``, ``strava_export``, ...).
    source_id
        ``record.source_id``; by default the first 16 hex digits of the SHA-256 of the
        decompressed content. Files with several sessions get ``#<session index>`` appended.
    sport_hint
        A Strava sport_type the caller already knows (e.g. from an export's activities.csv),
        used when the file states no sport or only a generic one.
    max_bytes
        Largest accepted size after gunzip [bytes]; bigger inputs raise HostileInputError.

    Raises
    ------
    etl.errors.InputError
        UnsupportedFileError (unknown suffix, or content that does not match it),
        CorruptFileError, HostileInputError (XML bombs, external entities, gzip bombs) or
        NoDataError (nothing recorded).
    """
    suffix = _suffix(name)
    reader = _READERS.get(suffix)
    if reader is None or not is_supported(name):
        raise UnsupportedFileError(name, "is not an activity file loadwatch reads; supported "
                                         f"are {', '.join(SUFFIXES)}")
    content: Content = load_content(data, name, max_bytes)
    return reader(content, source=source, source_id=source_id, sport_hint=sport_hint)
