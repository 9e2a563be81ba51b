from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import ROUTERS, create_app
from app.security import safe_next
from app.tenants.models import Tenant
from tests.conftest import SECRET, client_for
from tests.people import csrf_of
from tests.rendering import template_name

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def unsafe_routes() -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for router in ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in (route.methods or set()) & UNSAFE
    )


def test_there_are_state_changing_routes_to_protect() -> None:
    assert ("POST", "/language") in unsafe_routes()


@pytest.mark.parametrize(("method", "path"), unsafe_routes())
def test_every_state_changing_route_refuses_a_missing_token(
    client_a: TestClient, method: str, path: str
) -> None:
    client_a.get("/")  # a session with a token exists, but the form does not send it
    response = client_a.request(method, path, data={"language": "qu"})
    assert response.status_code == 403
    assert template_name(response) == "errors/error.html"
    assert "minka_lang" not in response.cookies


def test_a_wrong_token_is_refused(client_a: TestClient) -> None:
    client_a.get("/")
    response = client_a.post("/language", data={"language": "qu", "csrf_token": "forged"})
    assert response.status_code == 403


def test_a_foreign_origin_is_refused_even_with_the_token(client_a: TestClient) -> None:
    token = csrf_of(client_a)
    response = client_a.post(
        "/language",
        data={"language": "qu", "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert "minka_lang" not in response.cookies


def test_a_foreign_referer_is_refused(client_a: TestClient) -> None:
    token = csrf_of(client_a)
    response = client_a.post(
        "/language",
        data={"language": "qu", "csrf_token": token},
        headers={"Referer": "http://beta.test/"},
    )
    assert response.status_code == 403


def test_the_friendly_403_page_is_translated(client_a: TestClient) -> None:
    client_a.get("/")
    response = client_a.post("/language", data={"language": "qu"})
    assert "Tu formulario venció o vino de otro sitio." in response.text


def test_same_origin_form_with_token_is_accepted(client_a: TestClient) -> None:
    token = csrf_of(client_a)
    response = client_a.post(
        "/language",
        data={"language": "qu", "csrf_token": token, "next": "/geozones"},
        headers={"Origin": "http://alfa.test"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/geozones"


def test_token_in_header_is_accepted(client_a: TestClient) -> None:
    token = csrf_of(client_a)
    response = client_a.post(
        "/language",
        data={"language": "en"},
        headers={"X-CSRF-Token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303


@pytest.mark.parametrize("path", ["/", "/geozones", "/no-such-page", "/healthz", "/branding.css"])
def test_security_headers_on_every_response(client_a: TestClient, path: str) -> None:
    headers = client_a.get(path).headers
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in headers


def test_no_inline_scripts_or_styles_in_pages(client_a: TestClient) -> None:
    html = client_a.get("/").text
    assert "<script" not in html.replace("&lt;script", "")
    assert "<style" not in html
    assert " style=" not in html


def test_session_cookie_is_signed_httponly_and_lax(client_a: TestClient) -> None:
    response = client_a.get("/")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("minka_session=")
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()


def test_https_deployment_sets_secure_cookie_and_hsts(
    tmp_path, database_url: str, sessions, tenant_a: Tenant
) -> None:
    settings = Settings(
        var_dir=tmp_path,
        database_url=database_url,
        secret_key=SECRET,
        base_url="https://participa.example.gob.pe",
    )
    application = create_app(settings)
    application.state.sessionmaker = sessions
    with client_for(application, "alfa.test") as client:
        response = client.get("/")
    application.state.engine.dispose()
    assert "; secure" in response.headers["set-cookie"].lower()
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_oversized_body_is_refused(client_a: TestClient, settings: Settings) -> None:
    token = csrf_of(client_a)
    response = client_a.post(
        "/language",
        data={"language": "qu", "csrf_token": token, "next": "x" * (settings.max_body_bytes + 1)},
    )
    assert response.status_code == 413


def test_oversized_streamed_body_is_refused(client_a: TestClient, settings: Settings) -> None:
    def chunks():
        for _ in range(settings.max_body_bytes // 1024 + 2):
            yield b"x" * 1024

    response = client_a.post(
        "/language",
        content=chunks(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/geozones", "/geozones"),
        ("/pages/acerca?x=1", "/pages/acerca?x=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        (None, "/"),
        ("/ok\r\nSet-Cookie: x=1", "/"),
    ],
)
def test_redirect_targets_stay_on_this_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_language_switch_ignores_an_open_redirect(client_a: TestClient) -> None:
    token = csrf_of(client_a)
    response = client_a.post(
        "/language",
        data={"language": "en", "csrf_token": token, "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_api_docs_are_not_exposed(client_a: TestClient, app: FastAPI) -> None:
    assert client_a.get("/docs").status_code == 404
    assert client_a.get("/openapi.json").status_code == 404
