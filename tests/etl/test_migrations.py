"""The migrations describe exactly the tables the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from etl.store import Store
from etl.store.schema import metadata


def _diff(store: Store) -> list[object]:
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        return list(compare_metadata(context, metadata))


def test_sqlite_schema_matches_the_declared_tables(store: Store) -> None:
    assert _diff(store) == []


@pytest.mark.postgres
def test_postgres_schema_matches_the_declared_tables(pg_store: Store) -> None:
    assert _diff(pg_store) == []


def test_migrating_twice_is_a_no_op(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    Store.open(url)
    again = Store.open(url)
    assert _diff(again) == []
