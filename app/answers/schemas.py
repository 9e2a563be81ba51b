"""Settings and forms of official answers, with the labels people read."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidatorFunctionWrapHandler,
    field_validator,
)

from app.i18n import N_
from app.proposals.models import ANSWER_STATUSES

# Ley 27444 (TUO, D.S. 004-2019-JUS, art. 39): a procedure of prior evaluation may not exceed
# 30 working days. A citizen proposal backed by the required supports deserves at least that.
DEFAULT_WORKING_DAYS = 30
MAX_WORKING_DAYS = 120
MAX_EXTRA_HOLIDAYS = 100
MIN_ANSWER_LENGTH = 50
MAX_ANSWER_LENGTH = 20_000
MAX_MILESTONES = 5

STATUS_LABELS: dict[str, str] = {
    "under_study": N_("Under study"),
    "accepted": N_("Accepted"),
    "partly_accepted": N_("Partly accepted"),
    "rejected": N_("Rejected"),
    "forwarded": N_("Forwarded to another body"),
    "done": N_("Done"),
}
assert tuple(STATUS_LABELS) == ANSWER_STATUSES

AnswerStatus = Literal[
    "under_study", "accepted", "partly_accepted", "rejected", "forwarded", "done"
]


class AnswerSettings(BaseModel):
    """``tenant.settings["answers"]``: how long the government has to answer."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    working_days: int = Field(default=DEFAULT_WORKING_DAYS, ge=1, le=MAX_WORKING_DAYS)
    extra_holidays: tuple[date, ...] = Field(default=(), max_length=MAX_EXTRA_HOLIDAYS)

    def stored(self) -> dict[str, object]:
        return {
            "working_days": self.working_days,
            "extra_holidays": [day.isoformat() for day in sorted(set(self.extra_holidays))],
        }


class WorkingDaysForm(BaseModel):
    working_days: int = Field(ge=1, le=MAX_WORKING_DAYS)

    @field_validator("working_days", mode="wrap")
    @classmethod
    def _in_range(cls, value: object, handler: ValidatorFunctionWrapHandler) -> int:
        try:
            result: int = handler(value)
        except ValueError:
            raise ValueError(N_("Enter a whole number of working days from 1 to 120.")) from None
        return result


Name = Annotated[str, StringConstraints(strip_whitespace=True)]


class OfficeForm(BaseModel):
    name: Name

    @field_validator("name")
    @classmethod
    def _length(cls, value: str) -> str:
        if len(value) < 2:
            raise ValueError(N_("Enter the name of the office."))
        if len(value) > 200:
            raise ValueError(N_("The name can have at most 200 characters."))
        return value


class AnswerForm(BaseModel):
    status: AnswerStatus
    body: Name

    @field_validator("status", mode="wrap")
    @classmethod
    def _known_status(cls, value: object, handler: ValidatorFunctionWrapHandler) -> str:
        try:
            result: str = handler(value)
        except ValueError:
            raise ValueError(N_("Choose one of the options.")) from None
        return result

    @field_validator("body")
    @classmethod
    def _reasoned(cls, value: str) -> str:
        if len(value) < MIN_ANSWER_LENGTH:
            raise ValueError(N_("Explain the answer: the reasons need at least 50 characters."))
        if len(value) > MAX_ANSWER_LENGTH:
            raise ValueError(N_("The answer can have at most 20,000 characters."))
        return value


class MilestoneForm(BaseModel):
    title: Name
    due_on: date | None = None

    @field_validator("title")
    @classmethod
    def _length(cls, value: str) -> str:
        if len(value) > 200:
            raise ValueError(N_("A milestone can have at most 200 characters."))
        return value

    @field_validator("due_on", mode="wrap")
    @classmethod
    def _date(cls, value: object, handler: ValidatorFunctionWrapHandler) -> date | None:
        try:
            result: date | None = handler(value)
        except ValueError:
            raise ValueError(N_("Enter a date such as 2026-12-31.")) from None
        if result is not None and not date(2000, 1, 1) <= result <= date(2100, 12, 31):
            raise ValueError(N_("Enter a date such as 2026-12-31."))
        return result
