"""Forms of budget projects: proposing or editing one, and an administrator's review.

The heading is checked against the budget by the service (a heading of another budget or
instance is "not in the list"); here it only has to be a whole number.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator

from app.i18n import N_
from app.proposals.schemas import ALT_MAX, clean_body, clean_line, clean_text, clean_title

TITLE_MAX = 150
LOCATION_MAX = 300
REASON_MAX = 2_000
DECISIONS = ("accept", "reject")
CHOOSE_HEADING = N_("Choose a heading from the list.")


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


class ProjectForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str = ""
    description: str = ""
    heading_id: int = 0
    location: str | None = None
    image_alt: str | None = None

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, value: object) -> str:
        return clean_title(_text(value), TITLE_MAX)

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, value: object) -> str:
        return clean_body(_text(value), N_("Explain your project."))

    @field_validator("heading_id", mode="before")
    @classmethod
    def _heading(cls, value: object) -> int:
        text = _text(value).strip()
        if not (text.isascii() and text.isdigit() and 1 <= int(text) < 2**63):
            raise ValueError(CHOOSE_HEADING)
        return int(text)

    @field_validator("location", mode="before")
    @classmethod
    def _location(cls, value: object) -> str | None:
        text = _text(value)
        if not text.strip():
            return None
        return clean_line(
            text,
            LOCATION_MAX,
            N_("The location is too long: at most 300 characters."),
            N_("Say where the project would be built."),
        )

    @field_validator("image_alt", mode="before")
    @classmethod
    def _alt(cls, value: object) -> str | None:
        text = _text(value)
        if not text.strip():
            return None
        return clean_line(
            text,
            ALT_MAX,
            N_("The description of the image is too long: at most 200 characters."),
            N_("Describe the image."),
        )


class ReviewForm(BaseModel):
    """Accept, or reject with a public reason."""

    model_config = ConfigDict(extra="ignore")

    decision: str = ""
    reason: str | None = None

    @field_validator("decision", mode="before")
    @classmethod
    def _decision(cls, value: object) -> str:
        if value not in DECISIONS:
            raise ValueError(N_("Choose one of the options."))
        return str(value)

    @field_validator("reason", mode="before")
    @classmethod
    def _reason(cls, value: object) -> str | None:
        text = _text(value)
        if not text.strip():
            return None
        return clean_text(
            text,
            REASON_MAX,
            N_("The reason is too long: at most 2,000 characters."),
            N_("Write the reason for rejecting the project."),
        )

    def problems(self) -> dict[str, str]:
        if self.decision == "reject" and not self.reason:
            return {"reason": N_("Write the reason for rejecting the project: it is public.")}
        return {}
