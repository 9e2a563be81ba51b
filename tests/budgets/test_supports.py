"""Supports through the real routes: one per resident and project, the counter, withdrawing,
and the limit of headings per group."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.budgets.models import BudgetGroup, BudgetProject, BudgetSupport
from app.config import Settings
from app.db import scoped_to
from app.tenants.models import Tenant
from app.verification.models import Resident
from tests.budgets.factories import groups_of, headings_of, make_budget, make_project
from tests.budgets.project_helpers import fresh, post
from tests.people import add_to_census, csrf_of, make_user, sign_in
from tests.rendering import template_name

THREE_HEADINGS = (("Toda la región", (5_000_000,)), ("Por provincia", (1, 2, 3)))


def _counts(db: Session, tenant: Tenant) -> dict[int, int]:
    return {p.id: p.supports_count for p in fresh(db, tenant, BudgetProject)}


def test_a_resident_supports_once_and_withdraws(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="selecting")
    heading = headings_of(db, budget)[0]
    project = make_project(db, heading, review_state="pending")
    person = make_user(db, tenant_a, verified=True)
    db.commit()
    sign_in(client_a, person)
    base = f"/budgets/{budget.id}/projects/{project.id}"
    page = client_a.get(base)
    assert f'action="{base}/support"' in page.text
    assert post(client_a, f"{base}/support", {}).status_code == 303
    assert post(client_a, f"{base}/support", {}).status_code == 303  # a repeat changes nothing
    assert _counts(db, tenant_a) == {project.id: 1}
    (support,) = fresh(db, tenant_a, BudgetSupport)
    with scoped_to(db, tenant_a.id):
        resident = db.query(Resident).filter(Resident.user_id == person.id).one()
    group_id = groups_of(db, budget)[0].id
    assert (support.resident_id, support.heading_id, support.group_id, support.channel) == (
        resident.id,
        heading.id,
        group_id,
        "web",
    )
    page = client_a.get(base)
    assert "Apoyas este proyecto" in page.text
    assert "1 apoyo" in page.text
    assert post(client_a, f"{base}/unsupport", {}).status_code == 303
    assert post(client_a, f"{base}/unsupport", {}).status_code == 303
    assert _counts(db, tenant_a) == {project.id: 0}
    assert fresh(db, tenant_a, BudgetSupport) == []


def test_supports_are_limited_to_the_headings_of_a_group(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="selecting", groups=THREE_HEADINGS)
    region, first, second, third = headings_of(db, budget)
    provinces = groups_of(db, budget)[1]
    with scoped_to(db, tenant_a.id):
        db.get_one(BudgetGroup, provinces.id).max_supported_headings = 2
    in_region = make_project(db, region)
    in_first = [make_project(db, first) for _ in range(2)]
    in_second = make_project(db, second)
    in_third = make_project(db, third)
    sign_in(client_a, make_user(db, tenant_a, verified=True))
    db.commit()

    def support(project: BudgetProject) -> int:
        path = f"/budgets/{budget.id}/projects/{project.id}/support"
        return post(client_a, path, {}).status_code

    assert [support(p) for p in (*in_first, in_second, in_region)] == [303] * 4
    refused = post(client_a, f"/budgets/{budget.id}/projects/{in_third.id}/support", {})
    assert refused.status_code == 409
    assert template_name(refused) == "budgets/project_show.html"
    assert "puedes apoyar proyectos de 2 partida" in refused.text
    assert _counts(db, tenant_a)[in_third.id] == 0
    # Withdrawing the only support in a heading frees it for another.
    unsupport = f"/budgets/{budget.id}/projects/{in_second.id}/unsupport"
    assert post(client_a, unsupport, {}).status_code == 303
    assert support(in_third) == 303
    assert {s.heading_id for s in fresh(db, tenant_a, BudgetSupport)} == {
        region.id,
        first.id,
        third.id,
    }


def test_supports_are_refused_outside_selecting_and_to_rejected_projects(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    selecting = make_budget(db, tenant_a, phase="selecting")
    later = make_budget(db, tenant_a, phase="valuating")
    rejected = make_project(db, headings_of(db, selecting)[0], review_state="rejected")
    closed = make_project(db, headings_of(db, later)[0])
    sign_in(client_a, make_user(db, tenant_a, verified=True))
    db.commit()
    for budget_id, project in ((selecting.id, rejected), (later.id, closed)):
        path = f"/budgets/{budget_id}/projects/{project.id}/support"
        assert post(client_a, path, {}).status_code == 403
    assert fresh(db, tenant_a, BudgetSupport) == []


def test_organizations_and_unverified_accounts_do_not_support(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="selecting")
    project = make_project(db, headings_of(db, budget)[0])
    organization = make_user(db, tenant_a, organization=True, verified=True)
    citizen = make_user(db, tenant_a)
    db.commit()
    path = f"/budgets/{budget.id}/projects/{project.id}"
    for person in (organization, citizen):
        sign_in(client_a, person)
        assert post(client_a, f"{path}/support", {}).status_code == 403
    assert "Verifica tu residencia" in client_a.get(path).text
    assert fresh(db, tenant_a, BudgetSupport) == []


def test_a_desk_manager_supports_for_the_person_served(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    budget = make_budget(db, tenant_a, phase="selecting")
    project = make_project(db, headings_of(db, budget)[0])
    manager = make_user(db, tenant_a, "desk_manager")
    db.commit()
    add_to_census(db, tenant_a, settings.census_secret, "40999888", "1958-02-11")
    sign_in(client_a, manager)
    path = f"/budgets/{budget.id}/projects/{project.id}/support"
    assert post(client_a, path, {}).status_code == 403  # the manager has no voice of their own
    verified = post(
        client_a,
        "/desk/verify",
        {"dni": "40999888", "birth_date": "1958-02-11", "display_name": "Don Teófilo"},
    )
    assert verified.status_code == 303
    with scoped_to(db, tenant_a.id):
        served = db.query(Resident).one()
    token = csrf_of(client_a, "/desk")
    client_a.post("/desk/act", data={"user_id": str(served.user_id), "csrf_token": token})
    assert post(client_a, path, {}).status_code == 303
    (support,) = fresh(db, tenant_a, BudgetSupport)
    assert (support.resident_id, support.user_id, support.channel) == (
        served.id,
        served.user_id,
        "desk",
    )
    (entry,) = fresh(db, tenant_a, AuditEntry, AuditEntry.action == "budgets.support")
    assert (entry.actor_id, entry.channel, entry.details) == (
        manager.id,
        "desk",
        {"for_user": served.user_id},
    )
