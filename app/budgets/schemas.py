"""Forms of the budget setup: a budget, its phases, a group, a heading.

Amounts are whole soles. Regional budgets are approved in soles, integers keep the tally exact,
and a field that silently dropped céntimos would change what an administrator typed; so
"1 250 000", "1,250,000" and "S/ 1.250.000" are read, and "1250000.50" or "-5" are refused
with a message.
"""

from __future__ import annotations

import re
from datetime import date

from pydantic import BaseModel, ConfigDict, field_validator

from app.budgets.models import BALLOT_STYLES, RULES
from app.db import MAX_ID
from app.forms import FieldError
from app.i18n import N_
from app.proposals.schemas import clean_line, clean_text

NAME_MAX = 150
DESCRIPTION_MAX = 20_000
PHASE_DESCRIPTION_MAX = 5_000
MAX_AMOUNT = 10**12
MAX_POPULATION = 10**9
MAX_HEADINGS_LIMIT = 100
MAX_APPROVALS = 100
# Digits, optionally grouped by threes with one kind of separator (space, comma or point).
WHOLE_NUMBER = re.compile(r"\d+|\d{1,3}(?P<sep>[ ,.])\d{3}(?:(?P=sep)\d{3})*")
BAD_AMOUNT = N_("Enter the amount in whole soles, without céntimos: for example 1 250 000.")


def _text(value: object) -> str:
    """A submitted text; code (the demo, tests) may give the number itself."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(N_("Enter a valid value."))
    return value


def whole_number(value: object, message: str) -> int | None:
    """A non-negative whole number as people type it; None for an empty field."""
    text = _text(value).replace("\u00a0", " ").replace("\u202f", " ").strip()
    if text.upper().startswith("S/"):
        text = text[2:].lstrip(". ")
    if not text:
        return None
    if not WHOLE_NUMBER.fullmatch(text):
        raise ValueError(message)
    return int(re.sub(r"\D", "", text))


def _name(value: object) -> str:
    return clean_line(
        _text(value),
        NAME_MAX,
        N_("The name is too long: at most 150 characters."),
        N_("Write a name."),
    )


class BudgetForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    year: int | None = None
    name: str = ""
    description: str = ""
    rule: str = "greedy"
    ballot_style: str = "knapsack"
    approval_limit: int | None = None

    @field_validator("year", mode="before")
    @classmethod
    def _year(cls, value: object) -> int:
        text = _text(value).strip()
        if not (text.isdigit() and len(text) == 4 and 2000 <= int(text) <= 2200):
            raise ValueError(N_("Enter the year with four digits, for example 2027."))
        return int(text)

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: object) -> str:
        return _name(value)

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: object) -> str:
        text = _text(value)
        if not text.strip():
            return ""
        return clean_text(
            text,
            DESCRIPTION_MAX,
            N_("The text is too long: at most 20,000 characters."),
            N_("Write a description."),
        )

    @field_validator("rule", mode="before")
    @classmethod
    def _rule(cls, value: object) -> str:
        if value not in RULES:
            raise ValueError(N_("Choose one of the options."))
        return str(value)

    @field_validator("ballot_style", mode="before")
    @classmethod
    def _style(cls, value: object) -> str:
        if value not in BALLOT_STYLES:
            raise ValueError(N_("Choose one of the options."))
        return str(value)

    @field_validator("approval_limit", mode="before")
    @classmethod
    def _limit(cls, value: object) -> int | None:
        number = whole_number(value, N_("Enter a whole number between 1 and 100."))
        if number is not None and not 1 <= number <= MAX_APPROVALS:
            raise ValueError(N_("Enter a whole number between 1 and 100."))
        return number

    def problems(self) -> dict[str, FieldError]:
        if self.ballot_style == "approval" and self.approval_limit is None:
            return {"approval_limit": N_("Say how many projects a person may approve.")}
        return {}

    @property
    def limit(self) -> int | None:
        """k is kept only for approval ballots (the database refuses it on knapsack ones)."""
        return self.approval_limit if self.ballot_style == "approval" else None


class PhaseForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    starts_on: date | None = None
    ends_on: date | None = None
    description: str = ""
    enabled: bool = False

    @field_validator("starts_on", "ends_on", mode="before")
    @classmethod
    def _day(cls, value: object) -> date | None:
        if isinstance(value, date):
            return value
        text = _text(value).strip()
        if not text:
            return None
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise ValueError(N_("Enter a date like 2027-03-01.")) from None
        if not 2000 <= day.year <= 2200:
            raise ValueError(N_("Enter a date like 2027-03-01."))
        return day

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: object) -> str:
        text = _text(value)
        if not text.strip():
            return ""
        return clean_text(
            text,
            PHASE_DESCRIPTION_MAX,
            N_("The explanation is too long: at most 5,000 characters."),
            N_("Write an explanation."),
        )

    @field_validator("enabled", mode="before")
    @classmethod
    def _enabled(cls, value: object) -> bool:
        return value not in (None, "", "0", "off", False)

    def problems(self) -> dict[str, FieldError]:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            return {"ends_on": N_("A phase must end on or after the day it starts.")}
        return {}


def _headings_limit(value: object) -> int:
    message = N_("Enter a whole number between 1 and 100.")
    number = whole_number(value, message)
    if number is None or not 1 <= number <= MAX_HEADINGS_LIMIT:
        raise ValueError(message)
    return number


class GroupForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = ""
    max_supported_headings: int = 1
    max_balloted_headings: int = 1

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: object) -> str:
        return _name(value)

    @field_validator("max_supported_headings", "max_balloted_headings", mode="before")
    @classmethod
    def _limit(cls, value: object) -> int:
        return _headings_limit(value)


class HeadingForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = ""
    amount: int = 0
    geozone_id: int | None = None
    population: int | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: object) -> str:
        return _name(value)

    @field_validator("amount", mode="before")
    @classmethod
    def _amount(cls, value: object) -> int:
        number = whole_number(value, BAD_AMOUNT)
        if number is None:
            raise ValueError(N_("Enter the amount of the heading in soles."))
        if number > MAX_AMOUNT:
            raise ValueError(N_("The amount is too large."))
        return number

    @field_validator("geozone_id", mode="before")
    @classmethod
    def _zone(cls, value: object) -> int | None:
        number = whole_number(value, N_("Choose a zone from the list."))
        if number is not None and not 1 <= number <= MAX_ID:
            raise ValueError(N_("Choose a zone from the list."))
        return number

    @field_validator("population", mode="before")
    @classmethod
    def _population(cls, value: object) -> int | None:
        message = N_("Enter the population as a whole number, for example 120 000.")
        number = whole_number(value, message)
        if number is not None and number > MAX_POPULATION:
            raise ValueError(message)
        return number
