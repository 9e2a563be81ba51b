"""What a person sends when reporting content."""

from __future__ import annotations

from pydantic import BaseModel, field_validator

from app.content.service import readable
from app.i18n import N_
from app.moderation.models import FLAG_REASONS

DETAILS_MAX = 500


class FlagForm(BaseModel):
    reason: str
    details: str | None = None

    @field_validator("reason")
    @classmethod
    def known_reason(cls, value: str) -> str:
        if value not in FLAG_REASONS:
            raise ValueError(N_("Choose one of the reasons."))
        return value

    @field_validator("details")
    @classmethod
    def short_details(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = readable(value).strip()
        if len(value) > DETAILS_MAX:
            raise ValueError(N_("Write at most 500 characters."))
        return value or None
