"""Models and migrations agree, and every migration goes down and up again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from app.db import make_engine
from app.dbschema import check_database, downgrade_database, upgrade_database
from app.models import Base
from app.search.schema import is_search_object
from tests.databases import drop_database, fresh_database


@pytest.fixture
def scratch_url(tmp_path: Path) -> Iterator[str]:
    url = fresh_database("minka_test_migrations", tmp_path)
    yield url
    drop_database(url)


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        names = inspect(engine).get_table_names()
        return {name for name in names if not is_search_object(name)} - {"alembic_version"}
    finally:
        engine.dispose()


def test_models_match_migrations(scratch_url: str) -> None:
    upgrade_database(scratch_url)
    check_database(scratch_url)  # raises when `alembic check` finds a difference
    assert _tables(scratch_url) == set(Base.metadata.tables)


def test_upgrade_downgrade_upgrade_round_trip(scratch_url: str) -> None:
    upgrade_database(scratch_url)
    downgrade_database(scratch_url, "base")
    assert _tables(scratch_url) == set()
    upgrade_database(scratch_url)
    check_database(scratch_url)
    assert _tables(scratch_url) == set(Base.metadata.tables)


def test_every_tenant_owned_table_has_an_indexed_tenant_id(scratch_url: str) -> None:
    upgrade_database(scratch_url)
    engine = make_engine(scratch_url)
    try:
        inspector = inspect(engine)
        for table in Base.metadata.tables.values():
            if "tenant_id" not in table.c:
                continue
            indexed = {tuple(ix["column_names"]) for ix in inspector.get_indexes(table.name)}
            unique = {
                tuple(uq["column_names"]) for uq in inspector.get_unique_constraints(table.name)
            }
            assert any(cols[0] == "tenant_id" for cols in indexed | unique), table.name
            foreign = inspector.get_foreign_keys(table.name)
            assert any(fk["referred_table"] == "tenants" for fk in foreign), table.name
    finally:
        engine.dispose()
