"""The debate form, checked field by field so the person gets their text back with a reason."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator

from app.content.service import MAX_ID
from app.content.text import clean_line, readable
from app.i18n import N_

TITLE_MAX = 150
BODY_MAX = 20_000
TAGS_MAX = 10


class DebateForm(BaseModel):
    title: str
    body: str
    tags: list[int] = []
    geozone_id: int | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        title = clean_line(value)
        if not title:
            raise ValueError(N_("Write a title."))
        if len(title) > TITLE_MAX:
            raise ValueError(N_("The title can have at most 150 characters."))
        return title

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        body = readable(value).strip()
        if not body:
            raise ValueError(N_("Write the text of the debate."))
        if len(body) > BODY_MAX:
            raise ValueError(N_("The text can have at most 20,000 characters."))
        return body

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> list[int]:
        if value is None:
            return []
        chosen = value if isinstance(value, list) else [value]
        ids = {_bounded_id(item, N_("Choose topics from the list.")) for item in chosen}
        if len(ids) > TAGS_MAX:
            raise ValueError(N_("Choose at most 10 topics."))
        return sorted(ids)

    @field_validator("geozone_id", mode="before")
    @classmethod
    def _zone(cls, value: Any) -> int | None:
        if value is None:
            return None
        return _bounded_id(value, N_("Choose one of the options."))


def _bounded_id(value: Any, message: str) -> int:
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise ValueError(message)
    return int(text)
