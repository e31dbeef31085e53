"""File IO of the injury-risk models: Lövdal CSVs (with provenance check), model files, key.

The pure parts live in :mod:`risk.model` (schema in :mod:`risk.model.lovdal`, the signed
container in :mod:`risk.model.persistence`); this module reads and writes the files and derives
the signing key from the installation secret (``LOADWATCH_SECRET_KEY`` or ``secret.key`` in the
data directory, the key that also encrypts Strava tokens).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from etl.errors import CorruptFileError, InputError, NoDataError
from etl.store.engine import data_dir
from etl.strava import tokens
from risk.errors import FrameContractError
from risk.model.lovdal import Approach, LovdalData, lovdal_data
from risk.model.persistence import LoadedModel, ModelFileError, dumps, loads

#: Size and git blob id of the genuine DataverseNL files (doi:10.34894/UWU9PV), from
#: ../shared/data/lovdal2021/PROVENANCE.txt.
GENUINE: dict[str, tuple[int, str]] = {
    "day": (13_547_450, "05acd3b1640ba242a667bd4fb354fc46ec17f74b"),
    "week": (15_152_612, "6a739f4f6e3a091200a40230f5c629842d119dbd"),
}
DOWNLOAD_HINT = ("download day_approach_maskedID_timeseries.csv / week_approach_maskedID_"
                 "timeseries.csv from DataverseNL, doi:10.34894/UWU9PV")
MAX_CSV_BYTES = 200 * 1024 * 1024
MAX_MODEL_BYTES = 200 * 1024 * 1024
MODEL_SUFFIX = ".lwm"
_KEY_PURPOSE = b"loadwatch model signature v1"


class ModelFileRejected(InputError):
    """A model file refused: not a model, changed, from another installation, incompatible."""


@dataclass(frozen=True)
class FileIdentity:
    """Who a data file is: size, hashes, and whether it matches the genuine published copy."""

    path: str
    size_bytes: int
    git_blob: str
    sha256: str
    genuine: bool
    note: str


def git_blob_id(content: bytes) -> str:
    """The id ``git hash-object`` gives ``content``: SHA-1 of ``b"blob <size>\\0" + content``."""
    return hashlib.sha1(b"blob %d\x00" % len(content) + content, usedforsecurity=False).hexdigest()


def identify(path: Path, content: bytes, approach: Approach) -> FileIdentity:
    """Compare ``content`` with the genuine published copy of ``approach``."""
    size, blob = GENUINE[approach]
    found = git_blob_id(content)
    genuine = len(content) == size and found == blob
    if genuine:
        note = f"matches the published {approach}-approach file ({size:,} bytes, blob {blob})"
    else:
        note = (f"does NOT match the published {approach}-approach file (expected {size:,} "
                f"bytes, git blob {blob}; found {len(content):,} bytes, blob {found}): a "
                "variant, a re-upload or another data set; results are not the benchmark's")
    return FileIdentity(str(path), len(content), found, hashlib.sha256(content).hexdigest(),
                        genuine, note)


def _read_bytes(path: Path, limit: int, what: str) -> bytes:
    if not path.is_file():
        raise InputError(str(path), f"no such {what}; check the path")
    if path.stat().st_size > limit:
        raise InputError(str(path), f"larger than {limit // 2**20} MiB; not a {what}")
    return path.read_bytes()


def read_lovdal(path: Path, approach: Approach | None = None, *,
                require_label: bool = True) -> tuple[LovdalData, FileIdentity]:
    """Read a Lövdal CSV, check its schema and report its identity.

    Raises
    ------
    InputError
        Missing file, not a CSV, wrong columns or values (the message names the column, row
        and fix).
    """
    content = _read_bytes(path, MAX_CSV_BYTES, "Lövdal CSV file")
    if not content.strip():
        raise NoDataError(str(path), f"the file is empty; {DOWNLOAD_HINT}")
    try:
        frame = pd.read_csv(io.BytesIO(content), low_memory=False)
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise CorruptFileError(str(path), f"not a readable CSV ({exc}); {DOWNLOAD_HINT}") \
            from None
    try:
        data = lovdal_data(frame, approach, require_label=require_label)
    except FrameContractError as exc:
        raise InputError(str(path), str(exc)) from None
    return data, identify(path, content, data.approach)


def model_key() -> bytes:
    """The model-signing key: HMAC of a fixed purpose string under the installation secret."""
    tokens.cipher()
    configured = os.environ.get(tokens.ENV_SECRET_KEY)
    secret = configured.strip().encode() if configured else tokens.key_file().read_bytes().strip()
    return hmac.new(secret, _KEY_PURPOSE, hashlib.sha256).digest()


def save_model(path: Path, estimator: Any, *, kind: str, metadata: dict[str, Any]) -> Path:
    """Write a signed model file (atomically, mode 0600) and return its path."""
    blob = dumps(estimator, kind=kind, metadata=metadata, key=model_key())
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(blob)
    os.replace(partial, path)
    return path


def load_model(path: Path, *, expect_kind: str | None = None) -> LoadedModel:
    """Load a model file written by :func:`save_model` on this installation.

    Raises
    ------
    ModelFileRejected
        Missing, not a model, changed, foreign, incompatible or of the wrong kind.
    """
    if not path.is_file():
        raise ModelFileRejected(str(path), "no such model file; train one with "
                                "`loadwatch model train --out FILE`")
    blob = _read_bytes(path, MAX_MODEL_BYTES, "model file")
    try:
        return loads(blob, key=model_key(), source=str(path), expect_kind=expect_kind)
    except ModelFileError as exc:
        reason = str(exc).removeprefix(f"{path}: ")
        raise ModelFileRejected(str(path), reason) from None


def squad_model_path(store_url: str) -> Path:
    """Where the squad model of the store at ``store_url`` is kept (one file per store)."""
    digest = hashlib.sha256(store_url.encode()).hexdigest()[:16]
    return data_dir() / "models" / f"squad-{digest}{MODEL_SUFFIX}"
