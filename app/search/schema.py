"""Names of the full-text search objects that live outside the models (see migration 0005).

PostgreSQL indexes an expression (``to_tsvector`` over the unaccented text) and SQLite keeps
FTS5 tables in step with triggers; neither can be declared on a model, so autogenerate must
not see them as differences. Migration 0005 keeps its own frozen copy of these names.
"""

from __future__ import annotations

# The columns each searchable table is indexed over, in this order.
SEARCHED_COLUMNS: dict[str, tuple[str, ...]] = {
    "debates": ("title", "body"),
    "proposals": ("title", "summary", "body"),
}
TEXT_SEARCH_CONFIG = "spanish"


def fts_table(table: str) -> str:
    """The SQLite FTS5 table that indexes ``table``."""
    return f"{table}_fts"


def search_index(table: str) -> str:
    """The PostgreSQL GIN expression index over ``table``."""
    return f"ix_{table}_search"


def is_search_object(name: str | None) -> bool:
    """True for the FTS5 tables (and their shadow tables) and the GIN expression indexes."""
    if name is None:
        return False
    return any(
        name == search_index(table)
        or name == fts_table(table)
        or name.startswith(fts_table(table) + "_")
        for table in SEARCHED_COLUMNS
    )
