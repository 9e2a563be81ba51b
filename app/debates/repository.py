"""Every query on debates. Lists load what their rows show in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.debates.models import Debate, DebateVote, debate_tags
from app.search.service import text_matches

SORTS = ("active", "newest", "votes")
PAGE_SIZE = 25
# Offsets stay bounded: nobody pages 200 deep by hand, and a deep OFFSET would scan the table.
MAX_PAGE = 200


@dataclass(frozen=True)
class DebateQuery:
    sort: str = "active"
    tag_id: int | None = None
    geozone_id: int | None = None
    text: str = ""
    page: int = 1


@dataclass(frozen=True)
class Author:
    id: int
    name: str
    is_organization: bool


@dataclass
class DebatePage:
    debates: list[Debate]
    authors: dict[int, Author] = field(default_factory=dict)
    has_next: bool = False


def _ordered(statement: Select[Any], sort: str) -> Select[Any]:
    if sort == "newest":
        return statement.order_by(Debate.created_at.desc(), Debate.id.desc())
    if sort == "votes":
        return statement.order_by(Debate.votes_total.desc(), Debate.id.desc())
    return statement.order_by(Debate.last_activity_at.desc(), Debate.id.desc())


def list_debates(session: Session, query: DebateQuery) -> DebatePage:
    """One page of visible debates: no COUNT, one row more than shown tells if there is more."""
    statement = select(Debate).where(Debate.hidden_at.is_(None))
    if query.tag_id is not None:
        tagged = select(debate_tags.c.debate_id).where(debate_tags.c.tag_id == query.tag_id)
        statement = statement.where(Debate.id.in_(tagged))
    if query.geozone_id is not None:
        statement = statement.where(Debate.geozone_id == query.geozone_id)
    if query.text:
        statement = statement.where(text_matches(Debate, query.text))
    page = min(max(query.page, 1), MAX_PAGE)
    statement = (
        _ordered(statement, query.sort)
        .options(selectinload(Debate.tags))
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
    )
    rows = list(session.scalars(statement))
    debates = rows[:PAGE_SIZE]
    has_next = len(rows) > PAGE_SIZE and page < MAX_PAGE
    return DebatePage(debates, authors_of(session, debates), has_next)


def authors_of(session: Session, debates: list[Debate]) -> dict[int, Author]:
    ids = {debate.author_id for debate in debates if debate.author_id is not None}
    if not ids:
        return {}
    rows = session.execute(
        select(User.id, User.display_name, User.is_organization).where(User.id.in_(ids))
    )
    return {row.id: Author(row.id, row.display_name, row.is_organization) for row in rows}


def get_debate(session: Session, debate_id: int, *, for_update: bool = False) -> Debate | None:
    """The debate (hidden ones too: the caller decides who sees them), with its topics."""
    statement = select(Debate).where(Debate.id == debate_id).options(selectinload(Debate.tags))
    if for_update:
        statement = statement.with_for_update(of=Debate)
    return session.scalars(statement).one_or_none()


def vote_of(session: Session, debate_id: int, user_id: int) -> int | None:
    return session.scalars(
        select(DebateVote.value).where(
            DebateVote.debate_id == debate_id, DebateVote.user_id == user_id
        )
    ).one_or_none()
