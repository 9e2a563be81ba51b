"""What the public API returns. Only public facts: display names, never an email or an id of
a person; texts exactly as written (Markdown), which consumers must sanitize before showing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

MARKDOWN = (
    "Markdown exactly as the author wrote it: untrusted text. Render it with a Markdown "
    "renderer that sanitizes HTML (or show it as plain text); never insert it as HTML."
)
PLAIN = "Plain text exactly as written: untrusted, escape it before showing it in HTML."


def _as_utc(value: datetime) -> datetime:
    # SQLite hands back naive UTC times; say so, as PostgreSQL does.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


Moment = Annotated[datetime, AfterValidator(_as_utc)]


class Schema(BaseModel):
    model_config = ConfigDict(frozen=True)


class Author(Schema):
    name: str = Field(description="Display name. " + PLAIN)
    organization: bool = Field(description="True when the account is an organization.")


class Debate(Schema):
    id: int
    url: str = Field(description="Path of the debate's page on this site.")
    title: str = Field(description=PLAIN)
    body: str = Field(description=MARKDOWN)
    author: Author | None = Field(description="Null when the account no longer exists.")
    tags: list[str] = Field(description="Topic names. " + PLAIN)
    geozone_id: int | None
    created_at: Moment
    updated_at: Moment | None
    votes_agree: int
    votes_disagree: int
    comments_count: int


class Answer(Schema):
    status: str = Field(
        description="under_study, accepted, partly_accepted, rejected, forwarded or done."
    )
    body: str = Field(description="The reasoned answer. " + MARKDOWN)
    office: str = Field(description="The office that answered. " + PLAIN)
    official: str = Field(description="Who signed the answer. " + PLAIN)
    answered_at: Moment


class Proposal(Schema):
    id: int
    url: str = Field(description="Path of the proposal's page on this site.")
    title: str = Field(description=PLAIN)
    summary: str = Field(description=PLAIN)
    body: str = Field(description=MARKDOWN)
    author: Author | None = Field(description="Null when the account no longer exists.")
    tags: list[str] = Field(description="Topic names. " + PLAIN)
    geozone_id: int | None
    state: str = Field(description="open, successful, archived or retired.")
    supports_count: int
    supports_needed: int = Field(description="Supports needed to become successful.")
    deadline_at: Moment = Field(description="When collecting supports ends.")
    created_at: Moment
    successful_at: Moment | None
    comments_count: int
    answer_due_on: date | None = Field(description="When the official answer is due, if asked.")
    answer: Answer | None = Field(description="The current official answer, or null.")


class Comment(Schema):
    id: int
    target_type: str = Field(description="What is commented on: debate or proposal.")
    target_id: int
    parent_id: int | None = Field(description="The comment this one replies to.")
    author: Author | None = Field(description="Null when the account no longer exists.")
    author_badge: str | None = Field(description="official, organization or moderator.")
    body: str = Field(description=MARKDOWN)
    created_at: Moment
    edited_at: Moment | None
    votes_up: int
    votes_down: int


NEXT = "URL of the next page (same filters, `after` the last id), or null on the last page."


class DebatePage(Schema):
    items: list[Debate]
    next: str | None = Field(description=NEXT)


class ProposalPage(Schema):
    items: list[Proposal]
    next: str | None = Field(description=NEXT)


class CommentPage(Schema):
    items: list[Comment]
    next: str | None = Field(description=NEXT)
