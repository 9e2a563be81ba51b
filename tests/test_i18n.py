from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.i18n import LANGUAGES, LOCALE_DIR, choose_language, parse_accept_language
from app.tenants.models import Tenant
from tests.people import csrf_of

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def extracted_ids(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """Message ids as pybabel extracts them from the code and templates right now."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    # The same extraction `make messages` runs.
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "N_",
            "--ignore-dirs",
            ".*",
            "--no-location",
            "--omit-header",
            "-o",
            str(pot),
            str(ROOT),
        ]
    )
    with pot.open("rb") as handle:
        return {_key(message.id) for message in read_po(handle) if message.id}


def _key(message_id: str | tuple[str, ...] | list[str]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_catalogue_translates_every_interface_string(
    language: str, extracted_ids: set[str]
) -> None:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        _key(message.id)
        for message in catalog
        if message.id
        and not message.fuzzy
        and all(message.string if isinstance(message.string, tuple) else [message.string])
    }
    missing = extracted_ids - translated
    assert not missing, f"{language}: untranslated, run `make messages`: {sorted(missing)[:5]}"
    assert len(extracted_ids) > 40


def test_spanish_is_the_default(client_a: TestClient) -> None:
    response = client_a.get("/")
    assert '<html lang="es">' in response.text
    assert "Propuestas" in response.text
    assert "Rendición de cuentas" in response.text
    assert "Presupuestos participativos" in response.text


def test_accept_language_is_honoured(client_a: TestClient) -> None:
    response = client_a.get("/", headers={"Accept-Language": "en-GB,en;q=0.9,es;q=0.5"})
    assert '<html lang="en">' in response.text
    assert "Participatory budgets" in response.text


def test_quechua_variants_from_the_browser_choose_quechua(client_a: TestClient) -> None:
    response = client_a.get("/", headers={"Accept-Language": "quz-PE,es;q=0.5"})
    assert '<html lang="qu">' in response.text


def test_switch_to_quechua_is_remembered(client_a: TestClient) -> None:
    token = csrf_of(client_a)
    switched = client_a.post(
        "/language", data={"language": "qu", "csrf_token": token, "next": "/geozones"}
    )
    assert switched.status_code == 200
    assert switched.url.path == "/geozones"
    assert '<html lang="qu">' in switched.text
    assert "Suyukuna" in switched.text
    home = client_a.get("/", headers={"Accept-Language": "en"})
    assert '<html lang="qu">' in home.text
    assert "Yuyaychaykuna" in home.text
    assert "Qullqi rakinakuy" in home.text


def test_unavailable_language_is_refused_with_422(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    tenant_a.languages = ["es", "qu"]
    db.commit()
    token = csrf_of(client_a)
    response = client_a.post("/language", data={"language": "en", "csrf_token": token})
    assert response.status_code == 422
    assert "Este idioma no está disponible aquí." in response.text
    assert "minka_lang" not in response.cookies


def test_language_outside_the_instance_falls_back_to_its_default(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    tenant_a.languages = ["es", "qu"]
    tenant_a.default_language = "qu"
    db.commit()
    client_a.cookies.set("minka_lang", "en")
    response = client_a.get("/", headers={"Accept-Language": "en"})
    assert '<html lang="qu">' in response.text


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("es-PE,es;q=0.9,en;q=0.8", ["es", "es", "en"]),
        ("en;q=0.2, qu;q=0.9", ["qu", "en"]),
        ("*", []),
        ("fr;q=0, es", ["es"]),
        ("es;q=abc, en", ["en"]),
        ("", []),
    ],
)
def test_accept_language_parsing(header: str, expected: list[str]) -> None:
    assert parse_accept_language(header) == expected


def test_choice_order_is_cookie_then_browser_then_default() -> None:
    enabled = ["es", "qu", "en"]
    assert choose_language(cookie="qu", accept_language="en", enabled=enabled, default="es") == "qu"
    assert choose_language(cookie=None, accept_language="en", enabled=enabled, default="es") == "en"
    assert choose_language(cookie="xx", accept_language="fr", enabled=enabled, default="qu") == "qu"
