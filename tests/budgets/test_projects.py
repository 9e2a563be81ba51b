"""Projects through the real routes: proposing with an image and documents, editing, bad input
kept in the form, the review with its public reason, and the project pages."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.budgets.models import BudgetProject, BudgetProjectDocument
from app.config import Settings
from app.db import scoped_to
from app.notifications.models import Follow, Notification
from app.tenants.models import Tenant
from tests.budgets.factories import headings_of, make_budget, make_project
from tests.budgets.project_helpers import PDF, audited, fresh, png, post, project_form
from tests.factories import HOSTILE
from tests.people import make_user, sign_in
from tests.rendering import context_of, template_name

ESCAPED = "&lt;script&gt;alert("


def _move(db: Session, tenant: Tenant, budget_id: int, phase: str) -> None:
    from app.budgets.models import Budget

    with scoped_to(db, tenant.id):
        budget = db.get_one(Budget, budget_id)
        budget.phase = phase
        db.commit()


def test_a_citizen_proposes_a_project_with_an_image_and_a_document(
    client_a: TestClient, db: Session, tenant_a: Tenant, settings: Settings
) -> None:
    budget = make_budget(db, tenant_a, phase="accepting")
    heading = headings_of(db, budget)[1]
    author = make_user(db, tenant_a)
    db.commit()
    sign_in(client_a, author)
    page = client_a.get(f"/budgets/{budget.id}/projects/new")
    assert page.status_code == 200
    assert "<optgroup" in page.text
    assert ESCAPED in page.text
    files = [
        ("image", ("foto.png", png(), "image/png")),
        ("documents", ("Expediente técnico.pdf", PDF, "application/pdf")),
    ]
    data = project_form(heading, image_alt="El río Moche")
    sent = post(client_a, f"/budgets/{budget.id}/projects/new", data, files)
    assert sent.status_code == 303, sent.text[:2000]
    (project,) = fresh(db, tenant_a, BudgetProject)
    assert sent.headers["location"] == f"/budgets/{budget.id}/projects/{project.id}"
    assert (project.heading_id, project.author_id, project.review_state) == (
        heading.id,
        author.id,
        "pending",
    )
    assert project.title == f"{HOSTILE} Puente peatonal"
    assert project.image_name
    assert project.image_alt == "El río Moche"
    (document,) = fresh(db, tenant_a, BudgetProjectDocument)
    assert document.title == "Expediente técnico"
    assert (Path(settings.var_dir) / "media" / "budget_documents" / document.file_name).is_file()
    assert audited(db, tenant_a) == ["budgets.project_created"]
    assert fresh(db, tenant_a, Follow, Follow.target_type == "budget_project")[0].user_id == (
        author.id
    )
    shown = client_a.get(sent.headers["location"])
    assert shown.status_code == 200
    assert ESCAPED in shown.text
    assert "<script>alert" not in shown.text
    assert "<strong>Moche</strong>" in shown.text  # the description is Markdown
    assert "Expediente técnico" in shown.text
    image = client_a.get(f"/budgets/{budget.id}/projects/{project.id}/image")
    assert image.status_code == 200
    assert image.headers["content-type"] == "image/jpeg"
    download = client_a.get(f"/budgets/{budget.id}/projects/{project.id}/documents/{document.id}")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in download.headers["content-security-policy"]


def test_bad_input_comes_back_with_the_input_and_stores_nothing(
    client_a: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant, settings: Settings
) -> None:
    budget = make_budget(db, tenant_a, phase="accepting")
    other = make_budget(db, tenant_a, phase="accepting")
    foreign = make_budget(db, tenant_b, phase="accepting")
    heading = headings_of(db, budget)[0]
    db.commit()
    sign_in(client_a, make_user(db, tenant_a))
    db.commit()
    path = f"/budgets/{budget.id}/projects/new"
    empty = post(client_a, path, project_form(heading, title="", description=" "))
    assert empty.status_code == 422
    assert "Escribe un título" in empty.text
    assert context_of(empty)["form"]["location"] == f"{HOSTILE} Jr. Pizarro 123"
    assert ESCAPED in empty.text
    for wrong in (headings_of(db, other)[0].id, headings_of(db, foreign)[0].id, "abc", ""):
        answer = post(client_a, path, project_form(heading, heading_id=str(wrong)))
        assert answer.status_code == 422, wrong
        assert "Elige una partida de la lista" in answer.text
        assert context_of(answer)["form"]["title"] == f"{HOSTILE} Puente peatonal"
    not_pdf = [("documents", ("virus.pdf", b"MZ\x90\x00 not a pdf", "application/pdf"))]
    answer = post(client_a, path, project_form(heading), not_pdf)
    assert answer.status_code == 422
    assert "deben ser archivos PDF" in answer.text
    html_as_pdf = [("documents", ("x.pdf", PDF, "text/html"))]
    assert post(client_a, path, project_form(heading), html_as_pdf).status_code == 422
    too_many = [("documents", (f"d{n}.pdf", PDF, "application/pdf")) for n in range(4)]
    answer = post(client_a, path, project_form(heading), too_many)
    assert answer.status_code == 422
    no_alt = [("image", ("foto.png", png(), "image/png"))]
    answer = post(client_a, path, project_form(heading), no_alt)
    assert answer.status_code == 422
    assert "Describe la imagen" in answer.text
    not_image = [("image", ("foto.png", b"GIF89a....", "image/png"))]
    answer = post(client_a, path, project_form(heading, image_alt="x"), not_image)
    assert answer.status_code == 422
    assert fresh(db, tenant_a, BudgetProject) == []
    assert fresh(db, tenant_a, BudgetProjectDocument) == []
    media = Path(settings.var_dir) / "media"
    assert not any(p.is_file() for p in media.rglob("*")) if media.exists() else True


def test_the_author_edits_while_accepting_and_not_after(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="accepting")
    first, second = headings_of(db, budget)[:2]
    author = make_user(db, tenant_a)
    project = make_project(db, first, author=author, review_state="pending")
    db.commit()
    sign_in(client_a, author)
    path = f"/budgets/{budget.id}/projects/{project.id}/edit"
    form = client_a.get(path)
    assert form.status_code == 200
    assert context_of(form)["form"]["heading_id"] == first.id
    docs = [("documents", ("plano.pdf", PDF, "application/pdf"))]
    saved = post(client_a, path, project_form(second, title="Nuevo título"), docs)
    assert saved.status_code == 303, saved.text[:2000]
    (stored,) = fresh(db, tenant_a, BudgetProject)
    assert (stored.title, stored.heading_id) == ("Nuevo título", second.id)
    (document,) = fresh(db, tenant_a, BudgetProjectDocument)
    removed = post(
        client_a,
        path,
        {**project_form(second, title="Otra vez"), "remove_documents": str(document.id)},
    )
    assert removed.status_code == 303
    assert fresh(db, tenant_a, BudgetProjectDocument) == []
    assert audited(db, tenant_a) == ["budgets.project_edited", "budgets.project_edited"]
    _move(db, tenant_a, budget.id, "reviewing")
    assert client_a.get(path).status_code == 403
    assert post(client_a, path, project_form(first)).status_code == 403
    assert fresh(db, tenant_a, BudgetProject)[0].title == "Otra vez"


def test_someone_else_cannot_edit_a_project(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="accepting")
    heading = headings_of(db, budget)[0]
    project = make_project(db, heading, author=make_user(db, tenant_a), review_state="pending")
    sign_in(client_a, make_user(db, tenant_a, "administrator"))
    db.commit()
    path = f"/budgets/{budget.id}/projects/{project.id}/edit"
    assert post(client_a, path, project_form(heading, title="Cambiado")).status_code == 403
    assert fresh(db, tenant_a, BudgetProject)[0].title != "Cambiado"


def test_the_review_rejects_with_a_public_reason_and_tells_the_author(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="reviewing")
    heading = headings_of(db, budget)[0]
    author = make_user(db, tenant_a)
    project = make_project(db, heading, author=author, review_state="pending")
    kept = make_project(db, heading, author=author, review_state="pending")
    sign_in(client_a, make_user(db, tenant_a, "administrator"))
    db.commit()
    path = f"/budgets/{budget.id}/projects/{project.id}/review"
    missing = post(client_a, path, {"decision": "reject", "reason": "  "})
    assert missing.status_code == 422
    assert template_name(missing) == "budgets/project_show.html"
    assert "es público" in missing.text
    assert post(client_a, path, {"decision": "maybe", "reason": ""}).status_code == 422
    assert {p.review_state for p in fresh(db, tenant_a, BudgetProject)} == {"pending"}
    reason = f"{HOSTILE} No es competencia del gobierno regional."
    rejected = post(client_a, path, {"decision": "reject", "reason": reason})
    assert rejected.status_code == 303
    accepted = post(
        client_a, f"/budgets/{budget.id}/projects/{kept.id}/review", {"decision": "accept"}
    )
    assert accepted.status_code == 303
    stored = {p.id: p for p in fresh(db, tenant_a, BudgetProject)}
    assert (stored[project.id].review_state, stored[project.id].rejection_reason) == (
        "rejected",
        reason,
    )
    assert stored[kept.id].review_state == "accepted"
    assert audited(db, tenant_a) == ["budgets.project_rejected", "budgets.project_accepted"]
    told = fresh(db, tenant_a, Notification, Notification.user_id == author.id)
    assert [(n.kind, n.target_id) for n in told] == [
        ("project_rejected", project.id),
        ("project_accepted", kept.id),
    ]
    notifications = client_a.get(f"/budgets/projects/{project.id}", follow_redirects=False)
    assert notifications.headers["location"] == f"/budgets/{budget.id}/projects/{project.id}"
    listed = client_a.get(f"/budgets/{budget.id}/projects")
    assert "No admitido" in listed.text
    assert "No es competencia" in listed.text
    _move(db, tenant_a, budget.id, "selecting")
    sign_in(client_a, make_user(db, tenant_a, verified=True))
    db.commit()
    page = client_a.get(f"/budgets/{budget.id}/projects/{project.id}")
    assert "No es competencia" in page.text
    assert "/support" not in page.text
    refused = post(client_a, f"/budgets/{budget.id}/projects/{project.id}/support", {})
    assert refused.status_code == 403


def test_the_list_filters_by_heading_and_state_in_pages(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="selecting")
    first, second = headings_of(db, budget)[:2]
    for number in range(27):
        make_project(db, first, title=f"Primera {number}")
    make_project(db, second, title="Segunda rechazada", review_state="rejected")
    db.commit()
    everything = client_a.get(f"/budgets/{budget.id}/projects")
    assert everything.status_code == 200
    assert len(context_of(everything)["projects"]) == 25
    assert 'rel="next"' in everything.text
    second_page = client_a.get(f"/budgets/{budget.id}/projects?page=2")
    assert len(context_of(second_page)["projects"]) == 3
    only = client_a.get(f"/budgets/{budget.id}/projects?heading={second.id}")
    assert [p.title for p in context_of(only)["projects"]] == ["Segunda rechazada"]
    rejected = client_a.get(f"/budgets/{budget.id}/projects?state=rejected")
    assert [p.title for p in context_of(rejected)["projects"]] == ["Segunda rechazada"]
    odd = client_a.get(f"/budgets/{budget.id}/projects?heading=x&state=<b>&page=-4&sort=1")
    assert odd.status_code == 200
    assert len(context_of(odd)["projects"]) == 25


def test_another_instance_sees_nothing(
    client_a: TestClient, client_b: TestClient, db: Session, tenant_a: Tenant, tenant_b: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="selecting")
    heading = headings_of(db, budget)[0]
    project = make_project(db, heading)
    foreign_budget = make_budget(db, tenant_b, phase="selecting")
    sign_in(client_b, make_user(db, tenant_b, "administrator", verified=True))
    db.commit()
    base = f"/budgets/{budget.id}/projects/{project.id}"
    for path in (
        base,
        f"{base}/edit",
        f"/budgets/{budget.id}/projects",
        f"/budgets/projects/{project.id}",
    ):
        assert client_b.get(path, follow_redirects=False).status_code == 404, path
    # The project under a budget of the other instance is not found either.
    moved = f"/budgets/{foreign_budget.id}/projects/{project.id}"
    assert client_b.get(moved).status_code == 404
    for action in ("support", "unsupport", "review"):
        answer = post(client_b, f"{base}/{action}", {"decision": "accept"})
        assert answer.status_code == 404, action
        assert post(client_b, f"{moved}/{action}", {"decision": "accept"}).status_code == 404
    assert fresh(db, tenant_a, BudgetProject)[0].supports_count == 0


def test_a_project_is_commented_on_its_page(
    client_a: TestClient, db: Session, tenant_a: Tenant
) -> None:
    budget = make_budget(db, tenant_a, phase="selecting")
    project = make_project(db, headings_of(db, budget)[0])
    sign_in(client_a, make_user(db, tenant_a))
    db.commit()
    data = {"target_type": "budget_project", "target_id": str(project.id), "body": HOSTILE}
    sent = post(client_a, "/comments", data)
    assert sent.status_code == 303
    page = client_a.get(sent.headers["location"], follow_redirects=True)
    assert page.url.path == f"/budgets/{budget.id}/projects/{project.id}"
    assert ESCAPED in page.text
    assert fresh(db, tenant_a, BudgetProject)[0].comments_count == 1
