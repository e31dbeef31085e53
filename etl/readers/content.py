"""Getting the bytes of an activity file: from a path, bytes or a binary stream, gunzipped
with a size cap, and a short description of what unknown content looks like (for messages).

This is the only IO of the readers.
"""

from __future__ import annotations

import hashlib
import io
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from etl.errors import CorruptFileError, HostileInputError, NoDataError, UnsupportedFileError

MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024
"""Largest activity file accepted after gunzip [bytes]; a bigger one is treated as a gzip bomb."""

_READ_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Content:
    """The decompressed bytes of one input and what the readers need to name it."""

    name: str
    data: bytes

    @property
    def file_name(self) -> str:
        """The base name of the input (what is stored: never the folder it was read from)."""
        return self.name.replace("\\", "/").rsplit("/", 1)[-1]

    @property
    def digest(self) -> str:
        """First 16 hex digits of the SHA-256 of the (decompressed) content."""
        return hashlib.sha256(self.data).hexdigest()[:16]


def strip_gz(name: str) -> str:
    """``run.fit.gz`` -> ``run.fit`` (case kept)."""
    return name[:-3] if name.lower().endswith(".gz") else name


def load_content(data: bytes | str | os.PathLike[str] | BinaryIO, name: str,
                 max_bytes: int = MAX_DECOMPRESSED_BYTES) -> Content:
    """Read ``data`` (bytes, a path or a binary stream) and gunzip it when ``name`` ends in .gz.

    Raises
    ------
    HostileInputError
        The content (after gunzip) is larger than ``max_bytes``.
    NoDataError
        The content is empty (or only blanks).
    CorruptFileError
        The gzip stream is damaged or truncated.
    """
    if isinstance(data, str | os.PathLike):
        data = Path(data)
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
    elif isinstance(data, Path):
        try:
            if data.stat().st_size > max_bytes:
                raise HostileInputError(name, f"is larger than {max_bytes // 2**20} MB; no "
                                              "activity file is that big, so it was not read")
            raw = data.read_bytes()
        except OSError as exc:
            raise UnsupportedFileError(name, f"cannot be read ({exc.strerror or exc}); "
                                             "check the path and its permissions") from exc
    else:
        raw = _read_stream(data, name, max_bytes)
    if name.lower().endswith(".gz"):
        raw = _gunzip(raw, name, max_bytes)
    if len(raw) > max_bytes:
        raise HostileInputError(name, f"is larger than {max_bytes // 2**20} MB; no activity file "
                                      "is that big, so it was not read")
    if not raw.strip():
        raise NoDataError(name, "is empty; the download or export was probably interrupted, "
                                "export the activity again")
    return Content(name, raw)


def _read_stream(stream: BinaryIO, name: str, max_bytes: int) -> bytes:
    buffer = io.BytesIO()
    while True:
        chunk = stream.read(_READ_CHUNK)
        if not chunk:
            return buffer.getvalue()
        if isinstance(chunk, str):
            raise UnsupportedFileError(name, "was opened as text; pass bytes or a stream opened "
                                             "in binary mode ('rb')")
        buffer.write(chunk)
        if buffer.tell() > max_bytes:
            raise HostileInputError(name, f"is larger than {max_bytes // 2**20} MB; no activity "
                                          "file is that big, so it was not read")


def _gunzip(raw: bytes, name: str, max_bytes: int) -> bytes:
    if not raw.startswith(b"\x1f\x8b"):
        what = describe_content(raw)
        raise UnsupportedFileError(name, f"is named .gz but is not gzip-compressed (it looks like "
                                         f"{what}); rename it without .gz or re-export it")
    out = bytearray()
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    pending = raw
    try:
        while pending:
            out += decompressor.decompress(pending, max_bytes + 1 - len(out))
            if len(out) > max_bytes:
                raise HostileInputError(name, f"expands to more than {max_bytes // 2**20} MB "
                                              "when uncompressed (a gzip bomb?); it was not read")
            pending = decompressor.unconsumed_tail
            if decompressor.eof:
                pending = decompressor.unused_data
                if pending.startswith(b"\x1f\x8b"):
                    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
                else:
                    break
    except zlib.error as exc:
        raise CorruptFileError(name, f"the gzip data is damaged ({exc}); re-download or "
                                     "re-export the file") from exc
    if not decompressor.eof:
        raise CorruptFileError(name, "the gzip data is truncated; re-download or re-export "
                                     "the file")
    return bytes(out)


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (a Strava export? import the zip itself)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "gzip-compressed data (name it .gz)"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"{", "JSON"),
    (b"[", "JSON"),
)


def describe_content(data: bytes) -> str:
    """A short human description of what ``data`` looks like, for error messages."""
    head = data[:512]
    if len(data) >= 12 and data[8:12] == b".FIT":
        return "a FIT file"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    for magic, what in _SIGNATURES:
        if stripped.startswith(magic) or head.startswith(magic):
            return what
    lower = stripped.lower()
    if lower.startswith((b"<!doctype html", b"<html")) or b"<html" in lower[:256]:
        return "an HTML page (a saved web page, not an exported file)"
    if b"<gpx" in lower:
        return "a GPX file"
    if b"<trainingcenterdatabase" in lower:
        return "a TCX file"
    if stripped.startswith(b"<"):
        return "an XML document"
    if not data:
        return "an empty file"
    if b"\x00" in head:
        return "binary data of an unknown kind"
    return "plain text"


def text_start(data: bytes) -> bytes:
    """Strip a UTF-8 BOM and leading whitespace (Strava writes ~10 spaces before ``<?xml``)."""
    return data.lstrip(b" \t\r\n").removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
