"""The read-only JSON API: fields, keyset pages, hidden content never, exact text, errors."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.tenants.models import Tenant
from tests.api.factories import make_answer, make_comment
from tests.debates.factories import make_debate
from tests.factories import HOSTILE
from tests.people import make_user
from tests.proposals.factories import make_proposal


def _json(response: Any) -> Any:
    assert response.headers["content-type"] == "application/json"
    assert response.headers["access-control-allow-origin"] == "*"
    return response.json()


def test_debates_list_and_detail(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    author = make_user(db, tenant_a, name=HOSTILE, email="autora@example.org")
    debate = make_debate(db, tenant_a, author=author)
    db.commit()
    listed = _json(client_a.get("/api/v1/debates"))
    assert listed["next"] is None
    [item] = listed["items"]
    assert item["id"] == debate.id
    assert item["url"] == f"/debates/{debate.id}"
    # Hostile text comes back exactly as written: JSON escapes it, nothing else touches it.
    assert item["title"] == HOSTILE[:150]
    assert item["body"] == HOSTILE
    assert item["author"] == {"name": author.display_name, "organization": False}
    assert author.display_name.startswith(HOSTILE)
    assert item["created_at"].endswith(("+00:00", "Z"))
    assert {"votes_agree", "votes_disagree", "comments_count", "tags"} <= set(item)
    detail = client_a.get(f"/api/v1/debates/{debate.id}")
    assert _json(detail) == item
    for response in (client_a.get("/api/v1/debates"), detail):
        # No markup even as bytes: <, > and & travel as \u escapes (the same JSON value).
        assert "<script>" not in response.text
        assert "\\u003cscript\\u003e" in response.text
        assert "autora@example.org" not in response.text
        assert "email" not in response.text
        assert "set-cookie" not in response.headers


def test_proposals_have_supports_state_and_current_answer(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    answered = make_proposal(db, tenant_a, successful=True, supports_needed=5)
    make_answer(db, tenant_a, answered.id, "under_study", days_ago=3)
    make_answer(db, tenant_a, answered.id, "accepted", days_ago=1)
    waiting = make_proposal(db, tenant_a, supports_count=2, supports_needed=10)
    db.commit()
    items = _json(client_a.get("/api/v1/proposals"))["items"]
    assert [item["id"] for item in items] == [answered.id, waiting.id]
    first, second = items
    assert (first["state"], first["supports_count"], first["supports_needed"]) == (
        "successful",
        5,
        5,
    )
    assert first["answer"]["status"] == "accepted"
    assert first["answer"]["body"] == f"{HOSTILE} accepted"
    assert first["answer"]["office"] == f"{HOSTILE} oficina"
    assert first["answer"]["answered_at"]
    assert first["summary"] == f"{HOSTILE} resumen"
    assert (second["state"], second["supports_count"], second["answer"]) == ("open", 2, None)
    assert _json(client_a.get(f"/api/v1/proposals/{answered.id}")) == first


def test_keyset_pages_follow_next(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    author = make_user(db, tenant_a)
    ids = [make_debate(db, tenant_a, author=author).id for _ in range(7)]
    make_debate(db, tenant_a, author=author, hidden=True)
    db.commit()
    seen: list[int] = []
    url: str | None = "/api/v1/debates?limit=3"
    pages = 0
    while url is not None:
        page = _json(client_a.get(url))
        assert len(page["items"]) <= 3
        seen += [item["id"] for item in page["items"]]
        url = page["next"]
        pages += 1
        if url is not None:
            assert url.startswith("http://alfa.test/api/v1/debates?")
            assert "limit=3" in url
    assert seen == ids
    assert pages == 3
    after = _json(client_a.get(f"/api/v1/debates?after={ids[4]}"))
    assert [item["id"] for item in after["items"]] == ids[5:]
    assert _json(client_a.get("/api/v1/debates?limit=100"))["next"] is None


def test_hidden_content_never_appears(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    hidden_debate = make_debate(db, tenant_a, title="Oculto", hidden=True)
    hidden_proposal = make_proposal(db, tenant_a, title="Oculta", hidden=True)
    debate = make_debate(db, tenant_a)
    make_comment(db, tenant_a, "debate", hidden_debate.id, body="bajo un debate oculto")
    make_comment(db, tenant_a, "debate", debate.id, body="comentario oculto", hidden=True)
    make_comment(db, tenant_a, "debate", debate.id, body="comentario borrado", deleted=True)
    shown = make_comment(db, tenant_a, "debate", debate.id)
    db.commit()
    for path in ("/api/v1/debates", "/api/v1/proposals"):
        response = client_a.get(path)
        assert "Ocult" not in response.text
    assert _json(client_a.get("/api/v1/proposals"))["items"] == []
    for path in (
        f"/api/v1/debates/{hidden_debate.id}",
        f"/api/v1/proposals/{hidden_proposal.id}",
        f"/api/v1/comments?target_type=debate&target_id={hidden_debate.id}",
        f"/api/v1/comments?target_type=proposal&target_id={hidden_proposal.id}",
    ):
        response = client_a.get(path)
        assert response.status_code == 404, path
        assert "error" in _json(response)
    listed = _json(client_a.get(f"/api/v1/comments?target_type=debate&target_id={debate.id}"))
    assert [item["id"] for item in listed["items"]] == [shown.id]
    assert listed["items"][0]["body"] == HOSTILE
    assert "oculto" not in str(listed)
    assert "borrado" not in str(listed)


def test_comment_detail(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    author = make_user(db, tenant_a, name="Comentarista", email="c@example.org")
    debate = make_debate(db, tenant_a)
    hidden_debate = make_debate(db, tenant_a, hidden=True)
    comment = make_comment(db, tenant_a, "debate", debate.id, author_id=author.id)
    reply = make_comment(db, tenant_a, "debate", debate.id, parent_id=comment.id)
    hidden = make_comment(db, tenant_a, "debate", debate.id, hidden=True)
    deleted = make_comment(db, tenant_a, "debate", debate.id, deleted=True)
    under_hidden = make_comment(db, tenant_a, "debate", hidden_debate.id)
    db.commit()
    item = _json(client_a.get(f"/api/v1/comments/{comment.id}"))
    assert item["body"] == HOSTILE
    assert item["author"] == {"name": author.display_name, "organization": False}
    assert (item["target_type"], item["target_id"], item["parent_id"]) == (
        "debate",
        debate.id,
        None,
    )
    assert _json(client_a.get(f"/api/v1/comments/{reply.id}"))["parent_id"] == comment.id
    assert "c@example.org" not in client_a.get(f"/api/v1/comments/{comment.id}").text
    for missing in (hidden.id, deleted.id, under_hidden.id, 10**9):
        assert client_a.get(f"/api/v1/comments/{missing}").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/debates?limit=0",
        "/api/v1/debates?limit=101",
        "/api/v1/debates?limit=abc",
        "/api/v1/proposals?after=-1",
        "/api/v1/proposals?after=99999999999999999999999",
        "/api/v1/debates/abc",
        "/api/v1/debates/0",
        "/api/v1/proposals/99999999999999999999999",
        "/api/v1/comments",
        "/api/v1/comments?target_type=debate",
        "/api/v1/comments?target_type=debate&target_id=x",
        "/api/v1/comments?target_type=nada&target_id=1",
    ],
)
def test_bad_parameters_are_a_clear_422(client_a: TestClient, path: str) -> None:
    response = client_a.get(path)
    assert response.status_code == 422
    body = _json(response)
    assert body["error"]
    if "nada" not in path:
        problem = body["details"][0]
        assert problem["parameter"] in {
            "limit",
            "after",
            "debate_id",
            "proposal_id",
            "target_type",
            "target_id",
        }
        assert problem["parameter"] in body["error"]
        assert problem["message"]


def test_unknown_objects_are_a_json_404(client_a: TestClient) -> None:
    for path in ("/api/v1/debates/123456", "/api/v1/proposals/123456", "/api/v1/nada"):
        response = client_a.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"]


def test_read_only(client_a: TestClient) -> None:
    response = client_a.post("/api/v1/debates", json={"title": "x"})
    assert response.status_code in (403, 405)
    assert response.headers["content-type"] == "application/json"


def test_another_instance_sees_nothing(
    db: Session, tenant_a: Tenant, tenant_b: Tenant, client_b: TestClient
) -> None:
    debate = make_debate(db, tenant_a)
    proposal = make_proposal(db, tenant_a)
    comment = make_comment(db, tenant_a, "debate", debate.id)
    db.commit()
    assert _json(client_b.get("/api/v1/debates"))["items"] == []
    assert _json(client_b.get("/api/v1/proposals"))["items"] == []
    for path in (
        f"/api/v1/debates/{debate.id}",
        f"/api/v1/proposals/{proposal.id}",
        f"/api/v1/comments/{comment.id}",
        f"/api/v1/comments?target_type=debate&target_id={debate.id}",
    ):
        assert client_b.get(path).status_code == 404, path


def test_a_list_page_takes_a_fixed_number_of_queries(
    db: Session, tenant_a: Tenant, client_a: TestClient, app: Any
) -> None:
    for _ in range(25):
        proposal = make_proposal(db, tenant_a)
        make_answer(db, tenant_a, proposal.id, "accepted")
    db.commit()
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    connection = db.connection()
    event.listen(connection, "before_cursor_execute", count)
    try:
        response = client_a.get("/api/v1/proposals")
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert len(_json(response)["items"]) == 25
    selects = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    # Tenant and session look-ups by the middleware, then proposals, tags, authors, answers.
    assert len(selects) <= 8, selects
