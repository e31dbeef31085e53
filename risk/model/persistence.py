"""Saving and loading fitted models safely: a signed, versioned container around a pickle.

Why not a plain pickle or joblib file: unpickling runs code named by the file, so a model file
from an untrusted place could run anything. Why not skops.io: it is not among our pinned
dependencies, and its trusted-type lists would still need review for every scikit-learn
upgrade. The choice here:

1. **HMAC-SHA256 signature** keyed by the installation's secret (the key that also encrypts
   Strava tokens, derived for this purpose; see :mod:`etl.model_store`). A file is unpickled
   only when its signature checks, i.e. when this installation wrote it and nobody changed a
   byte since. A model trained on another installation is refused: train it here.
2. **Version check before unpickling**: the header (plain JSON, signed too) names the library
   versions; a file from another scikit-learn minor version or numpy major version is refused,
   because scikit-learn does not support unpickling across versions.
3. **Restricted unpickler** (defence in depth): only classes from scikit-learn, numpy's array
   and random internals, :mod:`risk.model` and a few builtins can be named by the pickle.

Layout: ``MAGIC | 4-byte header length | header JSON | pickle | 32-byte HMAC`` where the HMAC
covers everything before it. The header holds the metadata (training data hash and date range,
features, label definition, evaluation figures) so it can be shown without unpickling.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import pickle
import platform
from dataclasses import dataclass
from typing import Any

import numpy as np
import sklearn

from risk.errors import RiskError

MAGIC = b"LOADWATCH-MODEL\x00"
FORMAT_VERSION = 1
SIGNATURE_BYTES = 32
_ALLOWED_PREFIXES = ("sklearn.", "risk.model.", "numpy._core.", "numpy.core.", "numpy.random.")
_ALLOWED_NAMES = {
    ("numpy", "dtype"), ("numpy", "ndarray"), ("copyreg", "_reconstructor"),
    ("_codecs", "encode"),
    *(("builtins", n) for n in ("list", "dict", "tuple", "set", "frozenset", "slice",
                                "bytearray", "bytes", "complex", "float", "int", "str", "bool",
                                "object")),
}


class ModelFileError(RiskError):
    """A model file that cannot be used: not a model, changed, foreign, or incompatible."""


@dataclass(frozen=True)
class LoadedModel:
    """A verified model: the fitted estimator and its header (``kind``, ``metadata``...)."""

    estimator: Any
    header: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.header["kind"])

    @property
    def metadata(self) -> dict[str, Any]:
        return dict(self.header["metadata"])


def library_versions() -> dict[str, str]:
    """Versions that decide whether a saved model can be loaded here."""
    return {"scikit-learn": sklearn.__version__, "numpy": np.__version__,
            "python": platform.python_version(), "format": str(FORMAT_VERSION)}


def _minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


def incompatibility(saved: dict[str, str]) -> str | None:
    """Why a model saved with ``saved`` versions cannot load here, or None when it can."""
    here = library_versions()
    if saved.get("format") != here["format"]:
        return f"file format {saved.get('format')} (this installation reads {here['format']})"
    if _minor(saved.get("scikit-learn", "")) != _minor(here["scikit-learn"]):
        return (f"made with scikit-learn {saved.get('scikit-learn')}, this installation has "
                f"{here['scikit-learn']}")
    if saved.get("numpy", "").split(".")[0] != here["numpy"].split(".")[0]:
        return f"made with numpy {saved.get('numpy')}, this installation has {here['numpy']}"
    return None


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED_NAMES or module.startswith(_ALLOWED_PREFIXES):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not an allowed model type")


def dumps(estimator: Any, *, kind: str, metadata: dict[str, Any], key: bytes) -> bytes:
    """The signed container of ``estimator`` with ``metadata`` (JSON-serialisable)."""
    payload = pickle.dumps(estimator, protocol=5)
    header = {"format": FORMAT_VERSION, "kind": kind, "versions": library_versions(),
              "payload_sha256": hashlib.sha256(payload).hexdigest(), "metadata": metadata}
    head = json.dumps(header, sort_keys=True, allow_nan=True).encode()
    body = MAGIC + len(head).to_bytes(4, "big") + head + payload
    return body + hmac.new(key, body, hashlib.sha256).digest()


def loads(blob: bytes, *, key: bytes, source: str, expect_kind: str | None = None) -> LoadedModel:
    """Verify and load a container written by :func:`dumps`.

    Parameters
    ----------
    blob : bytes
    key : bytes
        This installation's signing key.
    source : str
        Name of the file, for messages.
    expect_kind : str, optional
        Refuse a model of another kind (e.g. a squad model where a Lövdal model is needed).

    Raises
    ------
    ModelFileError
        Not a loadwatch model file; signature mismatch (changed, or from another
        installation); incompatible library versions; a disallowed type inside; wrong kind.
    """
    if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 4 + SIGNATURE_BYTES:
        raise ModelFileError(f"{source}: not a loadwatch model file; give a file written by "
                             "`loadwatch model train --out`")
    body, signature = blob[:-SIGNATURE_BYTES], blob[-SIGNATURE_BYTES:]
    if not hmac.compare_digest(hmac.new(key, body, hashlib.sha256).digest(), signature):
        raise ModelFileError(
            f"{source}: the signature does not match this installation's key: the file was "
            "changed after it was saved, or saved by another installation; it is not loaded "
            "(loading an untrusted model could run code). Train the model here with "
            "`loadwatch model train`")
    size = int.from_bytes(body[len(MAGIC):len(MAGIC) + 4], "big")
    start = len(MAGIC) + 4
    header = json.loads(body[start:start + size])
    reason = incompatibility(header.get("versions", {}))
    if reason:
        raise ModelFileError(f"{source}: {reason}; re-train the model with "
                             "`loadwatch model train` on this installation")
    if expect_kind is not None and not str(header.get("kind", "")).startswith(expect_kind):
        raise ModelFileError(f"{source}: a {header.get('kind')!r} model, not a {expect_kind!r} "
                             "model; give the model trained for this data")
    payload = body[start + size:]
    try:
        estimator = _RestrictedUnpickler(io.BytesIO(payload)).load()
    except (pickle.UnpicklingError, AttributeError, EOFError, ImportError) as exc:
        raise ModelFileError(f"{source}: the model payload cannot be loaded ({exc}); re-train "
                             "the model with `loadwatch model train`") from None
    return LoadedModel(estimator=estimator, header=header)
