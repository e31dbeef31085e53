"""Import every table module so that ``metadata`` describes the whole store."""

from etl.store import tables, tables_access, tables_log, tables_strava
from etl.store.base import metadata

__all__ = ["metadata", "tables", "tables_access", "tables_log", "tables_strava"]
