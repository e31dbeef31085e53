"""Encryption at rest of Strava tokens (Fernet: AES-128-CBC with HMAC-SHA256).

The key comes from ``LOADWATCH_SECRET_KEY`` (a urlsafe base64 Fernet key, e.g. from
``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``)
or, when unset, from the file ``secret.key`` in the user's data directory, created with mode
0600 on first use. The key never lives in the repository or the database.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from etl.errors import ConfigurationError
from etl.store.engine import data_dir

ENV_SECRET_KEY = "LOADWATCH_SECRET_KEY"
KEY_FILE_NAME = "secret.key"


@dataclass(frozen=True)
class TokenPair:
    """An access token and the refresh token that renews it (never logged, never printed)."""

    access_token: str
    refresh_token: str

    def __repr__(self) -> str:
        return "TokenPair(access_token=***, refresh_token=***)"


def key_file() -> Path:
    """Where the generated key lives when ``LOADWATCH_SECRET_KEY`` is not set."""
    return data_dir() / KEY_FILE_NAME


def _load_or_create_key() -> bytes:
    configured = os.environ.get(ENV_SECRET_KEY)
    if configured:
        return configured.strip().encode()
    path = key_file()
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(Fernet.generate_key())
    return path.read_bytes().strip()


def cipher() -> Fernet:
    """The Fernet cipher for tokens, or a :class:`ConfigurationError` naming the bad key."""
    key = _load_or_create_key()
    try:
        return Fernet(key)
    except ValueError as exc:
        origin = ENV_SECRET_KEY if os.environ.get(ENV_SECRET_KEY) else str(key_file())
        raise ConfigurationError(
            f"{origin}: not a valid Fernet key ({exc}); generate one with "
            "`python -c \"from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())\"`"
        ) from exc


def encrypt(tokens: TokenPair) -> bytes:
    """Ciphertext of ``tokens`` for the store."""
    payload = json.dumps({"access_token": tokens.access_token,
                          "refresh_token": tokens.refresh_token}).encode()
    return cipher().encrypt(payload)


def decrypt(blob: bytes, athlete: str) -> TokenPair:
    """The tokens stored for ``athlete``; a clear error when the key has changed."""
    try:
        data = json.loads(cipher().decrypt(bytes(blob)))
    except InvalidToken:
        raise ConfigurationError(
            f"the stored Strava tokens of athlete {athlete!r} cannot be decrypted with the "
            f"current key ({ENV_SECRET_KEY} or {key_file()}); restore the key used when "
            f"connecting, or reconnect with `loadwatch strava connect --athlete {athlete!r}`"
        ) from None
    return TokenPair(access_token=str(data["access_token"]),
                     refresh_token=str(data["refresh_token"]))
