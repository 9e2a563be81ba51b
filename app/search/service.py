"""Full-text search through each database's own index (built by migration 0005).

``text_matches(model, text)`` is one WHERE clause that compiles per dialect, so callers need
no session or dialect: on PostgreSQL it is the indexed ``to_tsvector`` expression matched with
``to_tsquery``; on SQLite a ``rowid IN (… MATCH …)`` lookup in the FTS5 table. Both ignore
case and accents ("participacion" finds "PARTICIPACIÓN"), match every word as a prefix, require
all of them, and never let a user's text become query syntax: only runs of letters and digits
reach the query language.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import Boolean, ColumnElement, bindparam, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter, ClauseList
from sqlalchemy.sql.visitors import InternalTraversal

from app.search.schema import SEARCHED_COLUMNS, TEXT_SEARCH_CONFIG, fts_table

MAX_QUERY_LENGTH = 200
# What FTS5's unicode61 tokenizer treats as a token: runs of letters and digits (an apostrophe,
# as in Quechua "p'unchaw", separates tokens there too, and so it does here).
_TOKEN = re.compile(r"[^\W_]+")


def search_terms(text: str) -> list[str]:
    """The words of a query, without punctuation or operators, at most 200 characters read.

    NFKC first, so decomposed accents stay in their word and ligatures or fractions become
    plain letters and digits."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text[:MAX_QUERY_LENGTH]))


def fts5_query(terms: list[str]) -> str:
    """FTS5 MATCH syntax: each word quoted (so OR, NEAR or AND are plain words) as a prefix."""
    return " ".join(f'"{term}"*' for term in terms)


def tsquery(terms: list[str]) -> str:
    """PostgreSQL ``to_tsquery`` syntax: each word (letters and digits only) as a prefix."""
    return " & ".join(f"{term}:*" for term in terms)


class FullTextMatch(ColumnElement[bool]):
    """``model`` rows whose indexed text matches; compiled by the functions below."""

    type = Boolean()
    inherit_cache = True
    _traverse_internals = [  # noqa: RUF012 - declared so by SQLAlchemy
        ("row_id", InternalTraversal.dp_clauseelement),
        ("columns", InternalTraversal.dp_clauseelement),
        ("fts_table", InternalTraversal.dp_string),
        ("ts_query", InternalTraversal.dp_clauseelement),
        ("fts_query", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, model: Any, terms: list[str]) -> None:
        table = model.__table__.name
        self.row_id = model.id
        self.columns = ClauseList(*(getattr(model, name) for name in SEARCHED_COLUMNS[table]))
        self.fts_table = fts_table(table)
        # Both forms travel in the statement; each dialect renders only its own.
        self.ts_query: BindParameter[str] = bindparam("search_tsquery", tsquery(terms), unique=True)
        self.fts_query: BindParameter[str] = bindparam("search_fts", fts5_query(terms), unique=True)


@compiles(FullTextMatch, "postgresql")
def _compile_postgresql(element: FullTextMatch, compiler: SQLCompiler, **kw: Any) -> str:
    # Must stay the very expression of the GIN index in migration 0005, or it is not used.
    document = " || ' ' || ".join(compiler.process(column, **kw) for column in element.columns)
    config = f"'{TEXT_SEARCH_CONFIG}'::regconfig"
    query = compiler.process(element.ts_query, **kw)
    return (
        f"to_tsvector({config}, minka_unaccent({document})) "
        f"@@ to_tsquery({config}, minka_unaccent({query}))"
    )


@compiles(FullTextMatch, "sqlite")
def _compile_sqlite(element: FullTextMatch, compiler: SQLCompiler, **kw: Any) -> str:
    key = compiler.process(element.row_id, **kw)
    query = compiler.process(element.fts_query, **kw)
    fts = element.fts_table  # one of our fixed table names, never user input
    return f"{key} IN (SELECT rowid FROM {fts} WHERE {fts} MATCH {query})"  # noqa: S608


@compiles(FullTextMatch)
def _compile_other(element: FullTextMatch, compiler: SQLCompiler, **kw: Any) -> str:
    raise NotImplementedError(f"no full-text search for {compiler.dialect.name}")


def text_matches(model: Any, text: str) -> ColumnElement[bool]:
    """A WHERE clause: rows of ``model`` (Debate or Proposal) whose text matches ``text``.

    Text without any word (empty, or only punctuation) filters nothing."""
    terms = search_terms(text)
    if not terms:
        return true()
    return FullTextMatch(model, terms)
