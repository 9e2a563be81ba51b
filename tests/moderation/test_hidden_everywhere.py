"""Content hidden through the moderation routes disappears from every list, page, search
and API answer (for everyone but moderators reviewing it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.tenants.models import Tenant
from tests.comments.factories import make_comment
from tests.debates.factories import make_debate
from tests.moderation.helpers import post, signed_in
from tests.people import make_user
from tests.proposals.factories import make_proposal

GONE = "Pachamanca ocultable"
STAYS = "Pachamanca visible"


@pytest.fixture
def visitor(app: FastAPI, tenant_a: Tenant) -> Iterator[TestClient]:
    """An anonymous browser on the same instance as the moderator's."""
    with TestClient(app, base_url="http://alfa.test", raise_server_exceptions=False) as client:
        yield client


def _hide(client: TestClient, target_type: str, target_id: int) -> None:
    response = post(client, "/moderation/hide", target_type=target_type, target_id=str(target_id))
    assert response.status_code == 303


def _api_ids(client: TestClient, path: str) -> list[int]:
    response = client.get(path)
    assert response.status_code == 200, response.text[:300]
    return [item["id"] for item in response.json()["items"]]


def test_hidden_debate_leaves_the_list_search_and_api(
    client_a: TestClient, visitor: TestClient, db: Session, tenant_a: Tenant
) -> None:
    gone = make_debate(db, tenant_a, title=GONE)
    stays = make_debate(db, tenant_a, title=STAYS)
    signed_in(client_a, db, tenant_a, "moderator")
    assert GONE in visitor.get("/debates").text
    assert GONE in visitor.get("/search?q=pachamanca").text
    assert gone.id in _api_ids(visitor, "/api/v1/debates")

    _hide(client_a, "debate", gone.id)

    assert GONE not in visitor.get("/debates").text
    assert STAYS in visitor.get("/debates").text
    found = visitor.get("/search?q=pachamanca").text
    assert GONE not in found
    assert STAYS in found
    assert _api_ids(visitor, "/api/v1/debates") == [stays.id]
    assert visitor.get(f"/api/v1/debates/{gone.id}").status_code == 404
    assert visitor.get(f"/debates/{gone.id}").status_code == 404


def test_hidden_proposal_leaves_the_list_search_and_api(
    client_a: TestClient, visitor: TestClient, db: Session, tenant_a: Tenant
) -> None:
    gone = make_proposal(db, tenant_a, title=GONE)
    stays = make_proposal(db, tenant_a, title=STAYS)
    signed_in(client_a, db, tenant_a, "moderator")
    assert GONE in visitor.get("/proposals").text
    assert gone.id in _api_ids(visitor, "/api/v1/proposals")

    _hide(client_a, "proposal", gone.id)

    listed = visitor.get("/proposals").text
    assert GONE not in listed
    assert STAYS in listed
    found = visitor.get("/search?q=pachamanca").text
    assert GONE not in found
    assert STAYS in found
    assert _api_ids(visitor, "/api/v1/proposals") == [stays.id]
    assert visitor.get(f"/api/v1/proposals/{gone.id}").status_code == 404
    assert visitor.get(f"/proposals/{gone.id}").status_code == 404


def test_hidden_comment_leaves_the_thread_and_the_api(
    client_a: TestClient, visitor: TestClient, db: Session, tenant_a: Tenant
) -> None:
    debate = make_debate(db, tenant_a, title="Debate con comentarios")
    gone = make_comment(db, tenant_a, debate, body=GONE)
    stays = make_comment(db, tenant_a, debate, body=STAYS)
    signed_in(client_a, db, tenant_a, "moderator")
    assert GONE in visitor.get(f"/debates/{debate.id}").text
    comments = f"/api/v1/comments?target_type=debate&target_id={debate.id}"
    assert gone.id in _api_ids(visitor, comments)

    _hide(client_a, "comment", gone.id)

    page = visitor.get(f"/debates/{debate.id}").text
    assert GONE not in page
    assert STAYS in page
    assert _api_ids(visitor, comments) == [stays.id]
    assert visitor.get(f"/api/v1/comments/{gone.id}").status_code == 404
    assert visitor.get(f"/api/v1/debates/{debate.id}").json()["comments_count"] == 1


def test_blocked_author_content_leaves_lists_search_and_api(
    client_a: TestClient, visitor: TestClient, db: Session, tenant_a: Tenant
) -> None:
    author = make_user(db, tenant_a)
    debate = make_debate(db, tenant_a, author=author, title=GONE)
    proposal = make_proposal(db, tenant_a, author=author, title=GONE)
    elsewhere = make_debate(db, tenant_a, title=STAYS)
    comment = make_comment(db, tenant_a, elsewhere, author=author, body=GONE)
    signed_in(client_a, db, tenant_a, "moderator")

    assert post(client_a, f"/moderation/users/{author.id}/block").status_code == 303

    for path in ("/debates", "/proposals", "/search?q=pachamanca", f"/debates/{elsewhere.id}"):
        assert GONE not in visitor.get(path).text, path
    assert debate.id not in _api_ids(visitor, "/api/v1/debates")
    assert proposal.id not in _api_ids(visitor, "/api/v1/proposals")
    comments = f"/api/v1/comments?target_type=debate&target_id={elsewhere.id}"
    assert comment.id not in _api_ids(visitor, comments)
