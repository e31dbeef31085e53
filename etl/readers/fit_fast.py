"""The fast FIT decoding path: fitfast (Rust, rustyfit) instead of fitdecode.

:func:`decode_fast` returns the same intermediate structure the fitdecode path builds
(:class:`etl.readers.fit._Decoded`, with the same names, units and enum names), so the
normalisation in :mod:`etl.readers.fit` is shared. It returns None whenever the fitdecode path
must read the file instead; :func:`etl.readers.fit.read_fit` then falls back, and
``record.extra["decoder"]`` says which decoder was used.

How (one full decode in Rust, nothing per sample in Python):

1. :func:`scan` walks the message headers (sizes only) and copies the few small messages the
   reader uses (file_id, sport, session, event, device_info, activity and the developer-field
   descriptions) into a small FIT file of their own.
2. ``fitfast.records`` decodes the whole file into columns (the samples) and checks its
   structure and every checksum.
3. ``fitfast.parse`` decodes the small file; its values are put in fitdecode's conventions
   with fitdecode's own profile: timestamps in FIT time (fitfast gives Unix time), enum names
   (fitfast's profile is newer; numbers are mapped with the profile the fallback uses) and
   sub-fields resolved (``garmin_product`` instead of the product number, ``avg_running_cadence``
   for runs), which fitfast 0.1.0 does not do.

Falls back (returns None) when fitfast is not installed (no wheel for the platform), when it
refuses the file (bad file CRC; a header CRC of 0, which the FIT protocol allows but
rustyfit 0.10 then checks the file CRC over the data only; truncation) or panics on damaged
bytes, when the records carry ``compressed_speed_distance`` (old foot pods; fitfast does not
expand it), when a message the reader uses has a compressed-timestamp header (its time
depends on messages left out of the small file), when a developer field is named like a field
the reader uses, and when the scan cannot follow the file's structure.

The field lists are those of :func:`etl.readers.fit.decode_messages`;
``tests/etl/test_readers_fitfast.py`` compares both structures over every fixture.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from fitdecode import profile, types

from etl.readers.fit import (
    _MESG_ACTIVITY,
    _MESG_DEVICE_INFO,
    _MESG_EVENT,
    _MESG_FILE_ID,
    _MESG_RECORD,
    _MESG_SESSION,
    _MESG_SPORT,
    _RECORD_DEF_NUMS,
    _RECORD_FIELDS,
    _SESSION_FIELDS,
    _TIMER_STOPS,
    FIT_EPOCH_UNIX,
    _Decoded,
)
from etl.readers.fit_crc import fit_crc

try:
    import fitfast
except ImportError:  # no wheel for this platform: the fitdecode path reads every file
    fitfast = None  # type: ignore[assignment]

DECODER = "fitfast"
"""``record.extra["decoder"]`` of activities read through this path."""

_MESG_FIELD_DESCRIPTION = 206
_MESG_DEVELOPER_DATA_ID = 207

_FIELDS: dict[int, frozenset[str]] = {
    _MESG_FILE_ID: frozenset({"manufacturer", "product", "garmin_product", "product_name",
                              "time_created"}),
    _MESG_SPORT: frozenset({"sport", "sub_sport"}),
    _MESG_SESSION: _SESSION_FIELDS,
    _MESG_EVENT: frozenset({"timestamp", "event", "event_type"}),
    _MESG_DEVICE_INFO: frozenset({"device_index", "manufacturer", "product", "garmin_product",
                                  "product_name"}),
    _MESG_ACTIVITY: frozenset({"timestamp", "local_timestamp"}),
}
"""Per message kind, the fields :func:`etl.readers.fit.decode_messages` keeps."""

_KEPT = frozenset(_FIELDS) | {_MESG_FIELD_DESCRIPTION, _MESG_DEVELOPER_DATA_ID}
"""Messages copied into the small file that ``fitfast.parse`` decodes."""

_PLAIN_TO_ENHANCED = {2: 78, 6: 73}
"""record.altitude/speed expand into enhanced_altitude/speed: a copy, which the streams use
only where the enhanced value is missing anyway."""


def _expanding_record_fields() -> frozenset[int]:
    """Record fields whose components expand into a field the reader uses (other than the
    plain -> enhanced copies): fitfast 0.1.0 does not expand them (compressed_speed_distance)."""
    wanted = set(_RECORD_DEF_NUMS)
    found = set()
    for number, record_field in profile.MESSAGE_TYPES[_MESG_RECORD].fields.items():
        targets = {c.def_num for c in record_field.components or ()}
        if targets & wanted and targets != {_PLAIN_TO_ENHANCED.get(number)}:
            found.add(number)
    return frozenset(found)


_EXPANDING = _expanding_record_fields()
_RECORD_NUMBERS = tuple(sorted(_RECORD_DEF_NUMS, key=_RECORD_DEF_NUMS.__getitem__))
"""FIT field number of each slot of a sample row."""

_BASE_TYPE_SIZES: dict[int, int] = {
    0x00: 1, 0x01: 1, 0x02: 1, 0x83: 2, 0x84: 2, 0x85: 4, 0x86: 4, 0x07: 1, 0x88: 4, 0x89: 8,
    0x0A: 1, 0x8B: 2, 0x8C: 4, 0x0D: 1, 0x8E: 8, 0x8F: 8, 0x90: 8,
}
"""FIT base type byte -> size [bytes] (FIT SDK, "Base Types")."""

_TIME_TYPES = frozenset({"date_time", "local_date_time"})
"""fitfast turns these into Unix time; fitdecode (without processor) keeps FIT time."""


class _Fallback(Exception):
    """This file must be read by the fitdecode path (internal: never leaves this module)."""


@dataclass(frozen=True)
class Scan:
    """What :func:`scan` found in a FIT file."""

    kept: bytes
    """A FIT file (12-byte header, file CRC) holding only the messages in ``_KEPT``."""
    compressed_kept: bool
    """A kept message has a compressed-timestamp header."""
    record_fields: frozenset[int]
    """Field numbers of every record (sample) definition in the file."""

    @property
    def expanding_records(self) -> bool:
        """A record field fitfast does not expand (compressed_speed_distance) is present."""
        return bool(self.record_fields & _EXPANDING)

    @property
    def plain_and_enhanced(self) -> bool:
        """Records carry both altitude and enhanced_altitude (or speed and enhanced_speed):
        fitfast's column would mix written and expanded values (see :func:`_sample_rows`)."""
        return any({plain, enhanced} <= self.record_fields
                   for plain, enhanced in _PLAIN_TO_ENHANCED.items())


def scan(data: bytes) -> Scan | None:
    """Walk the FIT messages of ``data`` (every chained file) by their sizes.

    Returns None when the structure cannot be followed: a data message before its definition,
    an unknown base type, a field size that is not a whole number of values, or sizes that do
    not end exactly at the declared data size. The loop looks up each record header byte in a
    table of message sizes (normal and compressed-timestamp headers alike), so the thousands
    of sample messages cost one lookup each.
    """
    out: list[bytes] = []
    offset = 0
    compressed_kept = False
    record_fields: set[int] = set()
    while offset + 12 <= len(data) and data[offset + 8:offset + 12] == b".FIT":
        header_size = data[offset]
        (data_size,) = struct.unpack_from("<I", data, offset + 4)
        position, end = offset + header_size, offset + header_size + data_size
        if header_size < 12 or end + 2 > len(data):
            return None
        body = bytearray()
        steps = [0] * 256
        """Record header byte -> bytes to the next message (0: not a defined data message)."""
        keep = [0] * 256
        """Record header byte -> 1 keep the message, 2 keep it and it has a compressed time."""
        while position < end:
            head = data[position]
            step = steps[head]
            if step:
                kept = keep[head]
                if kept:
                    compressed_kept = compressed_kept or kept == 2
                    body += data[position:position + step]
                position += step
                continue
            if head & 0x80 or not head & 0x40:
                return None  # a data message before any definition of its local number
            definition = _definition(data, position, end)
            if definition is None:
                return None
            cursor, number, size, fields = definition
            if number == _MESG_RECORD:
                record_fields.update(fields)
            body += data[position:cursor]
            local = head & 0x0F
            wanted = number in _KEPT
            steps[local], keep[local] = size + 1, int(wanted)
            if local < 4:
                for time_offset in range(32):
                    compressed = 0x80 | (local << 5) | time_offset
                    steps[compressed], keep[compressed] = size + 1, 2 * wanted
            position = cursor
        if position != end:
            return None
        header = struct.pack("<BBHI4s", 12, data[offset + 1],
                             struct.unpack_from("<H", data, offset + 2)[0], len(body), b".FIT")
        part = header + bytes(body)
        out.append(part + struct.pack("<H", fit_crc(part)))
        offset = end + 2
    if not out:
        return None
    return Scan(b"".join(out), compressed_kept, frozenset(record_fields))


def _definition(data: bytes, position: int, end: int
                ) -> tuple[int, int, int, list[int]] | None:
    """The definition message at ``position``: (its end, global message number, size of its
    data messages without the header byte, its field numbers); None when it is damaged."""
    if position + 6 > end:
        return None
    number = struct.unpack_from(">H" if data[position + 2] else "<H", data, position + 3)[0]
    cursor = position + 6 + 3 * data[position + 5]
    if cursor > end:
        return None
    size = 0
    for at in range(position + 6, cursor, 3):
        field_size, base = data[at + 1], data[at + 2]
        unit = _BASE_TYPE_SIZES.get(base)
        if unit is None or field_size == 0 or field_size % unit:
            return None
        size += field_size
    if data[position] & 0x20:
        if cursor >= end:
            return None
        developer_end = cursor + 1 + 3 * data[cursor]
        if developer_end > end:
            return None
        size += sum(data[at + 1] for at in range(cursor + 1, developer_end, 3))
        cursor = developer_end
    return cursor, number, size, list(data[position + 6:cursor:3])


def available() -> bool:
    """True when fitfast is installed (a wheel exists for this platform)."""
    return fitfast is not None


def decode_fast(data: bytes) -> _Decoded | None:
    """Decode ``data`` with fitfast into the fitdecode path's structure, or None to fall back.

    Never raises for damaged input: every refusal of fitfast (including a Rust panic) and every
    case listed in the module docstring gives None.
    """
    if fitfast is None:
        return None
    found = scan(data)
    if (found is None or found.compressed_kept or found.expanding_records
            or found.plain_and_enhanced):
        return None
    try:
        columns = fitfast.records(data)
        messages = fitfast.parse(found.kept, enum_names=False)
        return _decoded(columns, messages, found.record_fields)
    except (_Fallback, ValueError, TypeError, KeyError, IndexError, OverflowError):
        return None  # fitfast.FitDecodeError is a ValueError
    except BaseException as exc:
        if type(exc).__module__ == "pyo3_runtime":  # PanicException: rustyfit panicked
            return None
        raise


def _no_rows() -> np.ndarray:
    return np.zeros((0, len(_RECORD_FIELDS)))


@dataclass
class FastDecoded(_Decoded):
    """:class:`etl.readers.fit._Decoded` whose samples come as one array from fitfast
    (``records`` stays empty: there are no per-sample Python rows)."""

    rows: np.ndarray = field(default_factory=_no_rows, repr=False)
    decoder: str = DECODER

    def samples(self) -> np.ndarray:
        """The record rows as an (n, 9) float array, NaN where a value is missing."""
        return self.rows


def _decoded(columns: Mapping[str, np.ndarray], messages: Mapping[str, list[dict[Any, Any]]],
             record_fields: frozenset[int]) -> FastDecoded:
    names = {str(d.get("field_name")) for d in messages.get("field_description", ())}
    if any(names & wanted for wanted in (*_FIELDS.values(), frozenset(_RECORD_FIELDS))):
        raise _Fallback("a developer field shares the name of a field the reader uses")
    out = FastDecoded(rows=_sample_rows(columns, record_fields))
    for name, number in (("file_id", _MESG_FILE_ID), ("sport", _MESG_SPORT),
                         ("session", _MESG_SESSION), ("event", _MESG_EVENT),
                         ("device_info", _MESG_DEVICE_INFO), ("activity", _MESG_ACTIVITY)):
        for message in messages.get(name, ()):
            _collect(out, number, _values(number, message))
    return out


def _collect(out: FastDecoded, number: int, values: dict[str, object]) -> None:
    """Keep ``values`` as :func:`etl.readers.fit.decode_messages` keeps them."""
    if number == _MESG_EVENT:
        stamp = values.get("timestamp")
        if values.get("event") != "timer" or not isinstance(stamp, int):
            return
        kind = values.get("event_type")
        if kind == "start":
            out.timer.append((stamp, True))
        elif kind in _TIMER_STOPS:
            out.timer.append((stamp, False))
    elif number == _MESG_SESSION:
        out.sessions.append(values)
    elif number == _MESG_ACTIVITY:
        out.activity = values
    elif number == _MESG_FILE_ID and not out.file_id:
        out.file_id = values
    elif number == _MESG_DEVICE_INFO and not out.creator:
        if values.get("device_index") in ("creator", 0):
            out.creator = values
    elif number == _MESG_SPORT and not out.sport:
        out.sport = values


def _sample_rows(columns: Mapping[str, np.ndarray], record_fields: frozenset[int]
                 ) -> np.ndarray:
    """The record columns as the (n, 9) rows of the fitdecode path.

    fitfast fills enhanced_altitude/enhanced_speed from altitude/speed (component expansion)
    and truncates while doing so: speed 1.017 m/s becomes enhanced_speed 1.016 (rustyfit
    0.10.2). The fitdecode path keeps only the values written, so an enhanced column that no
    record definition writes is dropped and the streams take the plain value, as they do there.
    """
    if not columns:
        return _no_rows()
    count = len(next(iter(columns.values())))
    missing = np.full(count, np.nan)
    written = {name for name, number in zip(_RECORD_FIELDS, _RECORD_NUMBERS, strict=True)
               if number not in _PLAIN_TO_ENHANCED.values() or number in record_fields}
    rows = np.column_stack([columns.get(name, missing) if name in written else missing
                            for name in _RECORD_FIELDS])
    rows[:, _RECORD_FIELDS["timestamp"]] -= FIT_EPOCH_UNIX
    return rows


_PROFILE_FIELDS: dict[int, dict[str, types.Field]] = {
    number: {f.name: f for f in profile.MESSAGE_TYPES[number].fields.values()}
    for number in _FIELDS
}
_LOOKED_AT: dict[int, tuple[types.Field, ...]] = {
    number: tuple(f for f in fields.values()
                  if f.name in _FIELDS[number]
                  or any(s.name in _FIELDS[number] for s in f.subfields or ()))
    for number, fields in _PROFILE_FIELDS.items()
}
"""Per message kind, the profile fields that give a kept field (directly or as a sub-field)."""


def _values(number: int, message: Mapping[Any, Any]) -> dict[str, object]:
    """One fitfast message (``enum_names=False``) as fitdecode (``processor=None``) gives it,
    limited to the fields the reader keeps."""
    wanted = _FIELDS[number]
    out: dict[str, object] = {}
    for main in _LOOKED_AT[number]:
        value = message.get(main.name)
        if value is None:
            continue
        if isinstance(value, list | bytes):
            raise _Fallback(f"{main.name} is an array")
        raw = _raw(main, value)
        target = _subfield(main, message, _PROFILE_FIELDS[number])
        if target.name in wanted:
            out[target.name] = _render(target, raw)
    return out


def _raw(main: types.Field, value: object) -> object:
    """Undo what fitfast did to a value: Unix time -> FIT time, profile scale and offset."""
    if main.type.name in _TIME_TYPES and isinstance(value, int):
        return value - FIT_EPOCH_UNIX
    if (main.scale or main.offset) and isinstance(value, int | float):
        return round((value + (main.offset or 0)) * (main.scale or 1))
    return value


def _subfield(main: types.Field, message: Mapping[Any, Any],
              fields: Mapping[str, types.Field]) -> types.Field | types.SubField:
    """The sub-field fitdecode resolves (first one whose reference field has its value)."""
    for sub in main.subfields or ():
        for ref in sub.ref_fields:
            ref_field = fields.get(ref.name)
            if ref_field is not None and _raw(ref_field, message.get(ref.name)) == ref.raw_value:
                return sub
    return main


def _render(target: types.Field | types.SubField, raw: object) -> object:
    """fitdecode's value: the enum name when known, else the raw value scaled."""
    value = target.render(raw)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if target.scale:
            value = float(value) / target.scale
        if target.offset:
            value = value - target.offset
    return value
