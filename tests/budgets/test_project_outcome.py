"""A funded project's page says so once the results are public, and leads to its execution."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.tenants.models import Tenant
from tests.budgets.factories import headings_of, make_budget, make_project
from tests.budgets.test_executions import funded_budget


def test_a_funded_project_page_says_funded_and_links_its_execution(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, ((project, _other), _) = funded_budget(db, tenant_a)
    db.commit()
    page = client_a.get(f"/budgets/{budget.id}/projects/{project.id}")
    assert page.status_code == 200
    assert "Financiado" in page.text
    assert f'href="/budgets/{budget.id}/executions?heading={project.heading_id}"' in page.text


def test_no_funded_mark_before_results_exist(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="reviewing_ballots")
    project = make_project(db, headings_of(db, budget)[0], price=100)
    db.commit()
    page = client_a.get(f"/budgets/{budget.id}/projects/{project.id}")
    assert page.status_code == 200
    assert "Financiado" not in page.text
    assert "/executions?heading=" not in page.text
