"""Execution tracking of the funded projects through the real routes: status, progress, CUI and
amount executed; milestones; photos; bad input kept and refused with nothing changed; the public
list with its filters in a fixed number of queries."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from PIL import Image
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.budgets.models import Budget, BudgetMilestone, BudgetPhoto, BudgetProject
from app.budgets.results import publish_results
from app.config import Settings
from app.db import scoped_to
from app.proposals import images
from app.tenants.models import Tenant
from tests.budgets.factories import headings_of, make_budget, make_project
from tests.budgets.test_results import add_ballots, admin_client, fresh
from tests.factories import HOSTILE
from tests.people import csrf_of
from tests.proposals.test_list import counted
from tests.rendering import context_of

ESCAPED = "&lt;script&gt;alert("
VALID = {"execution_status": "works", "progress": "45", "cui": "2 345 678", "amount_executed": ""}


def funded_budget(
    db: Session, tenant: Tenant, per_heading: Sequence[int] = (2, 1), phase: str = "finished"
) -> tuple[Budget, list[list[BudgetProject]]]:
    """A finished budget, one heading per entry of ``per_heading`` with that many projects of
    S/ 100 each, every one voted and funded, results published (by the real count)."""
    amounts = tuple(100 * count for count in per_heading)
    budget = make_budget(db, tenant, phase=phase, groups=((f"{HOSTILE} G", amounts),))
    funded = []
    for heading, count in zip(headings_of(db, budget), per_heading, strict=True):
        projects = []
        for number in range(count):
            project = make_project(db, heading, title=f"{HOSTILE} obra {number}", price=100)
            with scoped_to(db, tenant.id):
                project.selected = True
            projects.append(project)
        add_ballots(db, heading, [projects] * 3, prefix=f"h{heading.id}")
        funded.append(projects)
    with scoped_to(db, tenant.id):
        publish_results(db, budget.id)
    db.flush()
    return budget, funded


def post(client: TestClient, path: str, data: dict[str, Any], **kwargs: Any) -> Response:
    data = {**data, "csrf_token": csrf_of(client, "/budgets")}
    return client.post(path, data=data, follow_redirects=False, **kwargs)


def page_of(budget: Budget, project: BudgetProject) -> str:
    return f"/admin/budgets/{budget.id}/executions/{project.id}"


def png() -> bytes:
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 120, 40)).save(picture, "PNG")
    return picture.getvalue()


def test_an_administrator_keeps_a_funded_project_up_to_date(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, ((project, _other), _) = funded_budget(db, tenant_a)
    admin_client(client_a, db, tenant_a)
    assert client_a.get(page_of(budget, project)).status_code == 200
    data = {**VALID, "amount_executed": "S/ 35 000"}
    assert post(client_a, page_of(budget, project), data).status_code == 303
    (stored,) = fresh(db, tenant_a, BudgetProject, id=project.id)
    assert (stored.execution_status, stored.progress, stored.cui, stored.amount_executed) == (
        "works",
        45,
        "2345678",
        35_000,
    )
    milestone = {"title": f"{HOSTILE} expediente", "description": HOSTILE, "due_on": "2027-11-30"}
    assert post(client_a, page_of(budget, project) + "/milestones", milestone).status_code == 303
    (added,) = fresh(db, tenant_a, BudgetMilestone)
    edited = {**milestone, "done_on": "2027-11-20"}
    edit_path = f"{page_of(budget, project)}/milestones/{added.id}/edit"
    assert client_a.get(edit_path).status_code == 200
    assert post(client_a, edit_path, edited).status_code == 303
    (done,) = fresh(db, tenant_a, BudgetMilestone)
    assert (done.due_on.isoformat(), done.done_on.isoformat()) == ("2027-11-30", "2027-11-20")
    public = client_a.get(f"/budgets/{budget.id}/executions")
    assert "2345678" in public.text
    assert "En obra" in public.text
    assert "S/ 35 000" in public.text
    assert ESCAPED in public.text
    assert "<script>alert" not in public.text
    delete_path = f"{page_of(budget, project)}/milestones/{added.id}/delete"
    assert post(client_a, delete_path, {}).status_code == 303
    assert fresh(db, tenant_a, BudgetMilestone) == []
    actions = [e.action for e in fresh(db, tenant_a, AuditEntry) if e.action.startswith("budg")]
    assert actions == [
        "budgets.execution_updated",
        "budgets.milestone_added",
        "budgets.milestone_edited",
        "budgets.milestone_deleted",
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("progress", "150", "número entero de 0 a 100"),
        ("progress", "-1", "número entero de 0 a 100"),
        ("progress", "", "número entero de 0 a 100"),
        ("amount_executed", "-5", "soles enteros"),
        ("amount_executed", "1200.50", "soles enteros"),
        ("cui", "12345678", "como máximo 7"),
        ("cui", "23A5678", "como máximo 7"),
        ("execution_status", "paused", "Elige una de las opciones"),
    ],
)
def test_bad_execution_input_comes_back_and_changes_nothing(
    client_a: TestClient, db: Session, tenant_a: Tenant, field: str, value: str, message: str
) -> None:
    budget, ((project, _other), _) = funded_budget(db, tenant_a)
    admin_client(client_a, db, tenant_a)
    answer = post(client_a, page_of(budget, project), {**VALID, field: value})
    assert answer.status_code == 422
    assert message in answer.text
    assert context_of(answer)["form"][field] == value
    assert 'aria-invalid="true"' in answer.text
    (stored,) = fresh(db, tenant_a, BudgetProject, id=project.id)
    assert (stored.execution_status, stored.progress, stored.cui) == ("not_started", 0, None)
    assert not [e for e in fresh(db, tenant_a, AuditEntry) if e.action.startswith("budgets.exe")]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "", "due_on": "2027-01-01"}, "title"),
        ({"title": "Obra", "due_on": "30/11/2027"}, "due_on"),
        ({"title": "Obra", "done_on": "2027-02-30"}, "done_on"),
        ({"title": "x" * 151}, "title"),
    ],
)
def test_a_bad_milestone_comes_back_and_changes_nothing(
    client_a: TestClient, db: Session, tenant_a: Tenant, data: dict[str, str], field: str
) -> None:
    budget, ((project, _other), _) = funded_budget(db, tenant_a)
    admin_client(client_a, db, tenant_a)
    answer = post(client_a, page_of(budget, project) + "/milestones", data)
    assert answer.status_code == 422
    assert field in context_of(answer)["milestone_errors"]
    assert context_of(answer)["milestone_form"]["title"] == data["title"]
    assert fresh(db, tenant_a, BudgetMilestone) == []


def test_photos_are_uploaded_described_shown_and_deleted(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    budget, ((project, _other), _) = funded_budget(db, tenant_a)
    admin_client(client_a, db, tenant_a)
    path = page_of(budget, project) + "/photos"
    files = {"photo": ("obra.png", png(), "image/png")}
    no_alt = post(client_a, path, {"alt": " "}, files=files)
    assert no_alt.status_code == 422
    assert "Describe la foto" in no_alt.text
    broken = {"photo": ("x.png", b"no", "image/png")}
    not_image = post(client_a, path, {"alt": "Obra"}, files=broken)
    assert not_image.status_code == 422
    assert fresh(db, tenant_a, BudgetPhoto) == []
    assert post(client_a, path, {"alt": f"{HOSTILE} zanja"}, files=files).status_code == 303
    (photo,) = fresh(db, tenant_a, BudgetPhoto)
    photo_id, stored_file = photo.id, images.image_path(settings.var_dir, photo.file_name)
    assert stored_file.is_file()
    client_a.post("/logout", data={"csrf_token": csrf_of(client_a)})
    listed = client_a.get(f"/budgets/{budget.id}/executions")
    assert f'src="/budgets/{budget.id}/executions/photos/{photo.id}"' in listed.text
    assert 'alt="&lt;script&gt;' in listed.text
    served = client_a.get(f"/budgets/{budget.id}/executions/photos/{photo.id}")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    admin_client(client_a, db, tenant_a)
    gone = post(client_a, f"{page_of(budget, project)}/photos/{photo_id}/delete", {})
    assert gone.status_code == 303
    assert fresh(db, tenant_a, BudgetPhoto) == []
    assert not stored_file.exists()
    assert client_a.get(f"/budgets/{budget.id}/executions/photos/{photo_id}").status_code == 404


def test_only_this_budgets_funded_projects_are_tracked(
    client_a: TestClient, client_b: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    budget, ((project, _other), _) = funded_budget(db, tenant_a)
    other_budget, ((elsewhere, _), _) = funded_budget(db, tenant_a)
    unfunded = make_project(db, headings_of(db, budget)[0], price=100)
    admin_client(client_a, db, tenant_a)
    for target in (unfunded, elsewhere):
        assert post(client_a, page_of(budget, target), VALID).status_code == 404
        assert client_a.get(page_of(budget, target)).status_code == 404
    milestone_path = f"{page_of(other_budget, elsewhere)}/milestones"
    assert post(client_a, milestone_path, {"title": "Obra"}).status_code == 303
    (milestone,) = fresh(db, tenant_a, BudgetMilestone)
    foreign = f"{page_of(budget, project)}/milestones/{milestone.id}/edit"
    assert post(client_a, foreign, {"title": "Cambiado"}).status_code == 404
    assert fresh(db, tenant_a, BudgetMilestone)[0].title == "Obra"
    (stored,) = fresh(db, tenant_a, BudgetProject, id=unfunded.id)
    assert stored.execution_status == "not_started"
    # Another instance does not find this one's budget, even with an administrator signed in.
    admin_client(client_b, db, tenant_b)
    assert post(client_b, page_of(budget, project), VALID).status_code == 404
    assert client_b.get(f"/budgets/{budget.id}/executions").status_code == 404
    (untouched,) = fresh(db, tenant_a, BudgetProject, id=project.id)
    assert untouched.progress == 0


def test_the_public_list_filters_by_heading_and_status(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget, (first, second) = funded_budget(db, tenant_a, per_heading=(2, 1))
    with scoped_to(db, tenant_a.id):
        first[1].execution_status = "finished"
        second[0].execution_status = "finished"
    db.commit()
    path = f"/budgets/{budget.id}/executions"

    def listed(query: str) -> list[int]:
        answer = client_a.get(path + query)
        assert answer.status_code == 200
        return [project.id for project in context_of(answer)["projects"]]

    assert listed("") == [first[0].id, first[1].id, second[0].id]
    heading = first[0].heading_id
    assert listed(f"?heading={heading}") == [first[0].id, first[1].id]
    assert listed("?status=finished") == [first[1].id, second[0].id]
    assert listed(f"?heading={heading}&status=finished") == [first[1].id]
    assert listed(f"?heading={heading}&status=") == [first[0].id, first[1].id]
    other, _ = funded_budget(db, tenant_a)
    db.commit()
    foreign_heading = headings_of(db, other)[0].id
    assert client_a.get(f"{path}?heading={foreign_heading}").status_code == 404
    assert client_a.get(f"{path}?heading=abc").status_code == 404
    assert client_a.get(f"{path}?status=paused").status_code == 422


def test_nothing_is_listed_before_the_results_are_public(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="balloting")
    db.commit()
    answer = client_a.get(f"/budgets/{budget.id}/executions")
    assert answer.status_code == 200
    assert context_of(answer)["projects"] == []


def test_the_list_runs_a_fixed_number_of_queries(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    def extras(budget: Budget, projects: list[BudgetProject]) -> None:
        with scoped_to(db, tenant_a.id):
            for project in projects:
                db.add(BudgetMilestone(project_id=project.id, title=f"{HOSTILE} hito"))
                db.add(BudgetMilestone(project_id=project.id, title="Otro hito"))
                db.add(BudgetPhoto(project_id=project.id, file_name="x.jpg", alt="Foto"))
            db.flush()
        db.commit()

    small, small_funded = funded_budget(db, tenant_a, per_heading=(1,))
    extras(small, small_funded[0])
    large, large_funded = funded_budget(db, tenant_a, per_heading=(4, 4, 4))
    extras(large, [project for projects in large_funded for project in projects])
    engine = db.get_bind()
    with counted(engine.engine) as few:
        answer = client_a.get(f"/budgets/{small.id}/executions")
    assert len(context_of(answer)["projects"]) == 1
    with counted(engine.engine) as many:
        answer = client_a.get(f"/budgets/{large.id}/executions")
    assert len(context_of(answer)["projects"]) == 12
    assert len(many) == len(few), "\n".join(many)
