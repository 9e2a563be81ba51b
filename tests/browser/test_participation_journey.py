"""The issue's journey: a proposal gathers supports, gets an official answer, a comment is hidden.

Forms are found by their action and fields by their id, so the journey does not depend on the
wording of labels; what people read is checked on the pages they land on.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.demo import LA_LIBERTAD_PROVINCES
from app.demo_people import DEMO_PASSWORD, demo_census_rows
from tests.browser.test_home_journey import serious_violations

pytestmark = pytest.mark.browser

TITLE = "Agua potable para Huanchaco Alto — ñawpaq"
ABUSE = "Eres un inútil y un ladrón, cállate"
ANSWER = (
    "La Gerencia acepta la propuesta: el expediente técnico se elaborará este año y la obra "
    "se incluirá en el presupuesto participativo del próximo ejercicio."
)


def _person(browser: Browser, base: str, local: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(locale="es-PE", bypass_csp=True)  # CSP bypass: to inject axe
    page = context.new_page()
    page.goto(base + "/login")
    page.locator("#f-email").fill(f"{local}@lalibertad.minka.example")
    page.locator("#f-password").fill(DEMO_PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(base + "/")
    return context, page


def _submit(page: Page, action: str) -> None:
    page.locator(f"form[action='{action}'] button[type=submit]").first.click()


def test_proposal_supported_answered_and_moderated(
    browser: Browser, live_server: str, axe_script: Path
) -> None:
    base = live_server
    # The administrator lowers the goal to one support, so a second resident reaches it.
    admin_context, admin = _person(browser, base, "admin")
    admin.goto(base + "/admin/proposals")
    admin.locator("#f-goal-number").check()
    admin.locator("#f-threshold").fill("1")
    admin.locator("#f-months").fill("12")
    _submit(admin, "/admin/proposals")
    expect(admin.locator(".notice-success")).to_be_visible()

    # A verified resident writes a proposal.
    author_context, author = _person(browser, base, "vecina")
    author.goto(base + "/proposals/new")
    assert serious_violations(author, axe_script) == []
    author.locator("#f-title").fill(TITLE)
    author.locator("#f-summary").fill("Una red de agua para las familias de la parte alta.")
    author.locator("#f-body").fill("Hoy el agua llega en cisterna **dos veces** por semana.")
    author.locator("input[name=tag_ids]").first.check()
    _submit(author, "/proposals/new")
    author.wait_for_url(re.compile(r"/proposals/\d+$"))
    proposal_path = author.url.removeprefix(base)
    expect(author.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert serious_violations(author, axe_script) == []

    # A second resident verifies at the census and supports it: the goal is reached.
    codes = [code for code, _name, _kind in LA_LIBERTAD_PROVINCES]
    dni, birth, _zone = demo_census_rows(1, codes)[151]
    neighbour_context, neighbour = _person(browser, base, "vecino")
    neighbour.goto(base + "/account/verify")
    neighbour.locator("#f-dni").fill(dni)
    neighbour.locator("#f-birth_date").fill(birth.isoformat())
    _submit(neighbour, "/account/verify")
    neighbour.wait_for_url(base + "/account")
    neighbour.goto(base + proposal_path)
    _submit(neighbour, f"{proposal_path}/support")
    neighbour.wait_for_url(re.compile(re.escape(base + proposal_path) + "(#.*)?$"))
    expect(neighbour.locator("main .badge-ok").first).to_be_visible()
    assert serious_violations(neighbour, axe_script) == []

    # The neighbour leaves an abusive comment on it.
    neighbour.locator("#comment-body").fill(ABUSE)
    _submit(neighbour, "/comments")
    expect(neighbour.get_by_text(ABUSE)).to_be_visible()

    # The administrator assigns it to an office; its official answers with reasons.
    admin.goto(base + proposal_path + "/assign")
    admin.locator("#f-office_id").select_option(label="Gerencia de Planeamiento")
    _submit(admin, f"{proposal_path}/assign")
    official_context, official = _person(browser, base, "funcionaria")
    official.goto(base + proposal_path + "/answer")
    assert serious_violations(official, axe_script) == []
    official.locator("#f-status").select_option("accepted")
    official.locator("#f-body").fill(ANSWER)
    _submit(official, f"{proposal_path}/answer")
    official.wait_for_url(re.compile(re.escape(base + proposal_path) + "(#.*)?$"))
    expect(official.locator("#official-answer")).to_contain_text(ANSWER)

    # The author sees the notifications in the header and on their page.
    author.goto(base + "/")
    expect(author.locator(".notifications-link .unread-count")).to_be_visible()
    author.goto(base + "/notifications")
    expect(author.locator("main")).to_contain_text(TITLE)
    assert serious_violations(author, axe_script) == []

    # A moderator hides the abusive comment; nobody sees it any more.
    moderator_context, moderator = _person(browser, base, "moderador")
    moderator.goto(base + proposal_path)
    comment = moderator.locator("li.comment", has_text=ABUSE)
    comment.locator("form[action='/moderation/hide'] button[type=submit]").click()
    moderator.wait_for_url(re.compile(re.escape(base + proposal_path)))
    visitor = browser.new_context(locale="es-PE")
    public = visitor.new_page()
    public.goto(base + proposal_path)
    expect(public.locator("#official-answer")).to_contain_text(ANSWER)
    expect(public.get_by_text(ABUSE)).to_have_count(0)

    for context in (
        admin_context,
        author_context,
        neighbour_context,
        official_context,
        moderator_context,
        visitor,
    ):
        context.close()
