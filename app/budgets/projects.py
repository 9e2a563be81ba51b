"""Investment projects of a budget: proposing, editing, reviewing, and their public pages.

Services flush and never commit. A heading is looked up within the budget in the request's
tenant, so a heading of another budget or instance is simply not in the list (422). The author
follows their project and is told the outcome of its review; a rejection's reason is public.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, select
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
# Ordering by price and filtering by valuation reveal valuations: only once prices are public.
PRICE_SORTS = (*SORTS, "price")
VALUATIONS = ("feasible", "unfeasible", "selected")
# Funded projects are known once the results are published.
RESULT_VALUATIONS = (*VALUATIONS, "funded")
HEADING_FIXED = N_("This project has supports already: its heading can no longer change.")


@dataclass(frozen=True)
class ProjectQuery:
    heading_id: int | None = None
    state: str = ""
    sort: str = "newest"
    page: int = 1
    valuation: str = ""


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


def valuations_offered(prices_public: bool, results_public: bool) -> tuple[str, ...]:
    if not prices_public:
        return ()
    return RESULT_VALUATIONS if results_public else VALUATIONS


def sorts_offered(prices_public: bool) -> tuple[str, ...]:
    return PRICE_SORTS if prices_public else SORTS


def list_query(
    *,
    heading_id: int | None,
    state: str,
    sort: str,
    page: int,
    valuation: str,
    prices_public: bool,
    results_public: bool,
) -> ProjectQuery:
    """The list's query from its parameters: an unknown value, or one that would reveal what is
    not public yet (a valuation before prices, funding before results), is the default, so the
    list is the same as without it."""
    valuations = valuations_offered(prices_public, results_public)
    return ProjectQuery(
        heading_id=heading_id,
        state=state if state in REVIEW_STATES else "",
        sort=sort if sort in sorts_offered(prices_public) else "newest",
        page=min(max(page, 1), MAX_PAGE),
        valuation=valuation if valuation in valuations else "",
    )


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
    if query.valuation in ("feasible", "unfeasible"):
        statement = statement.where(BudgetProject.feasibility == query.valuation)
    elif query.valuation == "selected":
        statement = statement.where(BudgetProject.selected.is_(True))
    elif query.valuation == "funded":
        # As the project's page: a winner of a heading whose results are stored.
        counted = select(BudgetHeading.id).where(
            BudgetHeading.budget_id == budget.id, BudgetHeading.results_json.is_not(None)
        )
        statement = statement.where(
            BudgetProject.winner.is_(True), BudgetProject.heading_id.in_(counted)
        )
    if query.sort == "supports":
        statement = statement.order_by(BudgetProject.supports_count.desc(), BudgetProject.id.desc())
    elif query.sort == "price":
        # Only a feasible project's price is shown, so only it orders; the others come last.
        price = case((BudgetProject.feasibility == "feasible", BudgetProject.price))
        statement = statement.order_by(price.is_(None), price, BudgetProject.id.desc())
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
