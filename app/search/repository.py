"""The search page's query: debates and proposals in one list, newest first, 25 a page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, literal_column, select, union_all
from sqlalchemy.orm import Session

from app.content.markdown import plain_excerpt
from app.debates.models import Debate
from app.proposals.models import Proposal
from app.search.service import search_terms, text_matches

PER_PAGE = 25
MAX_PAGE = 40  # a bounded offset: 1,000 results is more than anyone reads; refine the words
KINDS = ("all", "debate", "proposal")
EXCERPT_LENGTH = 220


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "debate" or "proposal"
    id: int
    title: str
    excerpt: str
    created_at: datetime

    @property
    def path(self) -> str:
        return f"/{self.kind}s/{self.id}"


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]
    has_next: bool


def _matching(kind: str, model: Any, text: str) -> Select[Any]:
    return select(
        literal_column(f"'{kind}'").label("kind"),
        model.id.label("id"),
        model.created_at.label("created_at"),
    ).where(model.hidden_at.is_(None), text_matches(model, text))


def search(session: Session, text: str, kind: str = "all", page: int = 1) -> SearchResults:
    """Visible debates and proposals matching ``text`` (nothing when it has no words)."""
    if not search_terms(text):
        return SearchResults([], has_next=False)
    parts = [
        _matching(name, model, text)
        for name, model in (("debate", Debate), ("proposal", Proposal))
        if kind in ("all", name)
    ]
    found = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    rows = session.execute(
        select(found.c.kind, found.c.id)
        .order_by(found.c.created_at.desc(), found.c.kind, found.c.id.desc())
        .limit(PER_PAGE + 1)
        .offset((page - 1) * PER_PAGE)
    ).all()
    has_next = len(rows) > PER_PAGE
    rows = rows[:PER_PAGE]
    debates = _load(session, Debate, [row.id for row in rows if row.kind == "debate"])
    proposals = _load(session, Proposal, [row.id for row in rows if row.kind == "proposal"])
    hits = []
    for row in rows:
        if row.kind == "debate":
            debate = debates[row.id]
            excerpt = plain_excerpt(debate.body[:1500], EXCERPT_LENGTH)
            hits.append(SearchHit("debate", row.id, debate.title, excerpt, debate.created_at))
        else:
            proposal = proposals[row.id]
            excerpt = plain_excerpt(proposal.summary, EXCERPT_LENGTH)
            hits.append(SearchHit("proposal", row.id, proposal.title, excerpt, proposal.created_at))
    return SearchResults(hits, has_next=has_next)


def _load(session: Session, model: Any, ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    return {item.id: item for item in session.scalars(select(model).where(model.id.in_(ids)))}
