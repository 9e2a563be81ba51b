"""Every query of the proposals module (the session scopes them to the request's tenant)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import UnaryExpression, delete, exists, func, select, update
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.content.models import Tag
from app.geozones.models import Geozone
from app.proposals.models import Proposal, ProposalSupport, ProposalUpdate, proposal_tags
from app.search.service import text_matches
from app.verification.models import Resident

PAGE_SIZE = 25
# Offsets stay bounded so a deep page costs the same whatever the number of proposals.
MAX_PAGE = 400
SORTS = ("active", "newest", "supports")
LIST_STATES = ("open", "successful", "archived", "retired")


@dataclass(frozen=True)
class ListQuery:
    state: str = "open"
    sort: str = "active"
    tag_id: int | None = None
    geozone_id: int | None = None
    text: str = ""
    page: int = 1


def _order(sort: str) -> tuple[UnaryExpression[Any], ...]:
    if sort == "newest":
        return (Proposal.created_at.desc(), Proposal.id.desc())
    if sort == "supports":
        return (Proposal.supports_count.desc(), Proposal.id.desc())
    return (Proposal.last_activity_at.desc(), Proposal.id.desc())


def list_page(session: Session, query: ListQuery) -> tuple[list[Proposal], bool]:
    """One page of visible proposals (tags loaded) and whether another page follows."""
    statement = (
        select(Proposal)
        .where(Proposal.hidden_at.is_(None), Proposal.state == query.state)
        .options(selectinload(Proposal.tags))
    )
    if query.tag_id is not None:
        statement = statement.where(
            exists().where(
                proposal_tags.c.proposal_id == Proposal.id,
                proposal_tags.c.tag_id == query.tag_id,
            )
        )
    if query.geozone_id is not None:
        statement = statement.where(Proposal.geozone_id == query.geozone_id)
    if query.text:
        statement = statement.where(text_matches(Proposal, query.text))
    rows = list(
        session.scalars(
            statement.order_by(*_order(query.sort))
            .offset((query.page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def get_proposal(session: Session, proposal_id: int) -> Proposal | None:
    return session.scalars(
        select(Proposal).where(Proposal.id == proposal_id).options(selectinload(Proposal.tags))
    ).one_or_none()


def all_tags(session: Session) -> list[Tag]:
    return list(session.scalars(select(Tag).order_by(Tag.name)))


def tags_by_ids(session: Session, ids: set[int]) -> list[Tag]:
    if not ids:
        return []
    return list(session.scalars(select(Tag).where(Tag.id.in_(ids)).order_by(Tag.name)))


def names_of_users(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {row[0]: row[1] for row in rows}


def geozones_by_id(session: Session, ids: set[int]) -> dict[int, Geozone]:
    if not ids:
        return {}
    return {zone.id: zone for zone in session.scalars(select(Geozone).where(Geozone.id.in_(ids)))}


def has_supported(session: Session, proposal_id: int, resident_id: int) -> bool:
    found = session.scalar(
        select(ProposalSupport.id).where(
            ProposalSupport.proposal_id == proposal_id,
            ProposalSupport.resident_id == resident_id,
        )
    )
    return found is not None


def count_supports(session: Session, proposal_id: int) -> int:
    return (
        session.scalar(
            select(func.count(ProposalSupport.id)).where(ProposalSupport.proposal_id == proposal_id)
        )
        or 0
    )


def supporter_accounts(session: Session, proposal_id: int) -> list[int]:
    """The current accounts of the residents who support the proposal (a DNI may have moved
    to a new account since it supported)."""
    return list(
        session.scalars(
            select(Resident.user_id)
            .join(ProposalSupport, ProposalSupport.resident_id == Resident.id)
            .where(ProposalSupport.proposal_id == proposal_id, Resident.user_id.is_not(None))
        )
    )


def updates_of(session: Session, proposal_id: int) -> list[ProposalUpdate]:
    return list(
        session.scalars(
            select(ProposalUpdate)
            .where(ProposalUpdate.proposal_id == proposal_id)
            .order_by(ProposalUpdate.created_at.desc(), ProposalUpdate.id.desc())
        )
    )


def add_to_count(
    session: Session, proposal_id: int, change: int, now: datetime
) -> tuple[int, int, str] | None:
    """Move the counter in SQL (never read-modify-write) if the proposal still takes the
    change; answer (count, needed, state) afterwards, or None when it no longer does."""
    statement = update(Proposal).where(Proposal.id == proposal_id, Proposal.hidden_at.is_(None))
    if change > 0:
        statement = statement.where(
            Proposal.state.in_(("open", "successful")), Proposal.deadline_at > now
        ).values(supports_count=Proposal.supports_count + change, last_activity_at=now)
    else:
        statement = statement.where(
            Proposal.state == "open",
            Proposal.deadline_at > now,
            Proposal.supports_count < Proposal.supports_needed,
        ).values(supports_count=Proposal.supports_count + change)
    row = session.execute(
        statement.returning(Proposal.supports_count, Proposal.supports_needed, Proposal.state),
        execution_options={"synchronize_session": False},
    ).first()
    return None if row is None else (row[0], row[1], row[2])


def mark_successful(session: Session, proposal_id: int, now: datetime) -> bool:
    """Only one request turns an open proposal successful, however many cross together."""
    result = session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id, Proposal.state == "open")
        .values(state="successful", successful_at=now),
        execution_options={"synchronize_session": False},
    )
    return bool(getattr(result, "rowcount", 0))


def delete_support(session: Session, proposal_id: int, resident_id: int) -> bool:
    result = session.execute(
        delete(ProposalSupport).where(
            ProposalSupport.proposal_id == proposal_id,
            ProposalSupport.resident_id == resident_id,
        ),
        execution_options={"synchronize_session": False},
    )
    return bool(getattr(result, "rowcount", 0))


def archive_expired(session: Session, now: datetime) -> int:
    result = session.execute(
        update(Proposal)
        .where(Proposal.state == "open", Proposal.deadline_at <= now)
        .values(state="archived", archived_at=now),
        execution_options={"synchronize_session": False},
    )
    return int(getattr(result, "rowcount", 0))
