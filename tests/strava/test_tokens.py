"""Tokens are encrypted at rest with a key from the environment or a 0600 key file."""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from etl.errors import ConfigurationError
from etl.store import tables_strava as S
from etl.strava import tokens
from etl.strava.tokens import TokenPair
from tests.strava.conftest import connect


def test_round_trip_with_a_generated_key_file(monkeypatch):
    monkeypatch.delenv("LOADWATCH_SECRET_KEY", raising=False)
    pair = TokenPair("access-123", "refresh-456")
    blob = tokens.encrypt(pair)
    assert b"access-123" not in blob and b"refresh-456" not in blob
    assert tokens.decrypt(blob, "ada") == pair
    mode = stat.S_IMODE(tokens.key_file().stat().st_mode)
    assert mode == 0o600
    assert "***" in repr(pair) and "access-123" not in repr(pair)


def test_key_from_environment(monkeypatch):
    monkeypatch.setenv("LOADWATCH_SECRET_KEY", Fernet.generate_key().decode())
    blob = tokens.encrypt(TokenPair("a", "r"))
    assert not tokens.key_file().exists()
    monkeypatch.setenv("LOADWATCH_SECRET_KEY", Fernet.generate_key().decode())
    with pytest.raises(ConfigurationError, match="cannot be decrypted with the current key"):
        tokens.decrypt(blob, "ada")


def test_invalid_key_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("LOADWATCH_SECRET_KEY", "not-a-key")
    with pytest.raises(ConfigurationError, match="LOADWATCH_SECRET_KEY: not a valid Fernet key"):
        tokens.encrypt(TokenPair("a", "r"))


def test_store_holds_only_ciphertext(store, make_fake, transport):
    fake = make_fake([])
    connect(store, fake, transport)
    access = next(iter(fake.tokens.access))
    with store.engine.connect() as conn:
        blob = conn.execute(select(S.strava_connections.c.tokens)).scalar_one()
    assert access.encode() not in bytes(blob)
