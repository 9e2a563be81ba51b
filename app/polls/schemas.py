"""Forms of the polls module: a poll's texts and rules, and a question with its answers.

Dates are typed as Lima wall-clock times (what an official reads on the calendar) and stored
in UTC. A question's answers come in one text area, one answer per line, so the editor works
without JavaScript and a question is always saved together with its answers.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.answers.calendar import LIMA
from app.forms import FieldError
from app.i18n import N_
from app.polls.models import QUESTION_KINDS, VOTER_LEVELS
from app.proposals.schemas import clean_line, clean_text

TITLE_MAX = 150
SUMMARY_MAX = 500
DESCRIPTION_MAX = 20_000
QUESTION_TITLE_MAX = 300
QUESTION_DESCRIPTION_MAX = 5_000
ANSWER_TITLE_MAX = 200
MAX_ANSWERS = 30
MIN_ANSWERS = 2
# Browsers send datetime-local as 2026-12-01T08:00; people typing by hand use a space.
DATE_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")
BAD_DATE = N_("Enter a date and time like 2026-12-01 08:00.")


def lima_input(moment: datetime) -> str:
    """A stored moment as the value of a datetime-local field, in Lima time."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(LIMA).strftime("%Y-%m-%dT%H:%M")


def parse_lima(value: str) -> datetime:
    text = value.strip()
    for layout in DATE_FORMATS:
        try:
            local = datetime.strptime(text, layout)
        except ValueError:
            continue
        if not 2000 <= local.year <= 2200:
            break
        return local.replace(tzinfo=LIMA).astimezone(UTC)
    raise ValueError(BAD_DATE)


def _text(value: object) -> str:
    """A submitted text; an empty field arrives as None (app.forms.parse_form)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(N_("Enter a valid value."))
    return value


class PollTextsForm(BaseModel):
    """What may still be corrected once voting has started: the wording, nothing else."""

    model_config = ConfigDict(extra="ignore")

    title: str = ""
    summary: str = ""
    description: str | None = None

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: object) -> str:
        return clean_line(
            _text(value),
            TITLE_MAX,
            N_("The title is too long: at most 150 characters."),
            N_("Write a title."),
        )

    @field_validator("summary", mode="before")
    @classmethod
    def _summary(cls, value: object) -> str:
        return clean_text(
            _text(value),
            SUMMARY_MAX,
            N_("The summary is too long: at most 500 characters."),
            N_("Write a short summary."),
        )

    @field_validator("description")
    @classmethod
    def _description(cls, value: str | None) -> str:
        if value is None or not value.strip():
            return ""
        return clean_text(
            value,
            DESCRIPTION_MAX,
            N_("The text is too long: at most 20,000 characters."),
            N_("Write a description."),
        )


class PollForm(PollTextsForm):
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    voter_level: str = "verified"
    min_age: int | None = Field(default=None, ge=1, le=120)
    geozone_ids: list[int] = Field(default_factory=list, max_length=500)
    proposal_id: int | None = Field(default=None, ge=1, le=2**63 - 1)

    @field_validator("opens_at", "closes_at", mode="before")
    @classmethod
    def _moment(cls, value: object) -> object:
        if value is None or isinstance(value, datetime):
            return value
        if not isinstance(value, str):
            raise ValueError(BAD_DATE)
        return parse_lima(value)

    @field_validator("voter_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value not in VOTER_LEVELS:
            raise ValueError(N_("Choose one of the options."))
        return value

    @field_validator("min_age", mode="before")
    @classmethod
    def _age(cls, value: object) -> object:
        if isinstance(value, str) and value.strip() and not value.strip().isdigit():
            raise ValueError(N_("Enter an age in years between 1 and 120, or leave it empty."))
        return value

    @field_validator("opens_at")
    @classmethod
    def _opens(cls, value: datetime | None) -> datetime:
        if value is None:
            raise ValueError(N_("Enter when voting opens."))
        return value

    @field_validator("closes_at")
    @classmethod
    def _closes(cls, value: datetime | None) -> datetime:
        if value is None:
            raise ValueError(N_("Enter when voting closes."))
        return value

    def problems(self) -> dict[str, FieldError]:
        """Rules across fields, each reported next to the field a person must change."""
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            return {"closes_at": N_("Voting must close after it opens.")}
        return {}


class QuestionTextsForm(BaseModel):
    """A question's wording and its answers, one per line."""

    model_config = ConfigDict(extra="ignore")

    title: str = ""
    description: str | None = None
    answers: str = ""

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: object) -> str:
        return clean_line(
            _text(value),
            QUESTION_TITLE_MAX,
            N_("The question is too long: at most 300 characters."),
            N_("Write the question."),
        )

    @field_validator("description")
    @classmethod
    def _description(cls, value: str | None) -> str:
        if value is None or not value.strip():
            return ""
        return clean_text(
            value,
            QUESTION_DESCRIPTION_MAX,
            N_("The explanation is too long: at most 5,000 characters."),
            N_("Write an explanation."),
        )

    @field_validator("answers", mode="before")
    @classmethod
    def _answers(cls, value: object) -> str:
        text = clean_text(
            _text(value),
            MAX_ANSWERS * (ANSWER_TITLE_MAX + 2),
            N_("Too many answers: at most 30, of at most 200 characters each."),
            N_("Write the answers, one per line."),
        )
        lines = answer_lines(text)
        if len(lines) < MIN_ANSWERS:
            raise ValueError(N_("Write at least two answers, one per line."))
        if len(lines) > MAX_ANSWERS:
            raise ValueError(N_("Too many answers: at most 30, of at most 200 characters each."))
        if any(len(line) > ANSWER_TITLE_MAX for line in lines):
            raise ValueError(N_("An answer is too long: at most 200 characters each."))
        if len({line.casefold() for line in lines}) != len(lines):
            raise ValueError(N_("Two answers are the same: each answer must be different."))
        return "\n".join(lines)

    @property
    def answer_titles(self) -> list[str]:
        return answer_lines(self.answers)


def answer_lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


class QuestionForm(QuestionTextsForm):
    kind: str = "single"
    max_choices: int | None = Field(default=None, ge=1, le=MAX_ANSWERS)

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str) -> str:
        if value not in QUESTION_KINDS:
            raise ValueError(N_("Choose one of the options."))
        return value

    def choices_allowed(self) -> int:
        """k: 1 for one answer; for a ranking left empty, every answer may be ranked."""
        if self.kind == "single":
            return 1
        return self.max_choices or len(self.answer_titles)

    def problems(self) -> dict[str, FieldError]:
        count = len(self.answer_titles)
        if self.kind == "multiple" and self.max_choices is None:
            return {"max_choices": N_("Say how many answers a person may choose.")}
        if self.kind != "single" and self.choices_allowed() > count:
            message = N_("A person cannot choose more answers than there are: at most %(count)s.")
            return {"max_choices": (message, {"count": count})}
        return {}
