"""The issue's journey: a poll is created, voted online and at a booth, closes and is published.

The poll closes on the first whole minute at least OPEN_FOR after it is created, and the server's
own job worker closes it (just after each minute turns), so the test waits for real time to pass;
nothing is faked. Forms
are found by their action and fields by their id; what people read is checked on the pages.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from app.demo import LA_LIBERTAD_PROVINCES
from app.demo_people import DEMO_PASSWORD, demo_census_rows
from tests.browser.test_home_journey import serious_violations

pytestmark = pytest.mark.browser

LIMA = ZoneInfo("America/Lima")
TITLE = "Consulta sobre el mercado de Huanchaco — ñawpaq <b>"
# Time for everything that must happen while voting is open, on a slow machine.
OPEN_FOR = timedelta(seconds=60)
CLOSING_WAIT = 30.0  # the worker closes due polls just after each minute turns
# Answers by position: the one answer, the several answers, the ranking (first choice first).
Picks = tuple[int, tuple[int, ...], tuple[int, ...]]
QUESTIONS = (
    ("single", "", "¿Dónde debe ir el mercado?", ("Plaza", "Malecón", "Avenida")),
    ("multiple", "2", "¿Qué servicios debe tener?", ("Baños", "Guardería", "Cajero", "Parqueo")),
    ("ranked", "", "Ordena los horarios", ("Mañana", "Tarde", "Noche")),
)


def _sign_in(browser: Browser, base: str, local: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(locale="es-PE", bypass_csp=True)  # CSP bypass: to inject axe
    page = context.new_page()
    page.goto(base + "/login")
    page.locator("#f-email").fill(f"{local}@lalibertad.minka.example")
    page.locator("#f-password").fill(DEMO_PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(base + "/")
    return context, page


def _submit(page: Page, action: str, value: str | None = None) -> None:
    button = "button[type=submit]" + (f"[value='{value}']" if value else "")
    page.locator(f"form[action='{action}'] {button}").first.click()


def _lima(moment: datetime) -> str:
    return moment.astimezone(LIMA).strftime("%Y-%m-%dT%H:%M")


def _fill_ballot(
    form: Locator, single: int, several: tuple[int, ...], ranking: tuple[int, ...]
) -> None:
    """Answers by position: the one answer, the several answers, the ranking (1 first)."""
    questions = form.locator("fieldset")
    questions.nth(0).locator("input[type=radio]").nth(single).check()
    for index in several:
        questions.nth(1).locator("input[type=checkbox]").nth(index).check()
    ranks = questions.nth(2).locator("select")
    for rank, index in enumerate(ranking, start=1):
        ranks.nth(index).select_option(str(rank))


def _create_poll(official: Page, base: str, axe_script: Path) -> tuple[str, datetime]:
    now = datetime.now(UTC)
    opens = now.replace(second=0, microsecond=0)
    closes = (now + OPEN_FOR + timedelta(seconds=59)).replace(second=0, microsecond=0)
    official.goto(base + "/admin/polls/new")
    assert serious_violations(official, axe_script) == []
    official.locator("#f-title").fill(TITLE)
    official.locator("#f-summary").fill("El municipio pregunta dónde y cómo construir el mercado.")
    official.locator("#f-opens_at").fill(_lima(opens))
    official.locator("#f-closes_at").fill(_lima(closes))
    _submit(official, "/admin/polls/new")
    official.wait_for_url(re.compile(r"/admin/polls/\d+$"))
    poll_path = official.url.removeprefix(base + "/admin")
    for kind, most, title, answers in QUESTIONS:
        official.goto(f"{base}/admin{poll_path}/questions/new")
        official.locator("#f-title").fill(title)
        official.locator("#f-kind").select_option(kind)
        official.locator("#f-max_choices").fill(most)
        official.locator("#f-answers").fill("\n".join(answers))
        _submit(official, f"/admin{poll_path}/questions/new")
        official.wait_for_url(base + "/admin" + poll_path)
    _submit(official, f"/admin{poll_path}/publish")
    official.wait_for_url(base + "/admin" + poll_path)
    return poll_path, closes


def _add_booth(admin: Page, base: str, poll_path: str, closes: datetime) -> str:
    admin.goto(f"{base}/admin{poll_path}/booths")
    admin.locator("#f-name").fill("Mesa del mercado")
    admin.locator("#f-place").fill("Local comunal de Huanchaco")
    admin.locator("#f-opens_at").fill(_lima(datetime.now(UTC).replace(second=0, microsecond=0)))
    admin.locator("#f-closes_at").fill(_lima(closes))
    _submit(admin, f"/admin{poll_path}/booths")
    admin.wait_for_url(re.compile(r"/booths/\d+$"))
    booth_id = admin.url.rsplit("/", 1)[1]
    admin.locator("#f-user_id").select_option(label="Personero de Mesa Demo")
    _submit(admin, f"/admin{poll_path}/booths/{booth_id}/officers")
    expect(admin.locator("main")).to_contain_text("Personero de Mesa Demo")
    return booth_id


def _vote_online(resident: Page, base: str, poll_path: str, choices: Picks) -> str:
    resident.goto(base + poll_path)
    _fill_ballot(resident.locator("#f-ballot"), *choices)
    _submit(resident, f"{poll_path}/vote")
    receipt = resident.locator(".receipt-code strong")
    expect(receipt).to_have_text(re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$"))
    return receipt.inner_text()


def _mark_at_booth(officer: Page, booth: str, row: int, channel: str) -> None:
    codes = [code for code, _name, _kind in LA_LIBERTAD_PROVINCES]
    dni, birth, _zone = demo_census_rows(1, codes)[row]
    officer.locator("#f-dni").fill(dni)
    officer.locator("#f-birth_date").fill(birth.isoformat())
    _submit(officer, f"{booth}/lookup")
    _submit(officer, f"{booth}/voters", channel)
    officer.wait_for_url(re.compile(re.escape(booth) + "$"))
    expect(officer.locator(".notice-success", has_text="Registrado")).to_be_visible()


def _wait_for_results(page: Page, url: str) -> None:
    deadline = time.monotonic() + CLOSING_WAIT
    while True:
        response = page.goto(url)
        if response is not None and response.status == 200:
            return
        assert time.monotonic() < deadline, f"{url} still answers {response and response.status}"
        time.sleep(5)


def test_poll_voted_online_and_at_a_booth_then_published(
    browser: Browser, live_server: str, axe_script: Path
) -> None:
    base = live_server
    official_context, official = _sign_in(browser, base, "funcionaria")
    poll_path, closes = _create_poll(official, base, axe_script)
    admin_context, admin = _sign_in(browser, base, "admin")
    booth_id = _add_booth(admin, base, poll_path, closes)
    booth = f"/booths/{booth_id}"

    # A verified resident votes online, then changes their mind: only the last ballot counts.
    resident_context, resident = _sign_in(browser, base, "vecina")
    resident.goto(base + poll_path)
    expect(resident.get_by_role("heading", level=1)).to_have_text(TITLE)
    assert serious_violations(resident, axe_script) == []
    replaced = _vote_online(resident, base, poll_path, (0, (0,), (0, 1)))
    assert serious_violations(resident, axe_script) == []
    receipt = _vote_online(resident, base, poll_path, (2, (1, 3), (2, 0, 1)))
    assert receipt != replaced

    # The officer marks one resident for paper and one for the booth's tablet.
    officer_context, officer = _sign_in(browser, base, "personero")
    officer.goto(base + booth)
    assert serious_violations(officer, axe_script) == []
    _mark_at_booth(officer, booth, 152, "paper")
    _mark_at_booth(officer, booth, 153, "tablet")
    tablet_context, tablet = _sign_in(browser, base, "personero")
    tablet.goto(base + booth)
    _submit(tablet, f"{booth}/kiosk")
    tablet.wait_for_url(base + "/kiosk")
    assert serious_violations(tablet, axe_script) == []
    _submit(tablet, "/kiosk/start")
    assert serious_violations(tablet, axe_script) == []
    _fill_ballot(tablet.locator("form[action='/kiosk/ballot']"), 1, (0,), (1,))
    _submit(tablet, "/kiosk/ballot")
    expect(tablet.locator(".kiosk-receipt strong")).to_be_visible()
    tablet.goto(base + "/account")  # the tablet holds no officer's session any more
    assert "/login" in tablet.url

    # Voting closes; the officer enters the paper count and the one ranking typed in.
    left = (closes - datetime.now(UTC)).total_seconds()
    assert left > 0, f"voting took {-left:.0f} s longer than OPEN_FOR allows"
    time.sleep(left + 1)
    officer.goto(f"{base}{booth}/paper")
    assert serious_violations(officer, axe_script) == []
    officer.locator("#f-paper_ballots").fill("1")
    counts = officer.locator(f"form[action='{booth}/paper'] fieldset")
    for question, chosen in ((0, {1}), (1, {0, 2})):
        fields = counts.nth(question).locator("input")
        for index in range(fields.count()):
            fields.nth(index).fill("1" if index in chosen else "0")
    _submit(officer, f"{booth}/paper")
    ranks = officer.locator(f"form[action='{booth}/paper/ballots'] input[type=number]")
    ranks.nth(1).fill("1")
    ranks.nth(2).fill("2")
    _submit(officer, f"{booth}/paper/ballots")
    _submit(officer, f"{booth}/paper/confirm")
    expect(officer.locator(".notice-success", has_text="fue confirmado")).to_be_visible()

    # The job worker closes the poll; results show every channel and the receipt is there.
    visitor_context = browser.new_context(locale="es-PE", bypass_csp=True)
    visitor = visitor_context.new_page()
    _wait_for_results(visitor, f"{base}{poll_path}/results")
    assert serious_violations(visitor, axe_script) == []
    turnout = visitor.get_by_role("region", name="Participación")
    for label, count in (
        ("Personas que votaron", "3"),
        ("En línea", "1"),
        ("Tableta de la mesa", "1"),
        ("Papel", "1"),
    ):
        expect(turnout.locator("tr", has_text=label).locator("td")).to_have_text(count)
    # Votes per answer: in all, online, on the tablet, on paper.
    first = visitor.get_by_role("region", name=re.compile("^1[.]"))
    for answer, votes in (
        ("Plaza", ["0", "0", "0", "0"]),
        ("Malecón", ["2", "0", "1", "1"]),
        ("Avenida", ["1", "1", "0", "0"]),
    ):
        expect(first.locator("tr", has_text=answer).locator("td")).to_have_text(votes)

    resident.goto(f"{base}{poll_path}/receipts")
    resident.locator("#f-code").fill(receipt.lower().replace("-", " "))
    _submit(resident, f"{poll_path}/receipts")
    expect(resident.locator(".notice-success")).to_contain_text(receipt)
    assert serious_violations(resident, axe_script) == []
    resident.locator("#f-code").fill(replaced)
    _submit(resident, f"{poll_path}/receipts")
    expect(resident.locator(".notice-error")).to_contain_text(replaced)

    for context in (
        official_context,
        admin_context,
        resident_context,
        officer_context,
        tablet_context,
        visitor_context,
    ):
        context.close()
