"""Where the store lives and how it is opened and migrated.

The default is an embedded SQLite file in the user's data directory; ``LOADWATCH_DB`` or
``--db`` take any SQLAlchemy URL (PostgreSQL for coach and clinic deployments). The demo has
its own file so that synthetic data never mixes with real data.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import ArgumentError, OperationalError

from etl.errors import ConfigurationError, StoreError

ENV_DB = "LOADWATCH_DB"
MIGRATIONS = Path(__file__).with_name("migrations")


def data_dir() -> Path:
    """The per-user data directory (created on demand), overridable by ``LOADWATCH_HOME``."""
    path = Path(os.environ.get("LOADWATCH_HOME") or platformdirs.user_data_dir("loadwatch"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def default_url(*, demo: bool = False) -> str:
    """``LOADWATCH_DB`` if set (not for the demo), else the SQLite file in :func:`data_dir`."""
    if not demo and os.environ.get(ENV_DB):
        return os.environ[ENV_DB]
    return f"sqlite:///{data_dir() / ('demo.db' if demo else 'loadwatch.db')}"


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` with the settings loadwatch relies on."""
    try:
        engine = create_engine(url, future=True, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise ConfigurationError(
            f"database URL {url!r} is not usable ({exc}); give a SQLAlchemy URL such as "
            "sqlite:///path/to/loadwatch.db or postgresql+psycopg://user@host/dbname"
        ) from exc
    if engine.dialect.name == "sqlite":
        if engine.url.database and engine.url.database != ":memory:":
            Path(engine.url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is current)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise StoreError(
            f"cannot open or migrate the database at {engine.url.render_as_string()}: "
            f"{exc.orig}; check the URL, that the server runs and that you may write to it"
        ) from exc


def current_tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())
