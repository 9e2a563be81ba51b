"""Queries of official answers (the session scopes every one to the request's tenant)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.answers.calendar import lima_date
from app.answers.models import Office, ProposalAnswer, ProposalMilestone
from app.notifications.service import followers_of
from app.proposals.models import Proposal, ProposalSupport
from app.verification.models import Resident

PAGE_SIZE = 25
MAX_PAGE = 400


def list_offices(session: Session) -> list[Office]:
    return list(session.scalars(select(Office).order_by(Office.name, Office.id)))


def office_by_name(session: Session, name: str) -> Office | None:
    statement = select(Office).where(func.lower(Office.name) == name.lower())
    return session.scalars(statement.limit(1)).first()


def get_office(session: Session, office_id: int) -> Office | None:
    return session.scalars(select(Office).where(Office.id == office_id)).one_or_none()


def pending_by_office(session: Session) -> dict[int, int]:
    """Successful proposals still waiting for an answer, per assigned office."""
    statement = (
        select(Proposal.office_id, func.count())
        .where(
            Proposal.state == "successful",
            Proposal.answered_at.is_(None),
            Proposal.hidden_at.is_(None),
            Proposal.office_id.is_not(None),
        )
        .group_by(Proposal.office_id)
    )
    return {office_id: count for office_id, count in session.execute(statement) if office_id}


def get_proposal(session: Session, proposal_id: int) -> Proposal | None:
    """A visible proposal of this tenant (hidden ones are out of every answer page)."""
    statement = select(Proposal).where(Proposal.id == proposal_id, Proposal.hidden_at.is_(None))
    return session.scalars(statement).one_or_none()


def answers_of(session: Session, proposal_id: int) -> list[ProposalAnswer]:
    """Every answer of a proposal, newest first (the first one is the current answer)."""
    statement = (
        select(ProposalAnswer)
        .where(ProposalAnswer.proposal_id == proposal_id)
        .order_by(ProposalAnswer.created_at.desc(), ProposalAnswer.id.desc())
    )
    return list(session.scalars(statement))


def current_answers(session: Session, proposal_ids: Sequence[int]) -> dict[int, ProposalAnswer]:
    """The current answer of each proposal in one query (for lists and the API)."""
    if not proposal_ids:
        return {}
    statement = (
        select(ProposalAnswer)
        .where(ProposalAnswer.proposal_id.in_(proposal_ids))
        .order_by(ProposalAnswer.created_at.desc(), ProposalAnswer.id.desc())
    )
    found: dict[int, ProposalAnswer] = {}
    for answer in session.scalars(statement):
        found.setdefault(answer.proposal_id, answer)
    return found


def milestones_of(session: Session, proposal_id: int) -> list[ProposalMilestone]:
    statement = (
        select(ProposalMilestone)
        .where(ProposalMilestone.proposal_id == proposal_id)
        .order_by(ProposalMilestone.answer_id, ProposalMilestone.position, ProposalMilestone.id)
    )
    return list(session.scalars(statement))


def get_milestone(
    session: Session, proposal_id: int, milestone_id: int
) -> ProposalMilestone | None:
    statement = select(ProposalMilestone).where(
        ProposalMilestone.id == milestone_id, ProposalMilestone.proposal_id == proposal_id
    )
    return session.scalars(statement).one_or_none()


def people_to_tell(session: Session, proposal: Proposal) -> set[int]:
    """The author, the current account of every supporter, and every follower."""
    supporters = select(Resident.user_id).join(
        ProposalSupport, ProposalSupport.resident_id == Resident.id
    )
    supporters = supporters.where(
        ProposalSupport.proposal_id == proposal.id, Resident.user_id.is_not(None)
    )
    people = {uid for uid in session.scalars(supporters) if uid is not None}
    people.update(followers_of(session, "proposal", proposal.id))
    if proposal.author_id is not None:
        people.add(proposal.author_id)
    return people


@dataclass(frozen=True)
class AwaitingRow:
    id: int
    title: str
    office_name: str | None
    successful_at: datetime | None
    due_on: date | None

    @property
    def reached_on(self) -> date | None:
        """The day the goal was reached, in Lima (where the due date is counted from)."""
        return lima_date(self.successful_at) if self.successful_at else None


@dataclass(frozen=True)
class AnsweredRow:
    id: int
    title: str
    office_name: str | None
    status: str
    answered_at: datetime


def _page_bounds(page: int) -> tuple[int, int]:
    page = min(max(page, 1), MAX_PAGE)
    return (page - 1) * PAGE_SIZE, PAGE_SIZE


_AWAITING = (
    Proposal.state == "successful",
    Proposal.hidden_at.is_(None),
    Proposal.answered_at.is_(None),
)


def awaiting_answers(session: Session, page: int) -> tuple[list[AwaitingRow], int]:
    """Successful proposals with no answer yet: the earliest due date first, which puts the
    most overdue at the top and then the ones about to fall due."""
    offset, limit = _page_bounds(page)
    statement = (
        select(
            Proposal.id,
            Proposal.title,
            Office.name,
            Proposal.successful_at,
            Proposal.answer_due_on,
        )
        .outerjoin(Office, Office.id == Proposal.office_id)
        .where(*_AWAITING)
        .order_by(Proposal.answer_due_on.is_(None), Proposal.answer_due_on, Proposal.id)
        .offset(offset)
        .limit(limit)
    )
    rows = [AwaitingRow(*row) for row in session.execute(statement)]
    total = session.scalar(select(func.count()).select_from(Proposal).where(*_AWAITING)) or 0
    return rows, total


def latest_answered(session: Session, page: int) -> tuple[list[AnsweredRow], int]:
    """Answered proposals, the most recently answered first, with their current status."""
    offset, limit = _page_bounds(page)
    latest = (
        select(
            ProposalAnswer.proposal_id.label("proposal_id"),
            func.max(ProposalAnswer.created_at).label("at"),
        )
        .group_by(ProposalAnswer.proposal_id)
        .subquery()
    )
    visible = (Proposal.hidden_at.is_(None), Proposal.answer_status.is_not(None))
    statement = (
        select(Proposal.id, Proposal.title, Office.name, Proposal.answer_status, latest.c.at)
        .join(latest, latest.c.proposal_id == Proposal.id)
        .outerjoin(Office, Office.id == Proposal.office_id)
        .where(*visible)
        .order_by(latest.c.at.desc(), Proposal.id.desc())
        .offset(offset)
        .limit(limit)
    )
    rows = [AnsweredRow(*row) for row in session.execute(statement)]
    total = session.scalar(select(func.count()).select_from(Proposal).where(*visible)) or 0
    return rows, total
