from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.main import create_app
from app.tenants.models import Tenant
from app.tenants.schemas import normalize_host
from tests.conftest import SECRET, client_for
from tests.rendering import context_of, template_name


def test_each_host_serves_its_own_instance(client_a: TestClient, client_b: TestClient) -> None:
    page_a = client_a.get("/")
    page_b = client_b.get("/")
    assert page_a.status_code == page_b.status_code == 200
    assert context_of(page_a)["tenant"].slug == "alfa"
    assert context_of(page_b)["tenant"].slug == "beta"
    assert " beta<" not in page_a.text
    assert "beta" not in context_of(page_a)["tenant"].name
    assert "alfa" not in page_b.text


def test_port_and_case_of_the_host_do_not_matter(app: FastAPI, tenant_a: Tenant) -> None:
    with client_for(app, "ALFA.test:8000") as client:
        response = client.get("/")
    assert response.status_code == 200
    assert context_of(response)["tenant"].slug == "alfa"


def test_unknown_host_gets_a_clear_404_page(app: FastAPI, tenant_a: Tenant) -> None:
    with client_for(app, "nowhere.example") as client:
        response = client.get("/", headers={"Accept-Language": "es"})
    assert response.status_code == 404
    assert template_name(response) == "errors/error.html"
    assert "No hay ninguna instancia de Minka en esta dirección." in response.text
    assert "alfa" not in response.text


def test_default_tenant_serves_unknown_hosts_when_configured(
    tmp_path, database_url: str, sessions: sessionmaker[Session], tenant_a: Tenant
) -> None:
    settings = Settings(
        var_dir=tmp_path, database_url=database_url, secret_key=SECRET, default_tenant="alfa"
    )
    application = create_app(settings)
    application.state.sessionmaker = sessions
    with client_for(application, "nowhere.example") as client:
        response = client.get("/")
    application.state.engine.dispose()
    assert response.status_code == 200
    assert context_of(response)["tenant"].slug == "alfa"


@pytest.mark.parametrize(
    ("header", "host"),
    [
        ("Trujillo.Localhost:8000", "trujillo.localhost"),
        ("127.0.0.1:8000", "127.0.0.1"),
        ("example.org.", "example.org"),
        ("[::1]:8000", "[::1]"),
        ("localhost", "localhost"),
    ],
)
def test_host_header_is_normalized(header: str, host: str) -> None:
    assert normalize_host(header) == host


def test_health_check_needs_no_instance(app: FastAPI) -> None:
    with client_for(app, "nowhere.example") as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}
