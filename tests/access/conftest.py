"""The access tests' world (tests/access/world.py), built once and copied for each test."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from etl.store import Store
from tests.access.world import World, build


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, World]:
    path = tmp_path_factory.mktemp("world") / "world.db"
    built = build(Store.open(f"sqlite:///{path}"))
    built.store.engine.dispose()
    return path, built


@pytest.fixture
def world_db(world_template: tuple[Path, World], tmp_path: Path) -> str:
    """A fresh copy of the world's SQLite file (``tmp_path/test.db``); its URL."""
    target = tmp_path / "test.db"
    shutil.copyfile(world_template[0], target)
    return f"sqlite:///{target}"


@pytest.fixture
def world(world_template: tuple[Path, World], world_db: str) -> World:
    return replace(world_template[1], store=Store.open(world_db))
