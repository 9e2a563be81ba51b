"""The API's queries: visible things only, by id order (keyset), a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.answers.models import ProposalAnswer
from app.api import schemas
from app.comments.models import Comment
from app.content.targets import load_target
from app.debates.models import Debate
from app.errors import NotFound
from app.proposals.models import Proposal


def _authors(session: Session, ids: Iterable[int | None]) -> dict[int, schemas.Author]:
    wanted = {id for id in ids if id is not None}
    if not wanted:
        return {}
    rows = session.execute(
        select(User.id, User.display_name, User.is_organization).where(User.id.in_(wanted))
    )
    return {
        row.id: schemas.Author(name=row.display_name, organization=row.is_organization)
        for row in rows
    }


def _visible(model: Any) -> Select[Any]:
    statement = select(model).where(model.hidden_at.is_(None))
    if model is Comment:
        return statement.where(Comment.deleted_at.is_(None))
    return statement.options(selectinload(model.tags))


def _page(session: Session, model: Any, after: int, limit: int, *where: Any) -> list[Any]:
    """Up to ``limit + 1`` rows after the id ``after``: the extra one tells there is more."""
    statement = _visible(model).where(model.id > after, *where).order_by(model.id)
    return list(session.scalars(statement.limit(limit + 1)))


def _one(session: Session, model: Any, id: int) -> Any:
    found = session.scalars(_visible(model).where(model.id == id)).one_or_none()
    if found is None:
        raise NotFound()
    return found


def debates(session: Session, after: int, limit: int) -> list[schemas.Debate]:
    return _debates(session, _page(session, Debate, after, limit))


def debate(session: Session, debate_id: int) -> schemas.Debate:
    return _debates(session, [_one(session, Debate, debate_id)])[0]


def _debates(session: Session, found: list[Debate]) -> list[schemas.Debate]:
    authors = _authors(session, (debate.author_id for debate in found))
    return [
        schemas.Debate(
            id=debate.id,
            url=f"/debates/{debate.id}",
            title=debate.title,
            body=debate.body,
            author=authors.get(debate.author_id) if debate.author_id else None,
            tags=[tag.name for tag in debate.tags],
            geozone_id=debate.geozone_id,
            created_at=debate.created_at,
            updated_at=debate.updated_at,
            votes_agree=debate.votes_agree,
            votes_disagree=debate.votes_disagree,
            comments_count=debate.comments_count,
        )
        for debate in found
    ]


def proposals(session: Session, after: int, limit: int) -> list[schemas.Proposal]:
    return _proposals(session, _page(session, Proposal, after, limit))


def proposal(session: Session, proposal_id: int) -> schemas.Proposal:
    return _proposals(session, [_one(session, Proposal, proposal_id)])[0]


def _current_answers(session: Session, ids: list[int]) -> dict[int, schemas.Answer]:
    """The newest answer of each proposal (the same rule as ``answers.current_answer``)."""
    if not ids:
        return {}
    rows = session.scalars(
        select(ProposalAnswer)
        .where(ProposalAnswer.proposal_id.in_(ids))
        .order_by(ProposalAnswer.created_at.desc(), ProposalAnswer.id.desc())
    )
    answers: dict[int, schemas.Answer] = {}
    for row in rows:
        answers.setdefault(
            row.proposal_id,
            schemas.Answer(
                status=row.status,
                body=row.body,
                office=row.office_name,
                official=row.official_name,
                answered_at=row.created_at,
            ),
        )
    return answers


def _proposals(session: Session, found: list[Proposal]) -> list[schemas.Proposal]:
    authors = _authors(session, (proposal.author_id for proposal in found))
    answers = _current_answers(session, [proposal.id for proposal in found])
    return [
        schemas.Proposal(
            id=proposal.id,
            url=f"/proposals/{proposal.id}",
            title=proposal.title,
            summary=proposal.summary,
            body=proposal.body,
            author=authors.get(proposal.author_id) if proposal.author_id else None,
            tags=[tag.name for tag in proposal.tags],
            geozone_id=proposal.geozone_id,
            state=proposal.state,
            supports_count=proposal.supports_count,
            supports_needed=proposal.supports_needed,
            deadline_at=proposal.deadline_at,
            created_at=proposal.created_at,
            successful_at=proposal.successful_at,
            comments_count=proposal.comments_count,
            answer_due_on=proposal.answer_due_on,
            answer=answers.get(proposal.id),
        )
        for proposal in found
    ]


def comments(
    session: Session, target_type: str, target_id: int, after: int, limit: int
) -> list[schemas.Comment]:
    """Visible comments of a visible target (NotFound when the target is hidden or absent)."""
    load_target(session, target_type, target_id)
    found = _page(
        session,
        Comment,
        after,
        limit,
        Comment.target_type == target_type,
        Comment.target_id == target_id,
    )
    return _comments(session, found)


def comment(session: Session, comment_id: int) -> schemas.Comment:
    found = _one(session, Comment, comment_id)
    load_target(session, found.target_type, found.target_id)
    return _comments(session, [found])[0]


def _comments(session: Session, found: list[Comment]) -> list[schemas.Comment]:
    authors = _authors(session, (comment.author_id for comment in found))
    return [
        schemas.Comment(
            id=comment.id,
            target_type=comment.target_type,
            target_id=comment.target_id,
            parent_id=comment.parent_id,
            author=authors.get(comment.author_id) if comment.author_id else None,
            author_badge=comment.author_badge,
            body=comment.body,
            created_at=comment.created_at,
            edited_at=comment.edited_at,
            votes_up=comment.votes_up,
            votes_down=comment.votes_down,
        )
        for comment in found
    ]
