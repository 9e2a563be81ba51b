"""Investment projects of a budget: proposing, editing, reviewing, and their public pages.

Services flush and never commit. A heading is looked up within the budget in the request's
tenant, so a heading of another budget or instance is simply not in the list (422). The author
follows their project and is told the outcome of its review; a rejection's reason is public.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.budgets import repository
from app.budgets.models import REVIEW_STATES, Budget, BudgetHeading, BudgetProject
from app.budgets.models import BudgetProjectDocument as Document
from app.budgets.project_forms import CHOOSE_HEADING, ProjectForm, ReviewForm
from app.budgets.service import FormProblem
from app.db import utcnow
from app.errors import NotFound
from app.i18n import N_
from app.notifications.service import follow, notify

TARGET = "budget_project"
PAGE_SIZE = 25
# Offsets stay bounded so a deep page costs the same whatever the number of projects.
MAX_PAGE = 400
SORTS = ("newest", "supports")
HEADING_FIXED = N_("This project has supports already: its heading can no longer change.")


@dataclass(frozen=True)
class ProjectQuery:
    heading_id: int | None = None
    state: str = ""
    sort: str = "newest"
    page: int = 1


@dataclass(frozen=True)
class NewDocument:
    file_name: str
    title: str


def get_project(
    session: Session, budget: Budget, project_id: int, *, include_hidden: bool = False
) -> BudgetProject:
    """The project of this budget (in the session's tenant), or NotFound."""
    project = session.scalars(
        select(BudgetProject).where(
            BudgetProject.id == project_id, BudgetProject.budget_id == budget.id
        )
    ).one_or_none()
    if project is None or (project.hidden_at is not None and not include_hidden):
        raise NotFound()
    return project


def heading_of_budget(session: Session, budget: Budget, heading_id: int) -> BudgetHeading:
    heading = repository.get_heading(session, budget.id, heading_id)
    if heading is None:
        raise FormProblem("heading_id", CHOOSE_HEADING)
    return heading


def list_page(
    session: Session, budget: Budget, query: ProjectQuery
) -> tuple[list[BudgetProject], bool]:
    """One page of the budget's visible projects and whether another page follows."""
    statement = select(BudgetProject).where(
        BudgetProject.budget_id == budget.id, BudgetProject.hidden_at.is_(None)
    )
    if query.heading_id is not None:
        statement = statement.where(BudgetProject.heading_id == query.heading_id)
    if query.state in REVIEW_STATES:
        statement = statement.where(BudgetProject.review_state == query.state)
    if query.sort == "supports":
        statement = statement.order_by(BudgetProject.supports_count.desc(), BudgetProject.id.desc())
    else:
        statement = statement.order_by(BudgetProject.id.desc())
    rows = list(
        session.scalars(statement.offset((query.page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1))
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def documents_of(session: Session, project_id: int) -> list[Document]:
    return list(
        session.scalars(
            select(Document).where(Document.project_id == project_id).order_by(Document.id)
        )
    )


def author_name(session: Session, project: BudgetProject) -> str | None:
    if project.author_id is None:
        return None
    return session.scalar(select(User.display_name).where(User.id == project.author_id))


def create_project(
    session: Session,
    budget: Budget,
    author_id: int,
    form: ProjectForm,
    image_name: str | None,
    documents: list[NewDocument],
    now: datetime | None = None,
) -> BudgetProject:
    heading = heading_of_budget(session, budget, form.heading_id)
    project = BudgetProject(
        budget_id=budget.id,
        heading_id=heading.id,
        author_id=author_id,
        title=form.title,
        description=form.description,
        location=form.location,
        image_name=image_name,
        image_alt=form.image_alt if image_name else None,
        created_at=now or utcnow(),
        review_state="pending",
        supports_count=0,
    )
    session.add(project)
    session.flush()
    _add_documents(session, project, documents, now)
    follow(session, author_id, TARGET, project.id)
    return project


def _add_documents(
    session: Session, project: BudgetProject, documents: list[NewDocument], now: datetime | None
) -> None:
    session.add_all(
        Document(
            project_id=project.id,
            file_name=document.file_name,
            title=document.title,
            created_at=now or utcnow(),
        )
        for document in documents
    )
    session.flush()


def check_heading_change(project: BudgetProject, heading_id: int) -> None:
    """Supports copy their heading (the limit per group counts them): it stays once given."""
    if heading_id != project.heading_id and project.supports_count > 0:
        raise FormProblem("heading_id", HEADING_FIXED)


def edit_project(
    session: Session,
    budget: Budget,
    project: BudgetProject,
    form: ProjectForm,
    image_name: str | None,
    added: list[NewDocument],
    removed: list[Document],
    now: datetime | None = None,
) -> list[str]:
    """Apply the form; answer the names of the files the project no longer uses."""
    check_heading_change(project, form.heading_id)
    heading = heading_of_budget(session, budget, form.heading_id)
    unused: list[str] = []
    project.title = form.title
    project.description = form.description
    project.heading_id = heading.id
    project.location = form.location
    if image_name is not None:
        if project.image_name:
            unused.append(project.image_name)
        project.image_name = image_name
    project.image_alt = form.image_alt if project.image_name else None
    project.updated_at = now or utcnow()
    for document in removed:
        unused.append(document.file_name)
        session.delete(document)
    session.flush()
    _add_documents(session, project, added, now)
    return unused


def review_project(
    session: Session, project: BudgetProject, form: ReviewForm, actor_id: int
) -> None:
    """Accept, or reject with its public reason; the author is told either way."""
    rejected = form.decision == "reject"
    project.review_state = "rejected" if rejected else "accepted"
    project.rejection_reason = form.reason if rejected else None
    session.flush()
    notify(
        session,
        [project.author_id],
        "project_rejected" if rejected else "project_accepted",
        TARGET,
        project.id,
        {"title": project.title},
        actor_id=actor_id,
    )
