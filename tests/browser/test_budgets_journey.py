"""The issue's journey: the demo budget of La Libertad goes through all nine phases in a browser.

The administrator configures the demo budget and moves it phase by phase (budgets have no
clock, so nothing waits for time to pass); residents propose, the administrator admits and
rejects, verified residents support (one in person at the desk), a valuator prices, the
administrator selects, residents ballot online and a poll officer enters paper ballots; the
results are published, and the heading's Pabulib file, downloaded by the browser and recounted
by `minka budgets tally`, funds exactly the projects the results page shows. Every page visited
is checked with axe. Forms are found by their action and fields by their id.
"""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from app.demo import LA_LIBERTAD_PROVINCES
from app.demo_budgets import NAME as DEMO_BUDGET
from app.demo_budgets import NAME_2026 as DEMO_BUDGET_2026
from app.demo_people import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_census_rows
from tests.browser.conftest import MINKA
from tests.browser.test_home_journey import serious_violations

pytestmark = pytest.mark.browser

CODES = [code for code, _name, _kind in LA_LIBERTAD_PROVINCES]
CENSUS = demo_census_rows(1, CODES)
VECINA = next(i for i, account in enumerate(DEMO_ACCOUNTS) if account[0] == "vecina")
# The heading is the province of the verified demo resident, so she may ballot there.
ZONE = CENSUS[VECINA][2]
PROVINCE = next(name for code, name, _kind in LA_LIBERTAD_PROVINCES if code == ZONE)
# Census rows of that province nobody else's journey uses (others take rows 150–153).
NEIGHBOURS = [row for row in CENSUS[250:] if row[2] == ZONE][:3]
# (who proposes, title, price in soles or None when it is not admitted)
PROJECTS = (
    ("vecina", "Riego tecnificado para los pequeños agricultores — «Jequetepeque»", 600_000),
    ("vecina", "Mejoramiento del mercado de abastos & sus accesos <b>", 350_000),
    ("organizacion", "Estadio municipal con tribunas para 20 000 personas", None),
    ("organizacion", "Equipamiento del puesto de salud de la zona alta", 250_000),
)
CensusRow = tuple[str, date, str]
REJECTION = "Un estadio es competencia municipal, no del presupuesto regional de inversiones."


def _person(browser: Browser, base: str, local: str) -> tuple[BrowserContext, Page]:
    context = browser.new_context(locale="es-PE", bypass_csp=True)  # CSP bypass: to inject axe
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(base + "/login")
    page.locator("#f-email").fill(f"{local}@lalibertad.minka.example")
    page.locator("#f-password").fill(DEMO_PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_url(base + "/")
    return context, page


def _submit(page: Page, action: str, value: str | None = None) -> None:
    button = "button[type=submit]" + (f"[value='{value}']" if value else "")
    with page.expect_navigation():
        page.locator(f"form[action='{action}'] {button}").first.click()


def _accessible(page: Page, axe_script: Path) -> None:
    assert serious_violations(page, axe_script) == [], page.url


def _visit(page: Page, url: str, axe_script: Path) -> None:
    response = page.goto(url)
    assert response is not None, url
    assert response.status == 200, (url, response.status)
    _accessible(page, axe_script)


def _next_phase(admin: Page, base: str, budget: str, phase: str, axe_script: Path) -> None:
    admin.goto(f"{base}/admin{budget}")
    _submit(admin, f"/admin{budget}/phase", "next")
    admin.wait_for_url(f"{base}/admin{budget}")
    expect(admin.locator("#phases-title + p")).to_contain_text(phase)
    _accessible(admin, axe_script)


def _propose(page: Page, base: str, budget: str, title: str, axe_script: Path) -> int:
    _visit(page, f"{base}{budget}/projects/new", axe_script)
    page.locator("#f-title").fill(title)
    page.locator("#f-description").fill(
        f"Lo pedimos en la asamblea de {PROVINCE}:\n\n- beneficia a **200 familias**\n- ñawpaq"
    )
    page.locator("#f-heading_id").select_option(label=PROVINCE)
    page.locator("#f-location").fill(f"{PROVINCE}, La Libertad")
    _submit(page, f"{budget}/projects/new")
    page.wait_for_url(re.compile(re.escape(f"{base}{budget}/projects/") + r"\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    _accessible(page, axe_script)
    return int(page.url.rsplit("/", 1)[1])


def _desk_supports(desk: Page, base: str, row: CensusRow, project: str) -> None:
    """The desk verifies a resident in person, then supports on their behalf."""
    dni, birth, _zone = row
    desk.goto(base + "/desk")
    for _attempt in range(2):  # the second look-up finds the account the desk just made
        desk.locator("#f-dni").fill(dni)
        desk.locator("#f-birth_date").fill(birth.isoformat())
        _submit(desk, "/desk/lookup")
        if desk.locator("form[action='/desk/act']").count():
            break
        desk.locator("#f-display_name").fill("Vecino de la zona alta")
        _submit(desk, "/desk/verify")
        expect(desk.locator(".notice-success")).to_be_visible()
    _submit(desk, "/desk/act")
    desk.goto(base + project)
    _submit(desk, f"{project}/support")
    expect(desk.locator(".notice-success")).to_be_visible()
    _submit(desk, "/desk/act/stop")


def _paper_ballot(
    officer: Page,
    base: str,
    budget: str,
    row: CensusRow,
    heading: str,
    ids: list[int],
) -> None:
    dni, birth, _zone = row
    officer.locator("#f-dni").fill(dni)
    officer.locator("#f-birth_date").fill(birth.isoformat())
    officer.locator("#f-heading_id").select_option(heading)
    _submit(officer, f"{budget}/paper/lookup")
    for project_id in ids:
        officer.locator(f"#f-project-{project_id}").check()
    _submit(officer, f"{budget}/paper/ballots")
    officer.wait_for_url(f"{base}{budget}/paper")
    expect(officer.locator(".notice-success")).to_be_visible()


def test_demo_budget_through_every_phase_to_a_recounted_result(
    browser: Browser, live_server: str, axe_script: Path, tmp_path: Path
) -> None:
    base = live_server
    contexts: list[BrowserContext] = []

    def person(local: str) -> Page:
        context, page = _person(browser, base, local)
        contexts.append(context)
        return page

    # Informing/accepting: the administrator finds the demo budget and configures it.
    admin = person("admin")
    _visit(admin, base + "/admin/budgets", axe_script)
    admin.get_by_role("link", name=DEMO_BUDGET).click()
    admin.wait_for_url(re.compile(r"/admin/budgets/\d+$"))
    budget = admin.url.removeprefix(base + "/admin")
    _accessible(admin, axe_script)
    _visit(admin, f"{base}/admin{budget}/edit", axe_script)
    admin.locator("#f-rule").select_option("equal_shares")
    admin.locator("#f-ballot_style").select_option("knapsack")
    _submit(admin, f"/admin{budget}/edit")
    admin.wait_for_url(f"{base}/admin{budget}")
    _visit(admin, f"{base}/admin{budget}/valuators", axe_script)
    admin.locator("#f-heading_id").select_option(label=f"Por provincia · {PROVINCE}")
    heading = admin.locator("#f-heading_id").input_value()
    admin.locator("#f-account").fill("evaluador@lalibertad.minka.example")
    _submit(admin, f"/admin{budget}/valuators")
    expect(admin.locator("main")).to_contain_text("Evaluador Demo")
    _accessible(admin, axe_script)

    visitor = browser.new_context(locale="es-PE", bypass_csp=True)
    contexts.append(visitor)
    public = visitor.new_page()
    _visit(public, base + "/budgets", axe_script)
    public.get_by_role("link", name=DEMO_BUDGET).click()
    public.wait_for_url(base + budget)
    _accessible(public, axe_script)

    # Accepting: residents and an organization propose projects to the province.
    resident = person("vecina")
    organization = person("organizacion")
    ids = [
        _propose(resident if who == "vecina" else organization, base, budget, title, axe_script)
        for who, title, _price in PROJECTS
    ]
    paths = [f"{budget}/projects/{project_id}" for project_id in ids]

    # Reviewing: the administrator admits three and rejects one with its public reason.
    _next_phase(admin, base, budget, "Revisión de proyectos", axe_script)
    for path, (_who, _title, price) in zip(paths, PROJECTS, strict=True):
        _visit(admin, base + path, axe_script)
        admin.locator("#f-decision-accept" if price else "#f-decision-reject").check()
        if price is None:
            admin.locator("#f-reason").fill(REJECTION)
        _submit(admin, f"{path}/review")
        admin.wait_for_url(base + path)
    _visit(public, base + paths[2], axe_script)
    expect(public.locator("main")).to_contain_text(REJECTION)

    # Selecting: a verified resident supports online, another at the desk.
    _next_phase(admin, base, budget, "Selección de proyectos", axe_script)
    _visit(resident, base + paths[0], axe_script)
    _submit(resident, f"{paths[0]}/support")
    expect(resident.locator(".notice-success")).to_be_visible()
    _accessible(resident, axe_script)
    _desk_supports(person("mesa"), base, NEIGHBOURS[2], paths[3])
    _visit(public, f"{base}{budget}/projects?heading={heading}&sort=supports", axe_script)

    # Valuating: the valuator prices the admitted projects; prices stay hidden meanwhile.
    _next_phase(admin, base, budget, "Evaluación de proyectos", axe_script)
    valuator = person("evaluador")
    _visit(valuator, f"{base}{budget}/valuation", axe_script)
    for project_id, (_who, _title, price) in zip(ids, PROJECTS, strict=True):
        if price is None:
            continue
        _visit(valuator, f"{base}{budget}/valuation/{project_id}", axe_script)
        valuator.locator("#f-feasibility-feasible").check()
        valuator.locator("#f-explanation").fill("Es competencia regional y el terreno es público.")
        valuator.locator("#f-price").fill(f"{price:,}".replace(",", " "))
        valuator.locator("#f-duration").fill("8 meses")
        _submit(valuator, f"{budget}/valuation/{project_id}")
        expect(valuator.locator(".notice-success")).to_be_visible()
    _visit(public, base + paths[0], axe_script)
    expect(public.locator("main")).not_to_contain_text("600 000")

    # The administrator selects the feasible projects for the ballot.
    _visit(admin, f"{base}/admin{budget}/selection", axe_script)
    for project_id, (_who, _title, price) in zip(ids, PROJECTS, strict=True):
        if price is not None:
            admin.locator(f"#p-{project_id}").check()
    _submit(admin, f"/admin{budget}/selection")
    expect(admin.locator(".notice-success")).to_be_visible()

    # Publishing prices: everyone sees the valuation and the price.
    _next_phase(admin, base, budget, "Publicación de precios", axe_script)
    _visit(public, base + paths[0], axe_script)
    expect(public.locator(".budget-valuation")).to_contain_text("S/ 600 000")

    # Balloting: knapsack online, with the money left; then two paper ballots at a booth.
    _next_phase(admin, base, budget, "Votación", axe_script)
    ballot = f"{budget}/ballot/{heading}"
    _visit(resident, f"{base}{budget}/ballot", axe_script)
    _visit(resident, base + ballot, axe_script)
    amount = int(resident.locator("#money-left").get_attribute("max") or "0")
    for project_id, (_who, _title, price) in list(zip(ids, PROJECTS, strict=True))[:2]:
        add = resident.locator(f"form[action='{ballot}/add']:has(input[value='{project_id}'])")
        with resident.expect_navigation():
            add.locator("button").click()
        assert price is not None
        amount -= price
        expect(resident.locator("#money-left")).to_have_attribute("value", str(amount))
        expect(resident.locator("label[for=money-left]")).to_contain_text(
            f"S/ {amount:,}".replace(",", " ")
        )
    expect(resident.locator(f"#f-project-{ids[3]}")).to_contain_text(
        "No cabe en el dinero restante"
    )
    _accessible(resident, axe_script)

    officer = person("personero")
    _visit(officer, f"{base}{budget}/paper", axe_script)
    _paper_ballot(officer, base, budget, NEIGHBOURS[0], heading, [ids[1], ids[3]])
    _paper_ballot(officer, base, budget, NEIGHBOURS[1], heading, [ids[0], ids[3]])
    _accessible(officer, axe_script)

    # Reviewing ballots: the administrator counts and publishes; then the budget is finished.
    _next_phase(admin, base, budget, "Revisión de votos", axe_script)
    _visit(admin, f"{base}{budget}/results", axe_script)
    _submit(admin, f"/admin{budget}/results")
    _next_phase(admin, base, budget, "Finalizado", axe_script)

    # The results page: the funded projects, the chart, and the heading's file.
    _visit(public, f"{base}{budget}/results", axe_script)
    section = public.locator("section.budget-result", has=public.locator(f"#heading-{heading}"))
    expect(section.locator("svg[role=img] title")).to_contain_text(PROVINCE)
    funded_items = section.locator("ol > li").all_inner_texts()
    funded = [int(text.split(".", 1)[0]) for text in funded_items]
    assert funded, "no project funded"
    assert set(funded) <= {ids[0], ids[1], ids[3]}
    for project_id in funded:
        expect(section.locator("svg")).to_contain_text(
            next(t for i, (_w, t, _p) in zip(ids, PROJECTS, strict=True) if i == project_id)[:20]
        )
    expect(section.locator("tbody tr")).to_have_count(3)
    command = public.locator("#recount-title ~ pre code").inner_text()
    rule = command.rsplit("--rule ", 1)[1].strip()
    assert rule == "equal-shares"
    with public.expect_download() as download:
        section.locator(f"a[href='{budget}/headings/{heading}/ballots.pb']").click()
    pabulib = tmp_path / download.value.suggested_filename
    download.value.save_as(pabulib)
    recount = subprocess.run(
        [MINKA, "budgets", "tally", str(pabulib), "--rule", rule],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert [int(line) for line in recount.stdout.split()] == funded

    # Execution tracking lists the funded projects, filtered by the heading.
    _visit(public, f"{base}{budget}/executions?heading={heading}", axe_script)
    listed = public.locator("article.budget-execution h2").all_inner_texts()
    assert sorted(int(text.split(".", 1)[0]) for text in listed) == sorted(funded)
    # The administrator reports the works of the first funded project; the public list shows it.
    tracking = f"/admin{budget}/executions/{funded[0]}"
    _visit(admin, base + tracking, axe_script)
    admin.locator("#f-execution_status").select_option("works")
    admin.locator("#f-progress").fill("30")
    admin.locator("#f-cui").fill("2512345")
    _submit(admin, tracking)
    _visit(public, f"{base}{budget}/executions?heading={heading}&status=works", axe_script)
    works = public.locator("article.budget-execution")
    expect(works).to_have_count(1)
    expect(works).to_contain_text("En obra")
    expect(works).to_contain_text("2512345")

    # The finished demo budget of 2026: its results and execution pages pass axe too.
    _visit(public, base + "/budgets", axe_script)
    public.get_by_role("link", name=DEMO_BUDGET_2026).click()
    public.wait_for_url(re.compile(r"/budgets/\d+$"))
    past = public.url.removeprefix(base)
    _visit(public, f"{base}{past}/results", axe_script)
    expect(public.locator("section.budget-result svg[role=img]").first).to_be_visible()
    _visit(public, f"{base}{past}/executions", axe_script)
    expect(public.locator("article.budget-execution").first).to_be_visible()

    for context in contexts:
        context.close()
