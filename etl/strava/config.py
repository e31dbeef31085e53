"""Settings of the Strava integration, read from the environment or Streamlit secrets.

``STRAVA_CLIENT_ID`` and ``STRAVA_CLIENT_SECRET`` come from the environment, else from
``.streamlit/secrets.toml`` (top level or a ``[strava]`` table with ``client_id`` /
``client_secret``), read with :mod:`tomllib` so no Streamlit import is needed.
``LOADWATCH_STRAVA_URL`` points the client (OAuth included) at another server, e.g. the fake
Strava of the tests. Secrets never enter the repository: ``secrets.toml`` is the user's file.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from etl.errors import ConfigurationError

DEFAULT_BASE_URL = "https://www.strava.com"
STRAVA_ORIGIN = "https://www.strava.com"
ENV_BASE_URL = "LOADWATCH_STRAVA_URL"
ENV_CLIENT_ID = "STRAVA_CLIENT_ID"
ENV_CLIENT_SECRET = "STRAVA_CLIENT_SECRET"
ENV_REDIRECT_URI = "LOADWATCH_STRAVA_REDIRECT_URI"
ENV_VERIFY_TOKEN = "LOADWATCH_STRAVA_VERIFY_TOKEN"
ENV_SECRETS_FILE = "LOADWATCH_SECRETS_FILE"
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8765/callback"
SCOPES: tuple[str, ...] = ("read", "activity:read_all")


@dataclass(frozen=True)
class StravaSettings:
    """Where Strava is and who we are to it.

    ``client_id``/``client_secret`` may be ``None`` until a command needs them
    (:meth:`credentials` raises a :class:`ConfigurationError` naming the fix).
    """

    base_url: str = DEFAULT_BASE_URL
    client_id: int | None = None
    client_secret: str | None = None
    redirect_uri: str = DEFAULT_REDIRECT_URI
    verify_token: str | None = None

    def credentials(self) -> tuple[int, str]:
        """The client id and secret, or a clear error saying where to put them."""
        if self.client_id is None or not self.client_secret:
            raise ConfigurationError(
                f"Strava API credentials are missing: set {ENV_CLIENT_ID} and "
                f"{ENV_CLIENT_SECRET} in the environment (or client_id / client_secret under "
                "[strava] in .streamlit/secrets.toml); create an API application at "
                "https://www.strava.com/settings/api to get them"
            )
        return self.client_id, self.client_secret

    def url(self, path: str) -> str:
        """``path`` (starting with ``/``) on the configured server."""
        return self.base_url + path


def _secrets_file() -> Path:
    return Path(os.environ.get(ENV_SECRETS_FILE) or Path.cwd() / ".streamlit" / "secrets.toml")


def _read_secrets(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigurationError(
            f"{path}: cannot read Streamlit secrets ({exc}); fix the TOML syntax or remove "
            "the file and use environment variables"
        ) from exc
    section = data.get("strava")
    flat: dict[str, object] = {k: v for k, v in data.items() if not isinstance(v, dict)}
    if isinstance(section, dict):
        flat.update({f"STRAVA_{k.upper()}": v for k, v in section.items()})
    return flat


def normalise_base_url(text: str) -> str:
    """Check and normalise a base URL: scheme http(s), a host, no path, no trailing slash."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise ConfigurationError(
            f"{ENV_BASE_URL}={text!r} is not a base URL; give scheme and host only, e.g. "
            f"{DEFAULT_BASE_URL} or http://127.0.0.1:8001"
        )
    return f"{parts.scheme}://{parts.netloc}"


def load_settings() -> StravaSettings:
    """Read the settings from the environment, falling back to Streamlit secrets."""
    secrets = _read_secrets(_secrets_file())

    def pick(name: str) -> str | None:
        value = os.environ.get(name)
        if value:
            return value
        found = secrets.get(name)
        return None if found in (None, "") else str(found)

    raw_id = pick(ENV_CLIENT_ID)
    client_id: int | None = None
    if raw_id is not None:
        try:
            client_id = int(raw_id)
        except ValueError:
            raise ConfigurationError(
                f"{ENV_CLIENT_ID}={raw_id!r} is not a number; copy the numeric Client ID from "
                "https://www.strava.com/settings/api"
            ) from None
    return StravaSettings(
        base_url=normalise_base_url(os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL),
        client_id=client_id,
        client_secret=pick(ENV_CLIENT_SECRET),
        redirect_uri=pick(ENV_REDIRECT_URI) or DEFAULT_REDIRECT_URI,
        verify_token=pick(ENV_VERIFY_TOKEN),
    )
