"""The comment form: the text is checked here so the person gets it back with a reason."""

from __future__ import annotations

from pydantic import BaseModel, field_validator

from app.content.text import readable
from app.i18n import N_

BODY_MAX = 5_000


class CommentForm(BaseModel):
    body: str

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        body = readable(value).strip()
        if not body:
            raise ValueError(N_("Write your comment."))
        if len(body) > BODY_MAX:
            raise ValueError(N_("A comment can have at most 5,000 characters."))
        return body
