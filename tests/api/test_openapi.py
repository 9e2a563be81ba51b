"""The API describes itself: a valid OpenAPI document and a page for people."""

from __future__ import annotations

from fastapi.openapi.models import OpenAPI
from fastapi.testclient import TestClient

from tests.rendering import template_name

PATHS = {
    "/api/v1/debates",
    "/api/v1/debates/{debate_id}",
    "/api/v1/proposals",
    "/api/v1/proposals/{proposal_id}",
    "/api/v1/comments",
    "/api/v1/comments/{comment_id}",
}


def test_openapi_document_lists_every_path(client_a: TestClient) -> None:
    response = client_a.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["access-control-allow-origin"] == "*"
    document = response.json()
    # FastAPI's own model of the OpenAPI 3.1 format: the document has its shape.
    OpenAPI.model_validate(document)
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == PATHS
    assert all(set(operations) == {"get"} for operations in document["paths"].values())
    body = document["components"]["schemas"]["Debate"]["properties"]["body"]
    assert "Markdown" in body["description"]
    assert "sanitize" in body["description"]
    author = document["components"]["schemas"]["Author"]["properties"]
    assert "email" not in author
    # The site's own pages are not part of the API.
    assert not any(path.startswith(("/debates", "/search", "/login")) for path in document["paths"])


def test_index_page_links_to_the_document(client_a: TestClient) -> None:
    response = client_a.get("/api/v1")
    assert response.status_code == 200
    assert template_name(response) == "api/index.html"
    assert 'href="/api/v1/openapi.json"' in response.text
    assert "/api/v1/proposals/{proposal_id}" in response.text
