"""Every query of the polls pages and the poll editor (the session scopes them to the tenant).

The ballot, tally and booth queries live with their services (ballots.py, tally.py, booths.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, delete, func, insert, or_, select
from sqlalchemy.orm import Session

from app.geozones.models import Geozone
from app.polls.models import (
    Poll,
    PollAnswer,
    PollBallot,
    PollBooth,
    PollQuestion,
    PollVoter,
    poll_geozones,
)
from app.proposals.models import Proposal

PAGE_SIZE = 25
MAX_PAGE = 400
RECEIPTS_PAGE = 200
LIST_STATES = ("open", "upcoming", "closed")


def _published(state: str, now: datetime) -> Select[Poll]:
    statement = select(Poll).where(Poll.published_at.is_not(None))
    if state == "upcoming":
        return statement.where(Poll.closed_at.is_(None), Poll.opens_at > now).order_by(
            Poll.opens_at, Poll.id
        )
    if state == "closed":
        return statement.where(or_(Poll.closed_at.is_not(None), Poll.closes_at <= now)).order_by(
            Poll.closes_at.desc(), Poll.id.desc()
        )
    return statement.where(
        Poll.closed_at.is_(None), Poll.opens_at <= now, Poll.closes_at > now
    ).order_by(Poll.closes_at, Poll.id)


def list_page(session: Session, state: str, now: datetime, page: int) -> tuple[list[Poll], bool]:
    """One page of public polls in this state and whether another page follows."""
    rows = list(
        session.scalars(_published(state, now).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1))
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def all_polls(session: Session, page: int) -> tuple[list[Poll], bool]:
    """Every poll, drafts included, newest first (the staff list)."""
    rows = list(
        session.scalars(
            select(Poll)
            .order_by(Poll.created_at.desc(), Poll.id.desc())
            .offset((page - 1) * PAGE_SIZE)
            .limit(PAGE_SIZE + 1)
        )
    )
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def get_poll(session: Session, poll_id: int) -> Poll | None:
    return session.get(Poll, poll_id)


def questions_of(session: Session, poll_id: int) -> list[PollQuestion]:
    return list(
        session.scalars(
            select(PollQuestion)
            .where(PollQuestion.poll_id == poll_id)
            .order_by(PollQuestion.position, PollQuestion.id)
        )
    )


def answers_by_question(
    session: Session, question_ids: Iterable[int]
) -> dict[int, list[PollAnswer]]:
    ids = list(question_ids)
    found: dict[int, list[PollAnswer]] = {question_id: [] for question_id in ids}
    if not ids:
        return found
    for answer in session.scalars(
        select(PollAnswer)
        .where(PollAnswer.question_id.in_(ids))
        .order_by(PollAnswer.position, PollAnswer.id)
    ):
        found[answer.question_id].append(answer)
    return found


def get_question(session: Session, poll_id: int, question_id: int) -> PollQuestion | None:
    return session.scalars(
        select(PollQuestion).where(PollQuestion.id == question_id, PollQuestion.poll_id == poll_id)
    ).one_or_none()


def next_question_position(session: Session, poll_id: int) -> int:
    highest = session.scalar(
        select(func.max(PollQuestion.position)).where(PollQuestion.poll_id == poll_id)
    )
    return 0 if highest is None else highest + 1


def geozones_of(session: Session, poll_id: int) -> list[Geozone]:
    return list(
        session.scalars(
            select(Geozone)
            .join(poll_geozones, poll_geozones.c.geozone_id == Geozone.id)
            .where(poll_geozones.c.poll_id == poll_id)
            .order_by(Geozone.name)
        )
    )


def geozone_codes_by_poll(session: Session, poll_ids: Iterable[int]) -> dict[int, set[str]]:
    """The codes of each poll's geozones in one query (no entry: open to every zone)."""
    ids = list(poll_ids)
    found: dict[int, set[str]] = defaultdict(set)
    if not ids:
        return found
    rows = session.execute(
        select(poll_geozones.c.poll_id, Geozone.code)
        .join(Geozone, Geozone.id == poll_geozones.c.geozone_id)
        .where(poll_geozones.c.poll_id.in_(ids))
    )
    for poll_id, code in rows:
        found[poll_id].add(code)
    return found


def set_geozones(session: Session, poll_id: int, geozone_ids: Iterable[int]) -> None:
    """Replace the poll's geozones; the service checked every id belongs to this instance."""
    session.execute(delete(poll_geozones).where(poll_geozones.c.poll_id == poll_id))
    rows = [{"poll_id": poll_id, "geozone_id": zone_id} for zone_id in sorted(set(geozone_ids))]
    if rows:
        session.execute(insert(poll_geozones), rows)


def geozones_by_ids(session: Session, ids: Iterable[int]) -> list[Geozone]:
    wanted = set(ids)
    if not wanted:
        return []
    return list(session.scalars(select(Geozone).where(Geozone.id.in_(wanted))))


def lock_poll(session: Session, poll_id: int) -> None:
    """Hold the poll's row until the commit (PostgreSQL; SQLite writers already take turns)."""
    session.execute(select(Poll.id).where(Poll.id == poll_id).with_for_update())


def has_roll_entry(session: Session, poll_id: int) -> bool:
    """Voting has started: someone is on the roll, online or at a booth."""
    found = session.scalar(select(PollVoter.id).where(PollVoter.poll_id == poll_id).limit(1))
    return found is not None


def voted_in(session: Session, poll_ids: Iterable[int], voter_key: str) -> dict[int, PollVoter]:
    ids = list(poll_ids)
    if not ids:
        return {}
    rows = session.scalars(
        select(PollVoter).where(PollVoter.poll_id.in_(ids), PollVoter.voter_key == voter_key)
    )
    return {row.poll_id: row for row in rows}


def get_proposal(session: Session, proposal_id: int) -> Proposal | None:
    return session.get(Proposal, proposal_id)


def polls_from_proposal(session: Session, proposal_id: int) -> list[Poll]:
    return list(
        session.scalars(
            select(Poll)
            .where(Poll.proposal_id == proposal_id, Poll.published_at.is_not(None))
            .order_by(Poll.opens_at.desc(), Poll.id.desc())
        )
    )


def receipts_after(session: Session, poll_id: int, after: str) -> tuple[list[str], bool]:
    """A page of receipt codes in code order after ``after`` (random codes: the order says
    nothing); keyset paging, so the last page of a million costs what the first does."""
    statement = select(PollBallot.receipt).where(PollBallot.poll_id == poll_id)
    if after:
        statement = statement.where(PollBallot.receipt > after)
    rows = list(session.scalars(statement.order_by(PollBallot.receipt).limit(RECEIPTS_PAGE + 1)))
    return rows[:RECEIPTS_PAGE], len(rows) > RECEIPTS_PAGE


def receipt_counted(session: Session, poll_id: int, receipt: str) -> bool:
    found = session.scalar(
        select(PollBallot.receipt).where(
            PollBallot.poll_id == poll_id, PollBallot.receipt == receipt
        )
    )
    return found is not None


def count_ballots(session: Session, poll_id: int) -> int:
    return (
        session.scalar(select(func.count(PollBallot.receipt)).where(PollBallot.poll_id == poll_id))
        or 0
    )


def has_booths(session: Session, poll_id: int) -> bool:
    found = session.scalar(select(PollBooth.id).where(PollBooth.poll_id == poll_id).limit(1))
    return found is not None
