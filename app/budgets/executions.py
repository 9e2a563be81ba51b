"""Execution tracking of the funded projects: status, progress, CUI, amount executed,
milestones and photos ("control social de obras").

The CUI (Código Único de Inversiones) is an investment's number in Peru's national investment
system, Invierte.pe (since 2017): digits only, 7 in practice (2xxxxxx). Investments from the
former SNIP are still often quoted by their older, shorter SNIP code, so the form takes 1 to 7
digits (spaces dropped) and refuses letters or an eighth digit rather than a real code.

Services flush and never commit. Queries of the public list are fixed in number: the funded
projects, then their milestones and their photos, whatever the number of projects.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.budgets.models import (
    EXECUTION_STATUSES,
    Budget,
    BudgetHeading,
    BudgetMilestone,
    BudgetPhoto,
    BudgetProject,
)
from app.budgets.schemas import MAX_AMOUNT, whole_number
from app.errors import NotFound
from app.i18n import N_
from app.proposals.schemas import clean_line, clean_text

STATUS_NAMES = {
    "not_started": N_("Not started"),
    "design": N_("In design"),
    "tendering": N_("Tendering"),
    "works": N_("In works"),
    "finished": N_("Finished"),
    "cancelled": N_("Cancelled"),
}
CUI = re.compile(r"\d{1,7}")
BAD_CUI = N_(
    "Enter the CUI with digits only, at most 7: for example 2345678 (older SNIP codes have "
    "fewer digits)."
)
BAD_PROGRESS = N_("Enter the progress as a whole number from 0 to 100.")
BAD_EXECUTED = N_(
    "Enter the amount executed in whole soles, without céntimos: for example 350 000."
)
BAD_DATE = N_("Enter a date like 2027-03-01.")
MILESTONE_DESCRIPTION_MAX = 5_000
LIST_LIMIT = 1_000


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(N_("Enter a valid value."))
    return value


class ExecutionForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    execution_status: str = "not_started"
    progress: int = 0
    cui: str | None = None
    amount_executed: int | None = None

    @field_validator("execution_status", mode="before")
    @classmethod
    def _status(cls, value: object) -> str:
        if value not in EXECUTION_STATUSES:
            raise ValueError(N_("Choose one of the options."))
        return str(value)

    @field_validator("progress", mode="before")
    @classmethod
    def _progress(cls, value: object) -> int:
        text = _text(value).strip().removesuffix("%").strip()
        if not text.isdigit() or int(text) > 100:
            raise ValueError(BAD_PROGRESS)
        return int(text)

    @field_validator("cui", mode="before")
    @classmethod
    def _cui(cls, value: object) -> str | None:
        text = "".join(_text(value).split())
        if not text:
            return None
        if not CUI.fullmatch(text):
            raise ValueError(BAD_CUI)
        return text

    @field_validator("amount_executed", mode="before")
    @classmethod
    def _executed(cls, value: object) -> int | None:
        number = whole_number(value, BAD_EXECUTED)
        if number is not None and number > MAX_AMOUNT:
            raise ValueError(N_("The amount is too large."))
        return number


def _day(value: object) -> date | None:
    if isinstance(value, date):
        return value
    text = _text(value).strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(BAD_DATE) from None
    if not 2000 <= day.year <= 2200:
        raise ValueError(BAD_DATE)
    return day


class MilestoneForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str = ""
    description: str = ""
    due_on: date | None = None
    done_on: date | None = None

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: object) -> str:
        return clean_line(
            _text(value),
            150,
            N_("The title is too long: at most 150 characters."),
            N_("Write a title."),
        )

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: object) -> str:
        text = _text(value)
        if not text.strip():
            return ""
        return clean_text(
            text,
            MILESTONE_DESCRIPTION_MAX,
            N_("The explanation is too long: at most 5,000 characters."),
            N_("Write an explanation."),
        )

    @field_validator("due_on", "done_on", mode="before")
    @classmethod
    def _dates(cls, value: object) -> date | None:
        return _day(value)


class PhotoForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    alt: str = ""

    @field_validator("alt", mode="before")
    @classmethod
    def _alt(cls, value: object) -> str:
        return clean_line(
            _text(value),
            200,
            N_("The description is too long: at most 200 characters."),
            N_("Describe the photo for people who cannot see it."),
        )


def funded_project(session: Session, budget: Budget, project_id: int) -> BudgetProject:
    """A funded project of this budget; any other id (another budget's, another instance's,
    a project that was not funded) is not found."""
    project = session.scalars(
        select(BudgetProject).where(
            BudgetProject.id == project_id,
            BudgetProject.budget_id == budget.id,
            BudgetProject.winner.is_(True),
        )
    ).one_or_none()
    if project is None:
        raise NotFound()
    return project


def milestone_of(session: Session, project: BudgetProject, milestone_id: int) -> BudgetMilestone:
    milestone = session.scalars(
        select(BudgetMilestone).where(
            BudgetMilestone.id == milestone_id, BudgetMilestone.project_id == project.id
        )
    ).one_or_none()
    if milestone is None:
        raise NotFound()
    return milestone


def photo_of(session: Session, project: BudgetProject, photo_id: int) -> BudgetPhoto:
    photo = session.scalars(
        select(BudgetPhoto).where(BudgetPhoto.id == photo_id, BudgetPhoto.project_id == project.id)
    ).one_or_none()
    if photo is None:
        raise NotFound()
    return photo


def public_photo(session: Session, budget: Budget, photo_id: int) -> BudgetPhoto:
    """A photo of a funded project of this budget."""
    photo = session.scalars(
        select(BudgetPhoto)
        .join(BudgetProject, BudgetProject.id == BudgetPhoto.project_id)
        .where(
            BudgetPhoto.id == photo_id,
            BudgetProject.budget_id == budget.id,
            BudgetProject.winner.is_(True),
        )
    ).one_or_none()
    if photo is None:
        raise NotFound()
    return photo


def update_execution(session: Session, project: BudgetProject, form: ExecutionForm) -> None:
    project.execution_status = form.execution_status
    project.progress = form.progress
    project.cui = form.cui
    project.amount_executed = form.amount_executed
    session.flush()


def add_milestone(session: Session, project: BudgetProject, form: MilestoneForm) -> BudgetMilestone:
    highest = session.scalar(
        select(func.max(BudgetMilestone.position)).where(BudgetMilestone.project_id == project.id)
    )
    milestone = BudgetMilestone(
        project_id=project.id,
        title=form.title,
        description=form.description,
        due_on=form.due_on,
        done_on=form.done_on,
        position=0 if highest is None else highest + 1,
    )
    session.add(milestone)
    session.flush()
    return milestone


def update_milestone(session: Session, milestone: BudgetMilestone, form: MilestoneForm) -> None:
    milestone.title = form.title
    milestone.description = form.description
    milestone.due_on = form.due_on
    milestone.done_on = form.done_on
    session.flush()


def delete_milestone(session: Session, milestone: BudgetMilestone) -> None:
    session.delete(milestone)
    session.flush()


def add_photo(session: Session, project: BudgetProject, file_name: str, alt: str) -> BudgetPhoto:
    photo = BudgetPhoto(project_id=project.id, file_name=file_name, alt=alt)
    session.add(photo)
    session.flush()
    return photo


def delete_photo(session: Session, photo: BudgetPhoto) -> str:
    """Forget the photo; answers its file name, to remove once the change is committed."""
    name = photo.file_name
    session.delete(photo)
    session.flush()
    return name


def funded_projects(
    session: Session, budget: Budget, heading_id: int | None = None, status: str | None = None
) -> list[BudgetProject]:
    statement = (
        select(BudgetProject)
        .join(BudgetHeading, BudgetHeading.id == BudgetProject.heading_id)
        .where(BudgetProject.budget_id == budget.id, BudgetProject.winner.is_(True))
        .order_by(BudgetHeading.position, BudgetHeading.id, BudgetProject.id)
        .limit(LIST_LIMIT)
    )
    if heading_id is not None:
        statement = statement.where(BudgetProject.heading_id == heading_id)
    if status is not None:
        statement = statement.where(BudgetProject.execution_status == status)
    return list(session.scalars(statement))


def milestones_by_project(session: Session, ids: list[int]) -> dict[int, list[BudgetMilestone]]:
    found: dict[int, list[BudgetMilestone]] = defaultdict(list)
    if ids:
        rows = session.scalars(
            select(BudgetMilestone)
            .where(BudgetMilestone.project_id.in_(ids))
            .order_by(BudgetMilestone.position, BudgetMilestone.id)
        )
        for row in rows:
            found[row.project_id].append(row)
    return found


def photos_by_project(session: Session, ids: list[int]) -> dict[int, list[BudgetPhoto]]:
    found: dict[int, list[BudgetPhoto]] = defaultdict(list)
    if ids:
        rows = session.scalars(
            select(BudgetPhoto).where(BudgetPhoto.project_id.in_(ids)).order_by(BudgetPhoto.id)
        )
        for row in rows:
            found[row.project_id].append(row)
    return found
