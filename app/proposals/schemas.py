"""Forms of the proposals module: limits and messages people see next to each field."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.i18n import N_
from app.proposals.models import RETIRE_REASONS

TITLE_MAX = 150
SUMMARY_MAX = 500
BODY_MAX = 20_000
VIDEO_MAX = 300
ALT_MAX = 200
UPDATE_TITLE_MAX = 150
EXPLANATION_MAX = 500
# Control characters (but tab and line breaks), C1 controls, the replacement character and
# lone surrogates: what undecodable bytes turn into, never what a person types.
FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd\ud800-\udfff]")
BAD_CHARACTERS = N_(
    "The text contains characters that are not allowed (it may not be valid UTF-8)."
)


def clean_line(value: str, maximum: int, too_long: str, empty: str) -> str:
    if FORBIDDEN.search(value):
        raise ValueError(BAD_CHARACTERS)
    line = " ".join(value.split())
    if not line:
        raise ValueError(empty)
    if len(line) > maximum:
        raise ValueError(too_long)
    return line


def clean_text(value: str, maximum: int, too_long: str, empty: str) -> str:
    if FORBIDDEN.search(value):
        raise ValueError(BAD_CHARACTERS)
    text = value.replace("\r\n", "\n").strip()
    if not text:
        raise ValueError(empty)
    if len(text) > maximum:
        raise ValueError(too_long)
    return text


def clean_title(value: str, maximum: int) -> str:
    """A proposal's title or the title of its news: one line of at most 150 characters."""
    return clean_line(
        value,
        maximum,
        N_("The title is too long: at most 150 characters."),
        N_("Write a title."),
    )


def clean_body(value: str, empty: str) -> str:
    """A proposal's text or its news: Markdown of at most 20,000 characters."""
    return clean_text(
        value, BODY_MAX, N_("The text is too long: at most 20,000 characters."), empty
    )


class ProposalForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    title: str = ""
    summary: str = ""
    body: str = ""
    video_url: str | None = None
    image_alt: str | None = None
    tag_ids: list[int] = Field(default_factory=list, max_length=50)
    geozone_id: int | None = Field(default=None, ge=1, le=2**63 - 1)

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return clean_title(value, TITLE_MAX)

    @field_validator("summary")
    @classmethod
    def _summary(cls, value: str) -> str:
        return clean_text(
            value,
            SUMMARY_MAX,
            N_("The summary is too long: at most 500 characters."),
            N_("Write a short summary."),
        )

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        return clean_body(value, N_("Explain your proposal."))

    @field_validator("video_url")
    @classmethod
    def _video(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        url = value.strip()
        parts = urlsplit(url)
        if (
            len(url) > VIDEO_MAX
            or FORBIDDEN.search(url)
            or any(character.isspace() for character in url)
            or parts.scheme not in {"http", "https"}
            or not parts.netloc
        ):
            raise ValueError(N_("Enter a web address that starts with https:// or http://."))
        return url

    @field_validator("image_alt")
    @classmethod
    def _alt(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return clean_line(
            value,
            ALT_MAX,
            N_("The description of the image is too long: at most 200 characters."),
            N_("Describe the image."),
        )


class UpdateForm(BaseModel):
    title: str = ""
    body: str = ""

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return clean_title(value, UPDATE_TITLE_MAX)

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        return clean_body(value, N_("Write the news for the supporters."))


class RetireForm(BaseModel):
    reason: str = ""
    explanation: str = ""

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        if value not in RETIRE_REASONS:
            raise ValueError(N_("Choose one of the options."))
        return value

    @field_validator("explanation")
    @classmethod
    def _explanation(cls, value: str) -> str:
        return clean_text(
            value,
            EXPLANATION_MAX,
            N_("The explanation is too long: at most 500 characters."),
            N_("Explain why you retire the proposal."),
        )


class SettingsForm(BaseModel):
    """What the administration page sends: the kind of goal, its value and the period."""

    goal: str = "percent"
    threshold: int | None = Field(default=None, ge=1, le=10_000_000)
    threshold_percent: float | None = Field(default=None, gt=0, le=100)
    months: int = Field(default=12, ge=1, le=60)

    @field_validator("goal")
    @classmethod
    def _goal(cls, value: str) -> str:
        if value not in {"number", "percent"}:
            raise ValueError(N_("Choose one of the options."))
        return value
