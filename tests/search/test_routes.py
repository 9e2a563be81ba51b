"""The search page: debates and proposals together, hidden ones never, every text escaped."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.db import scoped_to, utcnow
from app.tenants.models import Tenant
from tests.debates.factories import make_debate
from tests.factories import HOSTILE
from tests.proposals.factories import make_proposal
from tests.rendering import context_of, template_name


def test_finds_debates_and_proposals_without_accents_or_case(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    debate = make_debate(db, tenant_a, title="Participación en el barrio", body=HOSTILE)
    proposal = make_proposal(db, tenant_a, title="Más PARTICIPACIÓN juvenil")
    make_debate(db, tenant_a, title="Otro tema", body="Nada")
    db.commit()
    response = client_a.get("/search", params={"q": "participacion"})
    assert response.status_code == 200
    assert template_name(response) == "search/results.html"
    hits = context_of(response)["hits"]
    assert {(hit.kind, hit.id) for hit in hits} == {
        ("debate", debate.id),
        ("proposal", proposal.id),
    }
    assert f'href="/debates/{debate.id}"' in response.text
    assert f'href="/proposals/{proposal.id}"' in response.text
    assert "Debate</span>" in response.text
    assert "Propuesta</span>" in response.text or "Proposal</span>" in response.text


def test_hostile_text_is_escaped(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    make_debate(db, tenant_a, title=f"Kusikuy {HOSTILE}", body=HOSTILE)
    make_proposal(db, tenant_a, title=f"Kusikuy {HOSTILE}")
    db.commit()
    # PostgreSQL's parser skips what looks like an HTML tag, so search the words around it.
    response = client_a.get("/search", params={"q": "kusikuy ñawpaq"})
    assert response.status_code == 200
    assert len(context_of(response)["hits"]) == 2
    assert "<script>" not in response.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in response.text
    assert "Ñawpaq" in response.text
    # The words searched come back in the form and the message, escaped too.
    echoed = client_a.get("/search", params={"q": HOSTILE})
    assert echoed.status_code == 200
    assert "<script>" not in echoed.text
    assert "&lt;script&gt;" in echoed.text


def test_hidden_content_is_never_found(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    shown = make_debate(db, tenant_a, title="Laguna visible", body="x")
    make_debate(db, tenant_a, title="Laguna oculta", body="x", hidden=True)
    make_proposal(db, tenant_a, title="Laguna escondida", hidden=True)
    db.commit()
    response = client_a.get("/search", params={"q": "laguna"})
    assert [(hit.kind, hit.id) for hit in context_of(response)["hits"]] == [("debate", shown.id)]
    assert "oculta" not in response.text
    assert "escondida" not in response.text


def test_type_filter(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    debate = make_debate(db, tenant_a, title="Puente nuevo", body="x")
    proposal = make_proposal(db, tenant_a, title="Puente colgante")
    db.commit()

    def kinds(kind: str) -> list[tuple[str, int]]:
        response = client_a.get("/search", params={"q": "puente", "type": kind})
        assert response.status_code == 200
        return sorted((hit.kind, hit.id) for hit in context_of(response)["hits"])

    assert kinds("debate") == [("debate", debate.id)]
    assert kinds("proposal") == [("proposal", proposal.id)]
    assert kinds("all") == [("debate", debate.id), ("proposal", proposal.id)]
    assert kinds("<script>") == kinds("all")


def test_pages_of_25_newest_first(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    start = utcnow() - timedelta(days=60)
    ids = []
    for number in range(30):
        if number % 2:
            debate = make_debate(db, tenant_a, title=f"Chacra {number}", body="x")
            with scoped_to(db, tenant_a.id):
                debate.created_at = start + timedelta(days=number)
            ids.append(("debate", debate.id))
        else:
            made = make_proposal(
                db, tenant_a, title=f"Chacra {number}", created_at=start + timedelta(days=number)
            )
            ids.append(("proposal", made.id))
    db.commit()
    newest_first = list(reversed(ids))
    first = client_a.get("/search", params={"q": "chacra"})
    context = context_of(first)
    assert [(hit.kind, hit.id) for hit in context["hits"]] == newest_first[:25]
    assert context["has_next"] is True
    assert 'rel="next" href="/search?q=chacra&amp;type=all&amp;page=2"' in first.text
    second = client_a.get("/search", params={"q": "chacra", "page": "2"})
    context = context_of(second)
    assert [(hit.kind, hit.id) for hit in context["hits"]] == newest_first[25:]
    assert context["has_next"] is False
    assert 'rel="prev"' in second.text
    assert 'rel="next"' not in second.text


def test_empty_query_shows_a_prompt(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    make_debate(db, tenant_a, title="Algo", body="x")
    db.commit()
    for params in ({}, {"q": ""}, {"q": "   "}, {"q": '"*-'}):
        response = client_a.get("/search", params=params)
        assert response.status_code == 200
        assert context_of(response)["hits"] == []
        assert 'class="search-prompt"' in response.text or "search-results" not in response.text


def test_nothing_found_says_so(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    response = client_a.get("/search", params={"q": "inexistente"})
    assert response.status_code == 200
    assert context_of(response)["hits"] == []
    assert 'role="status"' in response.text


def test_long_or_odd_input_never_fails(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    make_debate(db, tenant_a, title="Palabra " + "a" * 100, body="x")
    db.commit()
    long = client_a.get("/search", params={"q": "palabra " + "x" * 300})
    assert long.status_code == 200
    assert context_of(long)["shortened"] is True
    assert len(context_of(long)["q"]) == 200
    for params in (
        {"q": "x", "page": "-1"},
        {"q": "x", "page": "abc"},
        {"q": "x", "page": "99999999999999999999"},
        {"q": "\x00"},
        {"q": 'NEAR( "OR" * -'},
    ):
        assert client_a.get("/search", params=params).status_code == 200
    # Bytes that are not UTF-8, as a hostile client may send them.
    assert client_a.get("/search?q=%FF%FE%C3%28participacion&type=%FF").status_code == 200
    assert client_a.get("/search", params={"q": "x" * 5000}).status_code == 422


def test_other_instances_content_is_not_found(
    db: Session, tenant_a: Tenant, tenant_b: Tenant, client_b: TestClient
) -> None:
    make_debate(db, tenant_a, title="Solo en alfa", body="x")
    make_proposal(db, tenant_a, title="Solo en alfa")
    db.commit()
    response = client_b.get("/search", params={"q": "alfa"})
    assert context_of(response)["hits"] == []
