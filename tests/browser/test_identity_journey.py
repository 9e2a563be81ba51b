"""A person signs in through the identity provider, verifies with DNI and birth date, signs out."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from app.demo import LA_LIBERTAD_PROVINCES
from app.demo_people import DEMO_PASSWORD, demo_census_rows
from tests.browser.test_home_journey import serious_violations
from tests.oidc.fixture import TestProvider

pytestmark = pytest.mark.browser


def test_sign_in_verify_and_sign_out(
    browser: Browser, live_server: str, identity_provider: TestProvider, axe_script: Path
) -> None:
    codes = [code for code, _name, _kind in LA_LIBERTAD_PROVINCES]
    dni, birth, _zone = demo_census_rows(1, codes)[150]  # a demo resident nobody holds yet
    context = browser.new_context(locale="es-PE", bypass_csp=True)  # CSP bypass: to inject axe
    page = context.new_page()
    page.goto(live_server + "/")
    page.get_by_role("link", name="Ingresar", exact=True).click()
    page.wait_for_url(live_server + "/login")  # axe goes into the sign-in page, not the last
    assert serious_violations(page, axe_script) == []
    page.get_by_role("link", name="Ingresar con ID Gob.pe (prueba)").click()
    user = identity_provider.users["kusi"]
    page.locator("#username").fill(user.username)
    page.locator("#password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server + "/")
    header = page.locator(".site-header")
    expect(header.get_by_role("button", name="Salir")).to_be_visible()

    assert serious_violations(page, axe_script) == []
    page.goto(live_server + "/account/verify")
    assert serious_violations(page, axe_script) == []
    page.get_by_label("Número de DNI").fill(dni)
    page.get_by_label("Fecha de nacimiento").fill(birth.isoformat())
    page.get_by_role("button", name="Verificar", exact=True).click()
    page.wait_for_url(live_server + "/account")
    expect(page.get_by_text("Residente verificado", exact=True)).to_be_visible()
    assert serious_violations(page, axe_script) == []

    header.get_by_role("button", name="Salir").click()
    page.wait_for_url(live_server + "/")
    expect(page.locator(".site-header").get_by_role("link", name="Ingresar")).to_be_visible()
    page.goto(live_server + "/account")
    assert page.url.startswith(live_server + "/login")
    context.close()


def _sign_in_with_email(page: Page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_role("textbox", name="Correo electrónico").fill(email)
    page.locator("#f-password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Ingresar", exact=True).click()
    page.wait_for_url(base + "/")


@pytest.mark.parametrize(
    ("account", "paths"),
    [
        (
            "admin",
            [
                "/admin",
                "/admin/users",
                "/admin/audit",
                "/admin/census",
                "/admin/providers",
                "/admin/conflicts",
                "/admin/users/1",
            ],
        ),
        ("mesa", ["/desk"]),
        ("vecino", ["/account", "/account/verify"]),
    ],
)
def test_staff_and_account_pages_pass_axe(
    browser: Browser, live_server: str, axe_script: Path, account: str, paths: list[str]
) -> None:
    context = browser.new_context(locale="es-PE", bypass_csp=True)
    page = context.new_page()
    _sign_in_with_email(page, live_server, f"{account}@lalibertad.minka.example")
    for path in paths:
        response = page.goto(live_server + path)
        assert response is not None
        assert response.status == 200, path
        assert serious_violations(page, axe_script) == [], path
    context.close()
