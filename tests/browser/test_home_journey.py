"""A visitor opens the home page, switches to Quechua, and every page passes axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def serious_violations(page: Page, axe_script: Path) -> list[dict[str, Any]]:
    page.wait_for_load_state("load")  # a page still loading may have no <head> to add it to
    page.add_script_tag(path=str(axe_script))
    violations: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => ({id: v.id, impact: v.impact,
                                                nodes: v.nodes.map(n => n.target.join(' '))}));
        }""",
        AXE_TAGS,
    )
    return [v for v in violations if v["impact"] in {"serious", "critical"}]


def test_home_then_quechua_passes_axe(browser: Browser, live_server: str, axe_script: Path) -> None:
    # bypass_csp lets the test inject axe-core; the pages themselves run no inline script.
    context = browser.new_context(bypass_csp=True, locale="es-PE")
    page = context.new_page()
    other_hosts: list[str] = []
    page.on(
        "request",
        lambda request: (
            other_hosts.append(request.url)
            if urlsplit(request.url).netloc != urlsplit(live_server).netloc
            else None
        ),
    )
    page.goto(live_server + "/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.title() == "Inicio · Gobierno Regional La Libertad"
    nav = page.get_by_role("navigation", name="Navegación principal")
    assert nav.get_by_role("link", name="Propuestas").is_visible()
    assert serious_violations(page, axe_script) == []

    page.get_by_role("button", name="Runasimi").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "qu"
    nav = page.get_by_role("navigation", name="Hatun ñankuna")
    assert nav.get_by_role("link", name="Yuyaychaykuna").is_visible()
    assert page.get_by_role("button", name="Runasimi").get_attribute("aria-current") == "true"
    assert serious_violations(page, axe_script) == []

    page.goto(live_server + "/geozones")
    assert page.locator("html").get_attribute("lang") == "qu"
    assert page.get_by_role("cell", name="Sánchez Carrión").is_visible()
    assert serious_violations(page, axe_script) == []
    assert other_hosts == []
    context.close()


def test_language_switch_works_without_javascript(browser: Browser, live_server: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/polls")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.url == live_server + "/polls"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Votes").is_visible()
    context.close()


def test_readable_at_360_pixels(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    for path in ("/", "/geozones", "/pages/acerca", "/does-not-exist"):
        page.goto(live_server + path)
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 360, f"{path} scrolls sideways ({overflow}px)"
    context.close()


def test_other_instance_by_host_name(browser: Browser, live_server: str) -> None:
    port = urlsplit(live_server).port
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"http://trujillo.localhost:{port}/")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Municipalidad Provincial de Trujillo"
    )
    assert "La Libertad" not in page.content()
    css = page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor")
    assert css == "rgb(11, 83, 148)"  # Trujillo's own colour, #0b5394
    context.close()
