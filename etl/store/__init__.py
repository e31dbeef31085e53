"""The store: SQLAlchemy 2, SQLite by default, PostgreSQL for teams and clinics."""

from etl.store.engine import data_dir, default_url
from etl.store.store import LOCAL, Principal, Store, UpsertResult

__all__ = ["LOCAL", "Principal", "Store", "UpsertResult", "data_dir", "default_url"]
