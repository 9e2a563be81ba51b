"""The public budget pages: the list of current and past budgets, a budget's timeline with the
current phase marked, its groups and headings with amounts in soles; drafts hidden."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.budgets.pages import soles
from app.tenants.models import Tenant
from tests.budgets.factories import make_budget
from tests.factories import make_geozone
from tests.rendering import context_of, template_name

ESCAPED = "&lt;script&gt;alert("


def test_soles_are_grouped_by_spaces() -> None:
    assert soles(1_250_000) == "S/ 1 250 000"
    assert soles(0) == "S/ 0"
    assert soles(999) == "S/ 999"
    assert soles(None) == ""


def test_the_list_shows_current_and_past_budgets_but_no_draft(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    make_budget(db, tenant_a, name="Presupuesto 2027", phase="balloting")
    make_budget(db, tenant_a, name="Presupuesto 2025", phase="finished", year=2025)
    make_budget(db, tenant_a, name="Borrador 2028", published=False, year=2028)
    db.commit()
    page = client_a.get("/budgets")
    assert page.status_code == 200
    assert template_name(page) == "budgets/list.html"
    context = context_of(page)
    assert [b.name for b in context["current"]] == ["Presupuesto 2027"]
    assert [b.name for b in context["past"]] == ["Presupuesto 2025"]
    assert "Borrador 2028" not in page.text
    assert "Presupuestos en curso" in page.text
    assert "Votación" in page.text


def test_a_budget_page_shows_its_timeline_groups_and_amounts(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    zone = make_geozone(db, tenant_a, code="1308")
    budget = make_budget(
        db,
        tenant_a,
        phase="selecting",
        groups=(("Toda la región", (12_000_000,)), ("Por provincia", (1_250_000,))),
        zones=[zone],
        disabled=("reviewing",),
    )
    db.commit()
    page = client_a.get(f"/budgets/{budget.id}")
    assert page.status_code == 200
    assert "S/ 12 000 000" in page.text
    assert "S/ 1 250 000" in page.text
    assert "120 000" in page.text  # the population
    assert 'aria-current="step"' in page.text
    assert "Fase actual: Selección de proyectos (apoyos)" in page.text
    assert "Añay, kusikuy 🌽 fase selecting" in page.text  # the current phase's description
    assert "fase accepting" not in page.text  # only the current phase's description shows
    assert "Revisión de proyectos" not in page.text  # a disabled phase is not on the timeline
    assert "Del 2027-04-01 al 2027-04-28" in page.text
    assert ESCAPED in page.text
    assert "<script>alert" not in page.text
    assert "Regla de conteo: Más votos primero (codiciosa)." in page.text


def test_a_draft_is_not_found_for_the_public(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    draft = make_budget(db, tenant_a, published=False)
    db.commit()
    assert client_a.get(f"/budgets/{draft.id}").status_code == 404


def test_the_section_is_available(client_a: TestClient) -> None:
    assert client_a.get("/budgets").status_code == 200
    assert "Presupuestos participativos" in client_a.get("/").text
