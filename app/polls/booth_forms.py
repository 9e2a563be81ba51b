"""The booth form an administrator fills in: name, place, territory and Lima opening times."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.i18n import N_
from app.polls.booths import BoothData
from app.polls.schemas import parse_lima
from app.proposals.schemas import clean_line

NAME_MAX = 150
PLACE_MAX = 300


class BoothForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str = ""
    place: str = ""
    geozone_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    opens_at: datetime
    closes_at: datetime

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return clean_line(
            value,
            NAME_MAX,
            N_("The name is too long: at most 150 characters."),
            N_("Give the booth a name."),
        )

    @field_validator("place")
    @classmethod
    def _place(cls, value: str) -> str:
        return clean_line(
            value,
            PLACE_MAX,
            N_("The place is too long: at most 300 characters."),
            N_("Say where the booth is."),
        )

    @field_validator("opens_at", "closes_at", mode="before")
    @classmethod
    def _moment(cls, value: object) -> datetime:
        if isinstance(value, datetime):
            return value
        return parse_lima(str(value or ""))

    def data(self) -> BoothData:
        return BoothData(self.name, self.place, self.geozone_id, self.opens_at, self.closes_at)
