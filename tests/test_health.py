from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app
from tests.conftest import SECRET, client_for
from tests.databases import ON_POSTGRES


def _unreachable_database_url(tmp_path: Path) -> str:
    if ON_POSTGRES:
        return "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"
    return f"sqlite:///{tmp_path}/missing-directory/minka.db"


def test_health_is_ok_when_the_database_answers(client_a: TestClient) -> None:
    response = client_a.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "up"


def test_health_is_503_when_the_database_is_down(tmp_path: Path) -> None:
    settings = Settings(
        var_dir=tmp_path, database_url=_unreachable_database_url(tmp_path), secret_key=SECRET
    )
    application = create_app(settings)
    with client_for(application, "127.0.0.1") as client:
        health = client.get("/healthz")
        page = client.get("/")
    application.state.engine.dispose()
    assert health.status_code == 503
    assert health.json() == {"status": "unavailable", "database": "down"}
    assert page.status_code == 503
    assert "Servicio no disponible" in page.text
    assert "Traceback" not in page.text
