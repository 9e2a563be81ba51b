"""text_matches: the full-text WHERE clause on both databases, through the real index."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import scoped_to
from app.debates.models import Debate
from app.proposals.models import Proposal
from app.search.service import fts5_query, search_terms, text_matches, tsquery
from app.tenants.models import Tenant
from tests.debates.factories import make_debate
from tests.proposals.factories import make_proposal


def _debates(db: Session, tenant: Tenant, text: str) -> list[int]:
    with scoped_to(db, tenant.id):
        statement = select(Debate.id).where(text_matches(Debate, text)).order_by(Debate.id)
        return list(db.scalars(statement))


def _proposals(db: Session, tenant: Tenant, text: str) -> list[int]:
    with scoped_to(db, tenant.id):
        statement = select(Proposal.id).where(text_matches(Proposal, text)).order_by(Proposal.id)
        return list(db.scalars(statement))


@pytest.mark.parametrize(
    "query",
    ["participacion", "participación", "PARTICIPACIÓN", "Participacion", "PARTICIPACION"],
)
def test_accents_and_case_do_not_matter_either_way(
    db: Session, tenant_a: Tenant, query: str
) -> None:
    accented = make_debate(db, tenant_a, title="Más participación ciudadana", body="Texto")
    plain = make_debate(db, tenant_a, title="Otra cosa", body="PARTICIPACION sin tildes")
    make_debate(db, tenant_a, title="Agua potable", body="Nada que ver")
    assert _debates(db, tenant_a, query) == [accented.id, plain.id]


def test_decomposed_accents_match_too(db: Session, tenant_a: Tenant) -> None:
    debate = make_debate(db, tenant_a, title="Canción del río", body="x")
    assert _debates(db, tenant_a, "cancio\u0301n") == [debate.id]
    assert _debates(db, tenant_a, "RIO") == [debate.id]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("ñawpaq", True),
        ("NAWPAQ", True),
        ("kusikuy", True),
        ("p'unchaw", True),
        ("punchaw", False),  # an apostrophe separates words, in the index as in the query
        ("wasi", True),
    ],
)
def test_quechua_words(db: Session, tenant_a: Tenant, query: str, found: bool) -> None:
    debate = make_debate(db, tenant_a, title="Ñawpaq wasi", body="Añay, kusikuy kay p'unchaw 🌽")
    assert _debates(db, tenant_a, query) == ([debate.id] if found else [])


def test_every_word_is_required_and_matched_as_a_prefix(db: Session, tenant_a: Tenant) -> None:
    both = make_debate(db, tenant_a, title="Agua potable", body="para el barrio alto")
    make_debate(db, tenant_a, title="Agua de riego", body="para las chacras")
    assert _debates(db, tenant_a, "agua barrio") == [both.id]
    assert _debates(db, tenant_a, "pota") == [both.id]


def test_proposals_are_searched_in_title_summary_and_body(db: Session, tenant_a: Tenant) -> None:
    by_title = make_proposal(db, tenant_a, title="Biblioteca comunal")
    by_summary = make_proposal(db, tenant_a, title="Otra", summary="Una biblioteca móvil")
    by_body = make_proposal(db, tenant_a, title="Tercera", body="Con **bibliotecas** rurales")
    make_proposal(db, tenant_a, title="Nada", summary="Nada", body="Nada")
    assert _proposals(db, tenant_a, "BIBLIOTECA") == [by_title.id, by_summary.id, by_body.id]


@pytest.mark.parametrize(
    "query",
    ['"', '""', "*", "OR", "AND", "NOT", "NEAR(", "NEAR(a b)", "-", "a OR b", "title:x",
     "^inicio", "(", ")", "{x}", "'", "\\", "x:*", "!x", "&", "|", "<->", "½ © ™ ß æ", "%_",
     "de la", "el", "x" * 300],
)  # fmt: skip
def test_query_syntax_is_never_interpreted(db: Session, tenant_a: Tenant, query: str) -> None:
    make_debate(db, tenant_a, title="Hola mundo", body="texto")
    _debates(db, tenant_a, query)  # no error from the database
    _proposals(db, tenant_a, query)


def test_operators_are_plain_words(db: Session, tenant_a: Tenant) -> None:
    with_or = make_debate(db, tenant_a, title="OR y NEAR", body="son palabras")
    other = make_debate(db, tenant_a, title="Puente", body="sin ellas")
    assert _debates(db, tenant_a, "OR") == [with_or.id]
    assert _debates(db, tenant_a, 'NEAR( "or" *') == [with_or.id]
    assert _debates(db, tenant_a, "-puente") == [other.id]  # not a negation


def test_text_without_words_filters_nothing(db: Session, tenant_a: Tenant) -> None:
    first = make_debate(db, tenant_a, title="Uno", body="x")
    second = make_debate(db, tenant_a, title="Dos", body="y")
    assert _debates(db, tenant_a, "") == [first.id, second.id]
    assert _debates(db, tenant_a, ' "* - ') == [first.id, second.id]


def test_queries_are_built_from_letters_and_digits_only() -> None:
    assert search_terms('Hola "mundo" OR-NEAR(x) p\'unchaw 2025 🌽') == [
        "Hola", "mundo", "OR", "NEAR", "x", "p", "unchaw", "2025",
    ]  # fmt: skip
    assert fts5_query(["OR", "año"]) == '"OR"* "año"*'
    assert tsquery(["OR", "año"]) == "OR:* & año:*"
    assert len("".join(search_terms("a" * 5000))) == 200


def test_index_follows_edits_and_deletes(db: Session, tenant_a: Tenant) -> None:
    debate = make_debate(db, tenant_a, title="Palabra vieja", body="cuerpo")
    assert _debates(db, tenant_a, "vieja") == [debate.id]
    with scoped_to(db, tenant_a.id):
        debate.title = "Palabra nueva"
        db.flush()
    assert _debates(db, tenant_a, "nueva") == [debate.id]
    assert _debates(db, tenant_a, "vieja") == []
    with scoped_to(db, tenant_a.id):
        db.delete(debate)
        db.flush()
    assert _debates(db, tenant_a, "palabra") == []


def test_counter_updates_keep_the_text_indexed(db: Session, tenant_a: Tenant) -> None:
    proposal = make_proposal(db, tenant_a, title="Semillas nativas")
    with scoped_to(db, tenant_a.id):
        proposal.supports_count = 3
        db.flush()
        proposal.summary = "Huertos escolares"
        db.flush()
    assert _proposals(db, tenant_a, "semillas huertos") == [proposal.id]


def test_other_instances_rows_are_not_found(
    db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    make_debate(db, tenant_a, title="Laguna azul", body="x")
    assert _debates(db, tenant_b, "laguna") == []
