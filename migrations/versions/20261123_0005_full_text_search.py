"""Full-text search over debates and proposals, accent- and case-insensitive in Spanish.

PostgreSQL: the ``unaccent`` extension, an IMMUTABLE wrapper (``unaccent`` itself is only
STABLE, so it cannot appear in an index) and a GIN index over the same expression the queries
use. SQLite: external-content FTS5 tables that drop diacritics, kept in step by triggers.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 09:00:00
"""

# ruff: noqa: S608 - only the fixed table and column names below are formatted into SQL
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here on purpose: app.search.schema may change, this migration must not.
SEARCHED_COLUMNS: dict[str, tuple[str, ...]] = {
    "debates": ("title", "body"),
    "proposals": ("title", "summary", "body"),
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in SEARCHED_COLUMNS:
            op.execute(f"DROP INDEX IF EXISTS ix_{table}_search")
        op.execute("DROP FUNCTION IF EXISTS minka_unaccent(text)")
        # The extension stays: it may have been there before us, and it holds no data.
        return
    for table in SEARCHED_COLUMNS:
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{event}")
        op.execute(f"DROP TABLE IF EXISTS {table}_fts")


def _upgrade_postgresql() -> None:
    # In public, where the wrapper function below looks for it.
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public")
    # Dictionary named with its schema so the function does not depend on search_path.
    op.execute(
        "CREATE OR REPLACE FUNCTION minka_unaccent(text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
        "AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$"
    )
    for table, columns in SEARCHED_COLUMNS.items():
        document = " || ' ' || ".join(columns)
        op.execute(
            f"CREATE INDEX ix_{table}_search ON {table} USING gin "
            f"(to_tsvector('spanish'::regconfig, minka_unaccent({document})))"
        )


def _upgrade_sqlite() -> None:
    for table, columns in SEARCHED_COLUMNS.items():
        fts = f"{table}_fts"
        names = ", ".join(columns)
        new = ", ".join(f"new.{column}" for column in columns)
        old = ", ".join(f"old.{column}" for column in columns)
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        insert = f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new});"
        delete = f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old});"
        op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END")
        op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END")
        # Only when the indexed text changes: counters are updated far more often.
        op.execute(
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} "
            f"BEGIN {delete} {insert} END"
        )
        op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
