"""Valuating budget projects: valuators per heading, the valuation of a project, and the
administrators' choice of which feasible projects go to the ballot.

Being assigned to a heading is what lets a person valuate it (see permissions.py). A
valuation stays hidden from the public until the budget publishes its prices; the author is
told only that their project was valuated, once per change of its feasibility or price.
Services flush and never commit; queries run through the tenant-scoped session.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.service import record
from app.authz.principal import Principal
from app.budgets.models import Budget, BudgetHeading, BudgetProject, BudgetValuator
from app.budgets.permissions import ValuationSeat
from app.budgets.schemas import MAX_AMOUNT, _text, whole_number
from app.db import utcnow
from app.errors import Invalid, NotFound
from app.forms import FieldError
from app.i18n import N_
from app.notifications.service import notify
from app.proposals.schemas import clean_line, clean_text

EXPLANATION_MAX = 5_000
DURATION_MAX = 100
ACCOUNT_MAX = 254
PROJECT_TARGET = "budget_project"
BAD_PRICE = N_(
    "Enter the price in whole soles, without céntimos and not negative: for example 1 250 000."
)


class FieldProblem(Invalid):
    """Input refused, to be shown beside the field named ``field``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# ---------------------------------------------------------------- the form


def _optional_text(value: object, maximum: int, too_long: str) -> str | None:
    text = _text(value)
    if not text.strip():
        return None
    return clean_text(text, maximum, too_long, too_long)


class ValuationForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    feasibility: str = ""
    explanation: str = ""
    price: int | None = None
    price_explanation: str | None = None
    duration: str | None = None

    @field_validator("feasibility", mode="before")
    @classmethod
    def _feasibility(cls, value: object) -> str:
        if value not in ("feasible", "unfeasible"):
            raise ValueError(N_("Say whether the project is feasible."))
        return str(value)

    @field_validator("explanation", mode="before")
    @classmethod
    def _explanation(cls, value: object) -> str:
        return clean_text(
            _text(value),
            EXPLANATION_MAX,
            N_("The explanation is too long: at most 5,000 characters."),
            N_("Write the explanation the public will read."),
        )

    @field_validator("price", mode="before")
    @classmethod
    def _price(cls, value: object) -> int | None:
        number = whole_number(value, BAD_PRICE)
        if number is not None and number > MAX_AMOUNT:
            raise ValueError(N_("The price is too large."))
        return number

    @field_validator("price_explanation", mode="before")
    @classmethod
    def _price_explanation(cls, value: object) -> str | None:
        return _optional_text(
            value, EXPLANATION_MAX, N_("The explanation is too long: at most 5,000 characters.")
        )

    @field_validator("duration", mode="before")
    @classmethod
    def _duration(cls, value: object) -> str | None:
        text = _text(value)
        if not text.strip():
            return None
        too_long = N_("The duration is too long: at most 100 characters.")
        return clean_line(text, DURATION_MAX, too_long, too_long)

    def problems(self) -> dict[str, FieldError]:
        if self.feasibility == "feasible" and self.price is None:
            return {"price": N_("A feasible project needs its price in soles.")}
        return {}


# ---------------------------------------------------------------- queries


def headings_valuated_by(session: Session, budget_id: int, user_id: int) -> frozenset[int]:
    return frozenset(
        session.scalars(
            select(BudgetValuator.heading_id)
            .join(BudgetHeading, BudgetHeading.id == BudgetValuator.heading_id)
            .where(BudgetValuator.user_id == user_id, BudgetHeading.budget_id == budget_id)
        )
    )


def seat_of(
    session: Session, budget: Budget, me: Principal | None, project: BudgetProject | None = None
) -> ValuationSeat:
    headings = headings_valuated_by(session, budget.id, me.user_id) if me else frozenset()
    return ValuationSeat(budget, headings, project)


def get_project(
    session: Session, budget_id: int, project_id: int, *, lock: bool = False
) -> BudgetProject:
    """The budget's project; ``lock``: against a concurrent valuation (PostgreSQL), so the
    author is told once when two valuators save the same change."""
    statement = select(BudgetProject).where(
        BudgetProject.id == project_id, BudgetProject.budget_id == budget_id
    )
    project = session.scalars(statement.with_for_update() if lock else statement).one_or_none()
    if project is None:
        raise NotFound()
    return project


def projects_to_valuate(
    session: Session, budget_id: int, heading_ids: frozenset[int] | None
) -> dict[int, list[BudgetProject]]:
    """Projects by heading, not rejected nor hidden, most supported first; ``None``: all."""
    statement = select(BudgetProject).where(
        BudgetProject.budget_id == budget_id,
        BudgetProject.review_state != "rejected",
        BudgetProject.hidden_at.is_(None),
    )
    if heading_ids is not None:
        statement = statement.where(BudgetProject.heading_id.in_(heading_ids))
    found: dict[int, list[BudgetProject]] = defaultdict(list)
    for project in session.scalars(
        statement.order_by(BudgetProject.supports_count.desc(), BudgetProject.id)
    ):
        found[project.heading_id].append(project)
    return found


def valuators_by_heading(session: Session, budget_id: int) -> dict[int, list[tuple[int, User]]]:
    """heading id -> (assignment id, account), by name."""
    rows = session.execute(
        select(BudgetValuator.id, BudgetValuator.heading_id, User)
        .join(User, User.id == BudgetValuator.user_id)
        .join(BudgetHeading, BudgetHeading.id == BudgetValuator.heading_id)
        .where(BudgetHeading.budget_id == budget_id)
        .order_by(User.display_name, User.id)
    )
    found: dict[int, list[tuple[int, User]]] = defaultdict(list)
    for assignment_id, heading_id, user in rows:
        found[heading_id].append((assignment_id, user))
    return found


def find_account(session: Session, typed: str) -> User:
    """An account of this instance by its email, or by its exact name when only one has it."""
    text = " ".join(typed.split())
    if not text:
        raise FieldProblem("account", N_("Type the email or the name of the account."))
    if len(text) > ACCOUNT_MAX:
        raise FieldProblem("account", N_("No account has this email or name."))
    by_email = session.scalars(
        select(User).where(func.lower(User.email) == text.lower()).limit(2)
    ).all()
    found = (
        by_email or session.scalars(select(User).where(User.display_name == text).limit(2)).all()
    )
    if not found:
        raise FieldProblem("account", N_("No account has this email or name."))
    if len(found) > 1:
        raise FieldProblem(
            "account", N_("Several accounts have this name: type the email of the one you mean.")
        )
    user = found[0]
    if user.blocked_at is not None:
        raise FieldProblem("account", N_("This account is blocked."))
    if user.is_organization:
        raise FieldProblem("account", N_("An organization cannot valuate: choose a person."))
    return user


# ---------------------------------------------------------------- services


def assign_valuator(session: Session, heading: BudgetHeading, user: User) -> bool:
    """True if added, False if the person already valuated the heading."""
    try:
        with session.begin_nested():
            session.add(BudgetValuator(heading_id=heading.id, user_id=user.id))
    except IntegrityError:
        return False
    return True


def remove_valuator(session: Session, budget_id: int, assignment_id: int) -> BudgetValuator:
    assignment = session.scalars(
        select(BudgetValuator)
        .join(BudgetHeading, BudgetHeading.id == BudgetValuator.heading_id)
        .where(BudgetValuator.id == assignment_id, BudgetHeading.budget_id == budget_id)
    ).one_or_none()
    if assignment is None:
        raise NotFound()
    session.delete(assignment)
    session.flush()
    return assignment


def valuate(
    session: Session, project: BudgetProject, form: ValuationForm, me: Principal, address: str
) -> None:
    """Save the valuation; tell the author when its feasibility or price changed.

    Price, its explanation and the duration belong to feasible projects: an unfeasible one
    keeps none, and leaves the ballot if it was selected."""
    feasible = form.feasibility == "feasible"
    before = (project.feasibility, project.price)
    project.feasibility = form.feasibility
    project.feasibility_explanation = form.explanation
    project.price = form.price if feasible else None
    project.price_explanation = form.price_explanation if feasible else None
    project.duration = form.duration if feasible else None
    project.valuated_at = utcnow()
    unselected = project.selected and not feasible
    if unselected:
        project.selected = False
    session.flush()
    if before != (project.feasibility, project.price):
        notify(
            session,
            [project.author_id],
            "valuation",
            PROJECT_TARGET,
            project.id,
            {"title": project.title},
            actor_id=me.user_id,
        )
    record(
        session,
        "budgets.project_valuated",
        actor=me,
        object_type=PROJECT_TARGET,
        object_id=project.id,
        client_address=address,
        details={
            "budget": project.budget_id,
            "heading": project.heading_id,
            "feasibility": project.feasibility,
            "price": project.price,
            "unselected": unselected,
        },
    )


def select_for_ballot(
    session: Session, budget: Budget, chosen: set[int]
) -> tuple[list[int], list[int]]:
    """Mark exactly ``chosen`` as going to the ballot; returns (added, removed) project ids.

    Every chosen id must be a feasible, not rejected, visible project of the budget, or
    nothing changes."""
    projects = [
        project
        for heading in projects_to_valuate(session, budget.id, None).values()
        for project in heading
    ]
    by_id = {project.id: project for project in projects}
    if not chosen <= by_id.keys():
        raise FieldProblem("projects", N_("Choose projects from the list."))
    if any(by_id[project_id].feasibility != "feasible" for project_id in chosen):
        raise FieldProblem("projects", N_("Only feasible projects can go to the ballot."))
    added = sorted(p.id for p in projects if p.id in chosen and not p.selected)
    removed = sorted(p.id for p in projects if p.id not in chosen and p.selected)
    for project in projects:
        project.selected = project.id in chosen
    session.flush()
    return added, removed
