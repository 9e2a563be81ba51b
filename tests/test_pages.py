"""The base interface: home, sections, territories, footer pages, error pages, escaping."""

from __future__ import annotations

import json
import logging
import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.sections.catalog import SECTIONS
from app.static_files import static_url
from app.tenants.models import Tenant
from tests.conftest import client_for
from tests.factories import make_geozone, make_page
from tests.rendering import context_of, template_name

ESCAPED_SCRIPT = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"


def test_home_shows_the_instance_and_the_navigation(client_a: TestClient) -> None:
    response = client_a.get("/")
    assert response.status_code == 200
    assert template_name(response) == "home.html"
    for section in SECTIONS:
        assert f'href="{section.path}"' in response.text
    assert 'class="skip" href="#content"' in response.text
    assert 'id="content"' in response.text
    assert 'name="viewport"' in response.text


@pytest.mark.parametrize("section", [s for s in SECTIONS if not s.available], ids=lambda s: s.key)
def test_unbuilt_sections_say_so_plainly(client_a: TestClient, section) -> None:
    response = client_a.get(section.path)
    assert response.status_code == 200
    assert "Esta sección aún no está disponible." in response.text
    assert 'aria-current="page"' in response.text


def test_hostile_text_is_escaped_everywhere(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    zone = make_geozone(db, tenant_a)
    make_page(db, tenant_a, slug="acerca")
    db.commit()
    for path in ("/", "/geozones", f"/geozones/{zone.id}", "/pages/acerca", "/no-such-page"):
        html = client_a.get(path).text
        assert "<script>alert" not in html, path
        assert ESCAPED_SCRIPT in html, path
        assert "kusikuy 🌽" in html, path


def test_footer_links_the_instance_pages(
    db: Session, tenant_a: Tenant, tenant_b: Tenant, client_a: TestClient
) -> None:
    make_page(db, tenant_a, slug="privacidad", position=1)
    make_page(db, tenant_a, slug="oculta", position=None)
    make_page(db, tenant_b, slug="de-beta", position=0)
    db.commit()
    html = client_a.get("/").text
    assert 'href="/pages/privacidad"' in html
    assert 'href="/pages/oculta"' not in html
    assert 'href="/pages/de-beta"' not in html


def test_page_paragraphs(db: Session, tenant_a: Tenant, client_a: TestClient) -> None:
    make_page(db, tenant_a, slug="acerca")
    db.commit()
    response = client_a.get("/pages/acerca")
    assert response.status_code == 200
    assert "<p>Segundo párrafo.</p>" in response.text


def test_territories_list_rural_and_urban(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    make_geozone(db, tenant_a, code="R1", kind="rural")
    make_geozone(db, tenant_a, code="U1", kind="urban")
    db.commit()
    response = client_a.get("/geozones")
    assert [zone.code for zone in context_of(response)["zones"]] == ["R1", "U1"]
    assert "Rural" in response.text
    assert "Urbano" in response.text
    home = client_a.get("/")
    assert "2 territorios, 1 de ellos rurales." in home.text


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/no-such-page", 404, "Página no encontrada"),
        ("/geozones/999999", 404, "Página no encontrada"),
        ("/geozones/not-a-number", 422, "Datos no válidos"),
        ("/pages/none", 404, "Página no encontrada"),
        ("/healthz?x=1", 200, "ok"),
    ],
)
def test_error_pages_keep_the_layout(
    client_a: TestClient, path: str, status: int, text: str
) -> None:
    response = client_a.get(path)
    assert response.status_code == status
    assert text in response.text
    if status >= 400:
        assert 'class="site-header"' in response.text
        assert "Traceback" not in response.text


def test_405_page(client_a: TestClient) -> None:
    response = client_a.put("/geozones", headers={"X-CSRF-Token": "x"})
    assert response.status_code in {403, 405}
    response = client_a.get("/language")
    assert response.status_code == 405
    assert 'class="site-header"' in response.text


def test_500_page_shows_no_internals(app: FastAPI, tenant_a: Tenant, caplog) -> None:
    def explode() -> None:
        raise RuntimeError("secret internal detail")

    app.add_api_route("/explode", explode)
    with client_for(app, "alfa.test") as client:
        response = client.get("/explode")
    assert response.status_code == 500
    assert "Algo salió mal" in response.text
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    assert 'class="site-header"' in response.text
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert any("secret internal detail" in str(r.exc_info) for r in caplog.records if r.exc_info)


def test_branding_stylesheet_uses_the_instance_colours(
    db: Session, tenant_a: Tenant, client_a: TestClient
) -> None:
    response = client_a.get("/branding.css")
    assert response.headers["content-type"].startswith("text/css")
    assert f"--primary:{tenant_a.primary_color}" in response.text


def test_pages_are_compressed_for_slow_connections(client_a: TestClient) -> None:
    response = client_a.get("/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    raw = client_a.get("/static/css/minka.css", headers={"Accept-Encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip"
    assert ":root" in raw.text


def test_one_log_line_per_request(client_a: TestClient, caplog) -> None:
    request_log = logging.getLogger("minka.request")
    request_log.addHandler(caplog.handler)  # the request log does not propagate to the root
    try:
        client_a.get("/geozones")
        client_a.get('/nope%0A{"event":"forged"}')
    finally:
        request_log.removeHandler(caplog.handler)
    messages = [r.getMessage() for r in caplog.records if r.name == "minka.request"]
    assert len(messages) == 2
    assert all("\n" not in message for message in messages)  # no forged log lines
    first, second = (json.loads(message) for message in messages)
    assert first["tenant"] == "alfa"
    assert first["status"] == 200
    assert first["path"] == "/geozones"
    assert first["method"] == "GET"
    assert isinstance(first["duration_ms"], float)
    assert second["status"] == 404
    assert second["path"] == '/nope\n{"event":"forged"}'


def test_versioned_static_files_are_cached_for_long(client_a: TestClient) -> None:
    html = client_a.get("/").text
    match = re.search(r'href="(/static/css/minka\.css\?v=[0-9a-f]{10})"', html)
    assert match
    versioned = client_a.get(match.group(1))
    assert versioned.status_code == 200
    assert "immutable" in versioned.headers["cache-control"]
    plain = client_a.get("/static/css/minka.css")
    assert "cache-control" not in plain.headers
    assert client_a.get("/static/../app/config.py").status_code == 404


def test_logo_url_is_versioned() -> None:
    assert re.fullmatch(
        r"/static/img/logo-otuzco\.svg\?v=[0-9a-f]{10}", static_url("/static/img/logo-otuzco.svg")
    )
    assert static_url("/static/img/missing.svg") == "/static/img/missing.svg"
