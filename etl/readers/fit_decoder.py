"""A leaner fitdecode reader for bulk imports.

fitdecode reads every field of every message with its own read, struct and checksum call, and
fully decodes messages nobody looks at (HRV beat intervals, device logs). Two changes, both
giving the same decoded values as the stock reader (tested over every shared fixture):

1. The raw values of a data message are read with one ``struct`` per definition message (one
   read and one unpack per message instead of one per field).
2. Messages that the FIT reader does not use are skipped after their raw values are read: only
   the state later messages depend on is kept (the last timestamp for compressed-timestamp
   headers). Developer-data definitions are always decoded (later messages need them).
3. The samples (record messages) go straight from the unpacked values into rows of the few
   fields the reader needs, scaled as the profile says, without building fitdecode's per-field
   objects; definitions whose fields expand into wanted fields (compressed speed/distance)
   take the stock path.

The overrides use fitdecode's private reader methods, so they are enabled only for the
fitdecode versions they were checked against; with any other version the stock reader runs.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Mapping

import fitdecode
from fitdecode import profile, records, types

CHECKED_VERSIONS = frozenset({"0.10.0", "0.11.0"})

_ALWAYS_DECODED = frozenset({profile.MESG_NUM_DEVELOPER_DATA_ID,
                             profile.MESG_NUM_FIELD_DESCRIPTION, profile.MESG_NUM_FILE_ID})
_TIMESTAMP_FIELD = profile.FIELD_NUM_TIMESTAMP
_BYTE_ID = types.BASE_TYPE_BYTE.identifier


class _Layout:
    """How to unpack one definition message's data in a single call."""

    __slots__ = ("definition", "parts", "size", "timestamp_index", "unpack")

    def __init__(self, definition: records.FitDefinitionMessage) -> None:
        fmt = [definition.endian]
        parts: list[tuple[int, int, int, Callable[[object], object]]] = []
        position = 0
        self.timestamp_index: int | None = None
        for index, field_def in enumerate(definition.all_field_defs):
            base = field_def.base_type
            count = field_def.size // base.size
            fmt.append(f"{count}{base.fmt}")
            items = 1 if base.fmt == "s" else count
            kind = 0 if base.identifier == _BYTE_ID else (1 if items > 1 else 2)
            if items == 0:
                kind = 3
            parts.append((position, items, kind, base.parse))
            if (not getattr(field_def, "is_dev", False)
                    and field_def.def_num == _TIMESTAMP_FIELD and kind == 2):
                self.timestamp_index = index
            position += items
        compiled = struct.Struct("".join(fmt))
        self.unpack = compiled.unpack
        self.size = compiled.size
        self.parts = parts
        self.definition = definition

    def value(self, flat: tuple[object, ...], index: int) -> object:
        """The parsed value of single-valued field ``index`` (None for arrays and bytes)."""
        position, _items, kind, parse = self.parts[index]
        return parse(flat[position]) if kind == 2 else None

    def values(self, chunk: bytes) -> list[object]:
        flat = self.unpack(chunk)
        out: list[object] = []
        for position, items, kind, parse in self.parts:
            if kind == 2:
                out.append(parse(flat[position]))
            elif kind == 0:
                out.append(parse(flat[position:position + items]))
            elif kind == 1:
                out.append(tuple(parse(v) for v in flat[position:position + items]))
            else:
                out.append(None)
        return out


_PLAIN_TO_ENHANCED = {2: 78, 6: 73}
"""record.altitude and record.speed expand into enhanced_altitude and enhanced_speed."""


class _RowPlan:
    """Where each field of an eligible definition goes in a sample row, with its scaling."""

    __slots__ = ("steps", "timestamp_slot")

    def __init__(self, steps: list[tuple[int, int, float | None, float | None]],
                 timestamp_slot: int | None) -> None:
        self.steps: list[tuple] = steps
        """(field index, slot, scale, offset); rewritten by the reader to
        (position in the unpacked values, parse, slot, scale, offset)."""
        self.timestamp_slot = timestamp_slot


def _row_plan(definition: records.FitDefinitionMessage, columns: Mapping[int, int]
              ) -> _RowPlan | None:
    """A plan to read sample rows directly, or None when the stock decoder must run.

    Definitions whose fields expand (components) into a wanted field are not eligible
    (compressed speed/distance accumulates), except altitude/speed, whose expansion into the
    enhanced field is a copy the reader falls back to anyway.
    """
    steps: list[tuple[int, int, float | None, float | None]] = []
    for index, field_def in enumerate(definition.field_defs):
        field = field_def.field
        if field is None:
            continue
        if field.components:
            targets = {c.def_num for c in field.components}
            if targets & set(columns) and targets != {_PLAIN_TO_ENHANCED.get(field.def_num)}:
                return None
        if field.subfields and field_def.def_num in columns:
            return None
        slot = columns.get(field_def.def_num)
        if slot is not None and field_def.base_type.fmt != "s":
            steps.append((index, slot, field.scale or None, field.offset or None))
    return _RowPlan(steps, columns.get(_TIMESTAMP_FIELD))


class LeanFitReader(fitdecode.FitReader):
    """``fitdecode.FitReader`` that unpacks messages in one call and skips unwanted ones.

    Parameters
    ----------
    fileish
        As for ``fitdecode.FitReader``.
    wanted
        Global message numbers to decode fully; other messages are yielded with no fields.
    rows
        Optional fast path for one message type (the samples): ``(global message number,
        {field number: slot}, width, sink)``. Eligible messages of that type are not decoded
        into fields; a list of ``width`` values (scaled, None when invalid) is appended to
        ``sink`` and the message is yielded with no fields.
    kwargs
        Passed to ``fitdecode.FitReader``.
    """

    def __init__(self, fileish: object, *, wanted: Iterable[int],
                 rows: tuple[int, Mapping[int, int], int, list[list[object]]] | None = None,
                 **kwargs: object) -> None:
        super().__init__(fileish, **kwargs)
        self._wanted = frozenset(wanted) | _ALWAYS_DECODED
        self._layouts: dict[int, _Layout] = {}
        self._rows = rows
        self._plans: dict[int, tuple[records.FitDefinitionMessage, _RowPlan | None]] = {}

    def _plan(self, definition: records.FitDefinitionMessage) -> _RowPlan | None:
        known = self._plans.get(id(definition))
        if known is None or known[0] is not definition:
            plan = _row_plan(definition, self._rows[1]) if self._rows else None
            if plan is not None:
                layout = self._layout(definition)
                plan.steps = [(layout.parts[index][0], layout.parts[index][3], slot, scale,
                               shift) for index, slot, scale, shift in plan.steps
                              if layout.parts[index][2] == 2]
            known = (definition, plan)
            self._plans[id(definition)] = known
        return known[1]

    def _layout(self, definition: records.FitDefinitionMessage) -> _Layout:
        layout = self._layouts.get(id(definition))
        if layout is None or layout.definition is not definition:
            layout = _Layout(definition)
            self._layouts[id(definition)] = layout
        return layout

    def _read_data_message_raw_values(self, def_mesg: records.FitDefinitionMessage
                                      ) -> tuple[list[bytes], list[object]]:
        layout = self._layout(def_mesg)
        if layout.size == 0:
            return [], []
        chunk = self._read_bytes(layout.size)
        return [chunk], layout.values(chunk)

    def _read_data_message(self, header_chunk: bytes, record_header: object
                           ) -> records.FitDataMessage:
        def_mesg = self._local_mesg_defs.get(record_header.local_mesg_num)  # type: ignore[attr-defined]
        if def_mesg is None:
            return super()._read_data_message(header_chunk, record_header)
        number = def_mesg.global_mesg_num
        plan = self._plan(def_mesg) if self._rows and number == self._rows[0] else None
        if plan is None and number in self._wanted:
            return super()._read_data_message(header_chunk, record_header)
        layout = self._layout(def_mesg)
        flat = layout.unpack(self._read_bytes(layout.size)) if layout.size else ()
        if layout.timestamp_index is not None:
            raw = layout.value(flat, layout.timestamp_index)
            if raw is not None:
                self._last_timestamp = raw
                self._compressed_ts_accumulator = raw
        offset = record_header.time_offset  # type: ignore[attr-defined]
        if offset is not None:
            self._compressed_ts_accumulator = self._apply_compressed_accumulation(
                offset, self._compressed_ts_accumulator, 5)
        if plan is not None and self._rows is not None:
            row: list[object] = [None] * self._rows[2]
            for position, parse, slot, scale, shift in plan.steps:
                value = parse(flat[position])
                if value is None:
                    continue
                if scale:
                    value = value / scale
                if shift:
                    value = value - shift
                row[slot] = value
            if offset is not None and plan.timestamp_slot is not None:
                row[plan.timestamp_slot] = self._compressed_ts_accumulator
            self._rows[3].append(row)
        return records.FitDataMessage(record_header.is_developer_data,  # type: ignore[attr-defined]
                                      record_header.local_mesg_num,  # type: ignore[attr-defined]
                                      offset, def_mesg, [], None)


def lean_reader_available() -> bool:
    """True when the installed fitdecode is a version the overrides were checked against."""
    return fitdecode.__version__ in CHECKED_VERSIONS and all(
        hasattr(fitdecode.FitReader, name) for name in (
            "_read_data_message", "_read_data_message_raw_values", "_read_bytes",
            "_apply_compressed_accumulation"))
