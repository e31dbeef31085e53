"""Hardening: local binding, upload caps, CSV formula neutralisation, no secrets in the repo
or in what gets printed."""

from __future__ import annotations

import inspect
import re
import tomllib
from pathlib import Path

from etl.strava import tokens
from etl.strava.webhook import make_server

REPO = Path(__file__).resolve().parents[2]
CODE = ("etl", "risk", "loadwatch", "dashboard")


def test_dashboard_binds_to_localhost_and_caps_uploads() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert 0 < config["server"]["maxUploadSize"] <= 200  # MB; readers cap decompressed size too


def test_webhook_server_binds_to_localhost_by_default() -> None:
    assert inspect.signature(make_server).parameters["host"].default == "127.0.0.1"


def test_every_csv_export_neutralises_formulas() -> None:
    offenders = []
    for package in CODE:
        for path in (REPO / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for number, line in enumerate(text.splitlines(), start=1):
                if ".to_csv(" in line and "neutralise" not in line and \
                        not re.search(r"\bsafe\.to_csv\(", line):
                    offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == []


def test_secrets_example_holds_no_secret_and_the_real_file_is_ignored() -> None:
    example = tomllib.loads((REPO / ".streamlit" / "secrets.toml.example").read_text())
    auth = example["auth"]
    for key in ("cookie_secret", "client_id", "client_secret"):
        assert auth[key].startswith("REPLACE-"), key
    assert example["loadwatch"]["staff_sees_strava_api"] is False
    assert ".streamlit/secrets.toml" in (REPO / ".gitignore").read_text().splitlines()


def test_tokens_never_print() -> None:
    pair = tokens.TokenPair("a-secret-access", "a-secret-refresh")
    assert "secret" not in repr(pair) and "secret" not in str(pair)
