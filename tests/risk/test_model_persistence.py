"""Model files: round trip, and refusal of changed, foreign, incompatible or hostile files."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from risk.model import persistence
from risk.model.persistence import MAGIC, ModelFileError, dumps, loads

KEY = b"k" * 32


def _model() -> LogisticRegression:
    x = np.array([[0.0], [1.0], [2.0], [3.0]])
    return LogisticRegression().fit(x, [0, 0, 1, 1])


def _resign(body: bytes, key: bytes = KEY) -> bytes:
    return body + hmac.new(key, body, hashlib.sha256).digest()


def test_round_trip_keeps_estimator_and_metadata() -> None:
    blob = dumps(_model(), kind="lovdal-day", metadata={"features": ["a"]}, key=KEY)
    loaded = loads(blob, key=KEY, source="m.lwm", expect_kind="lovdal")
    assert loaded.kind == "lovdal-day" and loaded.metadata == {"features": ["a"]}
    assert loaded.estimator.predict([[3.0]])[0] == 1
    assert loaded.header["versions"]["scikit-learn"] == persistence.library_versions()[
        "scikit-learn"]


def test_a_changed_byte_is_refused() -> None:
    blob = bytearray(dumps(_model(), kind="squad", metadata={}, key=KEY))
    blob[len(blob) // 2] ^= 1
    with pytest.raises(ModelFileError, match=r"m.lwm: the signature does not match.*changed"):
        loads(bytes(blob), key=KEY, source="m.lwm")


def test_a_file_from_another_installation_is_refused() -> None:
    blob = dumps(_model(), kind="squad", metadata={}, key=b"other installation key")
    with pytest.raises(ModelFileError, match=r"another installation.*loadwatch model train"):
        loads(blob, key=KEY, source="m.lwm")


def test_not_a_model_file() -> None:
    with pytest.raises(ModelFileError, match="not a loadwatch model file"):
        loads(pickle.dumps(_model()), key=KEY, source="plain.pkl")


def _with_header(change: dict, payload: bytes) -> bytes:
    header = {"format": 1, "kind": "squad", "metadata": {},
              "versions": {**persistence.library_versions(), **change},
              "payload_sha256": hashlib.sha256(payload).hexdigest()}
    head = json.dumps(header).encode()
    return _resign(MAGIC + len(head).to_bytes(4, "big") + head + payload)


def test_other_library_versions_are_refused_before_unpickling() -> None:
    payload = pickle.dumps(_model())
    with pytest.raises(ModelFileError, match=r"made with scikit-learn 0\.24\.2.*re-train"):
        loads(_with_header({"scikit-learn": "0.24.2"}, payload), key=KEY, source="m.lwm")
    with pytest.raises(ModelFileError, match=r"made with numpy 1\.26"):
        loads(_with_header({"numpy": "1.26.4"}, payload), key=KEY, source="m.lwm")


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_a_signed_file_naming_other_code_is_still_refused() -> None:
    payload = pickle.dumps(_Evil())
    with pytest.raises(ModelFileError, match="not an allowed model type"):
        loads(_with_header({}, payload), key=KEY, source="m.lwm")


def test_wrong_kind_is_refused() -> None:
    blob = dumps(_model(), kind="squad", metadata={}, key=KEY)
    with pytest.raises(ModelFileError, match="a 'squad' model, not a 'lovdal' model"):
        loads(blob, key=KEY, source="m.lwm", expect_kind="lovdal")
